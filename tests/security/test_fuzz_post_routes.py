"""Every POST route of the app (enumerated from app.url_map, so routes merged later are covered too), posted to
by every role that may use it, with a valid CSRF token and random fields: never a 5xx (issue 21.7).

The fields are the route's own form fields when a page of the app offers its form (random values, hostile text
or the form's own options), plus random extra fields, plus random files where the form takes one; a route
whose form no page shows gets random fields named like the app's fields. The Stripe webhook gets random JSON
signed with the webhook secret. Bounded: a few examples per route and role (hypothesis, derandomized), so
the run takes well under a minute on the two-core machine.
"""

from __future__ import annotations

import io
import json
import os
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import Role
from tests.payments.conftest import WEBHOOK_SECRET, sign
from tests.security.conftest import Visitor, World, csrf_token_for
from tests.security.fuzz import hostile_text
from tests.security.route_params import build_url
from tests.security.routes import Route, all_routes, report

# Per route and role: 58 routes x up to 4 roles stay under half a minute. FUZZ_EXAMPLES=20 for a deeper local run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
SKIP = {"accounts.logout": "ends the visitor's session; it has no field to fuzz"}
STAFF_ROLES = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)
COMMON_FIELDS = ["action", "amount", "name", "reason", "note", "status", "file", "commune_id", "year", "q"]


class FormFields(HTMLParser):
    """action -> (fields with their option values, file fields) for every POST form of a page."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: dict[str, tuple[dict[str, list[str]], set[str]]] = {}
        self._form: tuple[dict[str, list[str]], set[str]] | None = None
        self._select: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = urlsplit(urljoin(self.page_url, a.get("action") or self.page_url)).path
                self._form = self.forms.setdefault(action, ({}, set()))
            return
        name = a.get("name")
        if self._form is None or not name or name == "csrf_token":
            return
        fields, files = self._form
        kind = (a.get("type") or "text").lower()
        if tag == "input" and kind == "file":
            files.add(name)
        elif tag == "input" and kind not in ("submit", "button", "image"):
            options = fields.setdefault(name, [])
            if kind in ("radio", "checkbox", "hidden") and a.get("value") is not None:
                options.append(a["value"])
        elif tag == "button" and a.get("value") is not None:
            fields.setdefault(name, []).append(a["value"])
        elif tag == "textarea":
            fields.setdefault(name, [])
        elif tag == "select":
            self._select = fields.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            self._select.append(a.get("value") or "")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(world: World, visitors: list[Visitor]) -> dict[str, tuple[dict[str, list[str]], set[str]]]:
    """Form fields by action path, from every GET page each visitor can open."""
    found: dict[str, tuple[dict[str, list[str]], set[str]]] = {}
    for visitor in visitors:
        for route in all_routes(world.app):
            if "GET" not in route.methods or route.kind in ("static", "webhook"):
                continue
            url = build_url(world.ctx, route.rule)
            resp = visitor.client.get(url)
            if resp.status_code != 200 or "html" not in resp.content_type:
                resp.close()
                continue
            parser = FormFields("http://localhost" + url)
            parser.feed(resp.get_data(as_text=True))
            for action, (fields, files) in parser.forms.items():
                mine = found.setdefault(action, ({}, set()))
                for name, options in fields.items():
                    mine[0].setdefault(name, [])
                    mine[0][name] += [o for o in options if o not in mine[0][name]]
                mine[1].update(files)
    return found


files = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"PK\x03\x04" + b"\x00" * 64,  # a zip that is not one
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,  # a PNG header and nothing else
            'Họ tên,Số tiền\n=HYPERLINK("x"),-1\n'.encode(),
            b"\xff\xfe\x00\x00" * 20,
        ]
    ),
)


def payload_strategy(fields: dict[str, list[str]], file_fields: set[str], pool: list[str]):  # type: ignore[no-untyped-def]
    known = {
        name: st.one_of(st.sampled_from(opts), hostile_text) if opts else hostile_text
        for name, opts in fields.items()
    }
    extra = st.dictionaries(st.sampled_from(pool), hostile_text, max_size=3)
    uploads = st.fixed_dictionaries(
        {name: st.tuples(files, st.sampled_from(["a.csv", "a.xlsx", "a.png"])) for name in file_fields}
    )
    return st.tuples(st.fixed_dictionaries(known), extra, uploads)


def visitors_for(world: World, route: Route) -> list[Visitor]:
    if route.kind == "staff":
        # Each staff role of the records' own area (central admin sees everything).
        return [v for v in world.visitors if v.role in STAFF_ROLES and v.area in ("own", None)]
    if route.kind == "login":
        return [v for v in world.visitors if v.label == "donor"]
    return [v for v in world.visitors if v.label == "anonymous"]


def fuzz_route(visitor: Visitor, route: Route, url: str, strategy, token: str) -> None:  # type: ignore[no-untyped-def]
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def post(drawn):  # type: ignore[no-untyped-def]
        known, extra, uploads = drawn
        data = {**extra, **known, "csrf_token": token}
        kwargs = {}
        if uploads:
            data.update({k: (io.BytesIO(b), name) for k, (b, name) in uploads.items()})
            kwargs["content_type"] = "multipart/form-data"
        try:
            resp = visitor.client.post(url, data=data, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a 500 propagates in tests: report it with the input
            raise AssertionError(f"{type(exc).__name__}: {exc}") from exc
        assert resp.status_code < 500, resp.status_code

    post()


WEBHOOK_KEYS = ["id", "type", "data", "object", "created", "amount_total", "metadata", "payment_intent"]
EVENT_TYPES = [
    "checkout.session.completed",
    "checkout.session.expired",
    "charge.refunded",
    "customer.created",
]


def fuzz_webhook(client, url: str) -> None:  # type: ignore[no-untyped-def]
    """Random JSON, correctly signed: event-shaped objects with random members, and anything else."""
    scalar = st.none() | st.booleans() | st.integers() | hostile_text | st.sampled_from(EVENT_TYPES)
    value = st.recursive(
        scalar,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(WEBHOOK_KEYS), inner, max_size=5)
        ),
        max_leaves=12,
    )
    event = st.fixed_dictionaries(
        {"id": scalar, "type": st.sampled_from(EVENT_TYPES), "data": st.fixed_dictionaries({"object": value})}
    )

    @settings(max_examples=10 * EXAMPLES, deadline=None, derandomize=True, database=None)
    @given(st.one_of(event, value))
    def post(body):  # type: ignore[no-untyped-def]
        payload = json.dumps(body)
        try:
            resp = client.post(
                url,
                data=payload,
                content_type="application/json",
                headers={"Stripe-Signature": sign(payload)},
            )
        except Exception as exc:  # noqa: BLE001 - a 500 propagates in tests
            raise AssertionError(f"{payload}: {type(exc).__name__}: {exc}") from exc
        assert resp.status_code < 500, (payload, resp.status_code)

    post()


def describe(exc: BaseException) -> str:
    """Hypothesis groups distinct failures: show each one's message (the input and the error)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {str(exc)[:700]}"


