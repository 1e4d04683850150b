"""Logging out really logs out (issue 21, item 5): the session version on the user is bumped on logout,
"log out everywhere" and a password change, so every copy of the session cookie and of the remember cookie
stops working; the remember cookie lasts at most 30 days and is renewed while it is used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import time_machine

from app.accounts.models import Role
from app.audit.models import AuditEntry
from tests.conftest import csrf_from, post_form
from tests.factories import KHANH_SON, PASSWORD, make_user, unit

DESK = "/can-bo"
ACCOUNT = "/tai-khoan/bao-mat"


def _staff(session, email: str):  # type: ignore[no-untyped-def]
    return make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email=email)


def _login(client, email: str, *, remember: bool):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    resp = post_form(client, "/dang-nhap", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return resp


def _logout(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(DESK).get_data(as_text=True))
    assert client.post("/dang-xuat", data={"csrf_token": token}).status_code == 302


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    resp = client.get(DESK)
    assert resp.status_code in (200, 302)
    return resp.status_code == 200


def _cookie(client, name: str) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _browser_with(app, **cookies: str):  # type: ignore[no-untyped-def]
    """A second browser holding copies of the given cookies and nothing else."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _set_cookie_headers(resp, name: str) -> list[SimpleCookie]:  # type: ignore[no-untyped-def]
    found = []
    for header in resp.headers.getlist("Set-Cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        if name in parsed:
            found.append(parsed)
    return found


def test_with_remember_ticked_the_request_after_logout_is_anonymous(client, session):
    _staff(session, "ghinho@test.vn")
    _login(client, "ghinho@test.vn", remember=True)
    assert _signed_in(client)
    _logout(client)
    assert not _signed_in(client)
    assert client.get_cookie("remember_token") is None  # the browser was told to drop it


def test_a_session_cookie_copied_before_logout_no_longer_works(app, client, session):
    _staff(session, "sao-chep@test.vn")
    _login(client, "sao-chep@test.vn", remember=False)
    copied = _cookie(client, "session")
    assert _signed_in(_browser_with(app, session=copied))  # the copy works while the session lives
    _logout(client)
    assert not _signed_in(_browser_with(app, session=copied))


def test_a_remember_cookie_copied_before_logout_no_longer_signs_in(app, client, session):
    _staff(session, "nho-sao-chep@test.vn")
    _login(client, "nho-sao-chep@test.vn", remember=True)
    copied = _cookie(client, "remember_token")
    assert _signed_in(_browser_with(app, remember_token=copied))
    _logout(client)
    thief = _browser_with(app, remember_token=copied)
    assert not _signed_in(thief)
    assert not _signed_in(thief)  # and not on a later request either


def test_log_out_everywhere_ends_another_browsers_session(app, client, session):
    user = _staff(session, "moi-noi@test.vn")
    phone = app.test_client()
    _login(phone, "moi-noi@test.vn", remember=True)
    phone_remember = _cookie(phone, "remember_token")
    _login(client, "moi-noi@test.vn", remember=False)
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đăng xuất khỏi mọi thiết bị" in html
    resp = client.post("/tai-khoan/dang-xuat-moi-thiet-bi", data={"csrf_token": csrf_from(html)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dang-nhap")
    assert not _signed_in(client)
    assert not _signed_in(phone)
    assert not _signed_in(_browser_with(app, remember_token=phone_remember))
    entry = session.query(AuditEntry).filter_by(action="user.logout_everywhere").one()
    assert entry.entity_id == str(user.id)


def test_log_out_everywhere_needs_post_with_csrf(client, session):
    _staff(session, "csrf-moi-noi@test.vn")
    _login(client, "csrf-moi-noi@test.vn", remember=False)
    assert client.get("/tai-khoan/dang-xuat-moi-thiet-bi").status_code == 405
    assert client.post("/tai-khoan/dang-xuat-moi-thiet-bi", data={}).status_code == 400
    assert _signed_in(client)


def test_a_password_reset_ends_a_remembered_browser(app, client, session):
    from app.accounts.services import set_password
    from tests.factories import SYSTEM

    user = _staff(session, "doi-mk@test.vn")
    _login(client, "doi-mk@test.vn", remember=True)
    copied = _cookie(client, "remember_token")
    set_password(session, SYSTEM, user, "Mat-khau-moi-2026")
    session.commit()
    assert not _signed_in(client)
    assert not _signed_in(_browser_with(app, remember_token=copied))


def test_the_remember_cookie_lasts_30_days_and_is_renewed_while_used(client, session):
    _staff(session, "ba-muoi@test.vn")
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        resp = _login(client, "ba-muoi@test.vn", remember=True)
    (issued,) = _set_cookie_headers(resp, "remember_token")
    expires = datetime.strptime(issued["remember_token"]["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires.replace(tzinfo=UTC) == start + timedelta(days=30)
    later = start + timedelta(days=20)
    with time_machine.travel(later, tick=False):
        resp = client.get(DESK)
        assert resp.status_code == 200
    renewed = _set_cookie_headers(resp, "remember_token")
    assert renewed, "using the remembered session renews the cookie"
    expires = datetime.strptime(renewed[-1]["remember_token"]["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires.replace(tzinfo=UTC) == later + timedelta(days=30)


def test_without_remember_no_remember_cookie_is_ever_set(client, session):
    # Flask-Login 0.6.3 sets the cookie on every request once REMEMBER_COOKIE_REFRESH_EACH_REQUEST is on, ticked
    # or not (flask-login issues 424 and 824): a shared office computer would stay signed in for a month.
    _staff(session, "khong-nho@test.vn")
    resp = _login(client, "khong-nho@test.vn", remember=False)
    assert not _set_cookie_headers(resp, "remember_token")
    for _ in range(2):
        resp = client.get(DESK)
        assert resp.status_code == 200
        assert not _set_cookie_headers(resp, "remember_token")
    assert client.get_cookie("remember_token") is None
