"""Property-based fuzzing of every form: the login form, and generically every state-changing route
whose form can be found on a page of the app (crawled from app.url_map). Hostile values in every field
give a page with a message or a correct result — never a 500, never a partial save."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import csrf_from
from tests.security.conftest import World, csrf_token_for, row_counts
from tests.security.fuzz import FUZZ_SETTINGS, hostile_text
from tests.security.route_params import build_url
from tests.security.routes import all_routes, report


class FormParser(HTMLParser):
    """The POST forms of a page: action and fields (name -> list of option values for selects/radios)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url, self.forms, self._form, self._select = page_url, [], None, None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {
                    "action": urlsplit(urljoin(self.page_url, a.get("action") or self.page_url)).path,
                    "fields": {},
                }
                self.forms.append(self._form)
            return
        if self._form is None or not a.get("name") or a["name"] == "csrf_token":
            return
        fields = self._form["fields"]
        if tag == "input" and (a.get("type") or "text") not in (
            "submit",
            "button",
            "hidden",
            "file",
            "image",
        ):
            fields.setdefault(a["name"], [])
            if a.get("type") in ("radio", "checkbox"):
                fields[a["name"]].append(a.get("value") or "y")
        elif tag == "textarea":
            fields.setdefault(a["name"], [])
        elif tag == "select":
            self._select = fields.setdefault(a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select.append(a.get("value") or "")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def field_values(options: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(options), hostile_text) if options else hostile_text


def crawl_forms(world: World, client) -> dict[str, tuple[str, dict[str, list[str]]]]:  # type: ignore[no-untyped-def]
    """endpoint -> (action path, fields) of the first POST form found for it on any GET page of the app."""
    from werkzeug.exceptions import HTTPException

    adapter = world.app.url_map.bind("localhost")
    found: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for route in all_routes(world.app):
        if "GET" not in route.methods or route.kind in ("static", "webhook"):
            continue
        url = build_url(world.ctx, route.rule)
        resp = client.get(url)
        if resp.status_code != 200 or "html" not in resp.content_type:
            resp.close()  # streamed exports end their request context now, in order
            continue
        parser = FormParser("http://localhost" + url)
        parser.feed(resp.get_data(as_text=True))
        for form in parser.forms:
            try:
                endpoint, _ = adapter.match(form["action"], method="POST")
            except HTTPException:
                continue
            if form["fields"]:
                found.setdefault(endpoint, (form["action"], form["fields"]))
    return found


def fuzz_form(client, endpoint: str, url: str, fields: dict[str, list[str]], token: str) -> None:  # type: ignore[no-untyped-def]
    @FUZZ_SETTINGS
    @given(st.fixed_dictionaries({name: field_values(opts) for name, opts in fields.items()}))
    def submit(values):  # type: ignore[no-untyped-def]
        before = row_counts()
        resp = client.post(url, data={**values, "csrf_token": token})
        assert resp.status_code < 500, (endpoint, values)
        if resp.status_code not in (302, 303):
            assert row_counts() == before, (endpoint, values, "saved something on refusal")

    submit()


def test_every_form_survives_hostile_input(world: World):
    admin = next(v for v in world.visitors if v.label.startswith("central_admin"))
    world.app.config["RESET_RATE_LIMIT"] = "10000 per minute"
    forms = crawl_forms(world, admin.client)
    targets = [r for r in all_routes(world.app) if r.state_changing and r.kind != "webhook"]
    covered = []
    problems: list[str] = []
    for route in targets:
        if route.endpoint not in forms or route.endpoint in ("accounts.logout", "accounts.login"):
            continue  # login is fuzzed below, anonymously; logout has no field
        url, fields = forms[route.endpoint]
        covered.append(route)
        try:
            fuzz_form(admin.client, route.endpoint, url, fields, csrf_token_for(admin.client))
        except AssertionError as exc:
            problems.append(f"{route}: {exc}")
    report("fuzz: forms of state-changing routes", covered)
    print(
        "[fuzz] state-changing routes without a form found on any page:",
        [r.endpoint for r in targets if r not in covered],
    )
    assert len(covered) > 0
    assert problems == [], "\n".join(problems)


@pytest.mark.app_config(LOGIN_RATE_LIMIT="10000 per minute")
def test_login_form_survives_hostile_input(app, client, session):
    token = csrf_from(client.get("/dang-nhap").get_data(as_text=True))

    @FUZZ_SETTINGS
    @given(hostile_text, hostile_text, st.sampled_from(["", "y", "<x>"]))
    def attempt(email, password, remember):  # type: ignore[no-untyped-def]
        before = row_counts()
        resp = client.post(
            "/dang-nhap",
            data={"email": email, "password": password, "remember": remember, "csrf_token": token},
        )
        assert resp.status_code in (200, 400), resp.status_code
        body = resp.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body  # echoed input is escaped
        assert any(m in body for m in ("Email", "Mật khẩu", "ký tự không hợp lệ"))
        assert row_counts() == before

    attempt()