def test_no_post_route_answers_5xx_to_random_fields(world: World):
    started = time.monotonic()
    app = world.app
    app.config.update(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, RESET_RATE_LIMIT="100000 per minute")
    from app.pledges.models import Pledge

    reference = world.ctx.session.execute(select(Pledge.reference).order_by(Pledge.id).limit(1)).scalar_one()
    admin = next(v for v in world.visitors if v.label.startswith("central_admin"))
    donor = next(v for v in world.visitors if v.label == "donor")
    forms = crawl(world, [admin, donor])
    crawled = time.monotonic()
    pool = sorted({name for fields, _ in forms.values() for name in fields} | set(COMMON_FIELDS))
    routes = [r for r in all_routes(app) if r.state_changing and r.endpoint not in SKIP]
    problems: list[str] = []
    for route in routes:
        url = build_url(world.ctx, route.rule)
        if "reference" in route.rule.arguments:  # a real pledge: the placeholder would stop at a 404
            url = route.rule.build({"reference": reference}, append_unknown=False)[1]
        if route.kind == "webhook":
            try:
                fuzz_webhook(world.visitors[-1].client, url)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{route}: {describe(exc)}")
            continue
        fields, file_fields = forms.get(urlsplit(url).path, ({}, set()))
        strategy = payload_strategy(fields, file_fields, pool)
        for visitor in visitors_for(world, route):
            try:
                fuzz_route(visitor, route, url, strategy, csrf_token_for(visitor.client))
            except Exception as exc:  # noqa: BLE001 - collected: one report for every route
                problems.append(f"{route} as {visitor.label}: {describe(exc)}")
    report("fuzz: every POST route, each role, random fields", routes)
    print(
        f"[fuzz] forms crawled in {crawled - started:.1f} s, {len(routes)} routes fuzzed in {time.monotonic() - crawled:.1f} s"
    )
    assert len(routes) >= 50
    assert problems == [], "\n\n".join(problems)
