"""Every state-changing route refuses a request without a valid CSRF token, and saves nothing."""

from __future__ import annotations

import uuid

from flask import Flask

from app.extensions import csrf
from tests.security.conftest import World, row_counts
from tests.security.route_params import build_url
from tests.security.routes import CSRF_EXEMPT_REASONS, Route, all_routes, report

FORGED = "IjQ2ZjYxNzM2NTY0Ig.ZZZZZZ.forged-token-value"


def csrf_exempt_endpoints(app: Flask) -> set[str]:
    exempt = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        location = f"{view.__module__}.{view.__name__}"
        if location in csrf._exempt_views or (rule.endpoint.split(".")[0] in csrf._exempt_blueprints):
            exempt.add(rule.endpoint)
    return exempt


def csrf_violations(world: World, routes: list[Route]) -> list[str]:
    """Problems found: a state-changing request without (or with a forged) token that was not refused
    with 400, or that changed any table."""
    problems = []
    admin = next(v for v in world.visitors if v.label.startswith("central_admin"))
    anonymous = next(v for v in world.visitors if v.label == "anonymous")
    exempt = csrf_exempt_endpoints(world.app)
    for route in routes:
        url = build_url(world.ctx, route.rule)
        if route.kind == "webhook":
            before = row_counts()
            resp = anonymous.client.post(
                url, data=b'{"type": "checkout.session.completed"}', content_type="application/json"
            )
            if resp.status_code != 400:
                problems.append(f"{route}: an unsigned webhook got {resp.status_code}, expected 400")
            if row_counts() != before:
                problems.append(f"{route}: an unsigned webhook changed the database")
            continue
        if route.endpoint in exempt and route.endpoint in CSRF_EXEMPT_REASONS:  # a signed link
            before = row_counts()
            resp = anonymous.client.post(url, data={"List-Unsubscribe": "One-Click"})
            if resp.status_code != 404:
                problems.append(f"{route}: an unsigned link got {resp.status_code}, expected 404")
            if row_counts() != before:
                problems.append(f"{route}: an unsigned link changed the database")
            continue
        if route.endpoint in exempt:
            problems.append(f"{route}: exempt from CSRF without a reason in CSRF_EXEMPT_REASONS")
        for visitor in (admin, anonymous):
            for method in sorted(route.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                for token in (None, FORGED):
                    data = {"name": "Thôn Giả Mạo", "reason": "x", "amount": "1000", "status": "active"}
                    if token:
                        data["csrf_token"] = token
                    before = row_counts()
                    resp = visitor.client.open(url, method=method, data=data)
                    after = row_counts()
                    what = f"{route} {method} as {visitor.label} {'forged token' if token else 'no token'}"
                    if resp.status_code != 400:
                        problems.append(f"{what}: got {resp.status_code}, expected 400")
                    elif "CSRF" not in resp.get_data(as_text=True):
                        problems.append(f"{what}: 400 but not the CSRF page")
                    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                    if changed:
                        problems.append(f"{what}: rows changed {changed}")
    return problems


def test_every_state_changing_route_requires_a_csrf_token(world):
    routes = [r for r in all_routes(world.app) if r.state_changing or r.kind == "webhook"]
    report("CSRF: state-changing routes", routes)
    assert len(routes) > 0
    assert all(r.kind in {"staff", "login", "public", "webhook"} for r in routes)
    assert set(CSRF_EXEMPT_REASONS) == {"webhook", "notifications.opt_out"}
    assert csrf_violations(world, routes) == []
    check_finds_an_unprotected_route(world)


def check_finds_an_unprotected_route(world: World) -> None:
    """The check above can fail: a route exempted from CSRF that writes a row is reported."""
    from werkzeug.routing import Rule

    from app.units.models import Hamlet

    app = world.app

    def unprotected():  # type: ignore[no-untyped-def]
        from app.extensions import db

        db.session.add(
            Hamlet(
                commune_id=world.places["khanh_son"].id,
                name=f"Thôn Không Bảo Vệ {uuid.uuid4().hex[:8]}",
                kind="thôn",
            )
        )
        db.session.commit()
        return "ok"

    app._got_first_request = False  # the world fixture logged in already; this route is test-only
    app.add_url_rule("/khong-bao-ve", "unprotected", unprotected, methods=["POST"])
    csrf.exempt(unprotected)
    try:
        route = next(r for r in all_routes(app) if r.endpoint == "unprotected")
        problems = csrf_violations(world, [route])
    finally:
        csrf._exempt_views.discard(f"{unprotected.__module__}.{unprotected.__name__}")
    assert any("exempt from CSRF" in p for p in problems)
    assert any("got 200, expected 400" in p for p in problems)
    assert any("rows changed" in p and "hamlets" in p for p in problems)
    assert isinstance(route.rule, Rule)
