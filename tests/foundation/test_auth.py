from __future__ import annotations

import pytest

from app.accounts.models import Role, User
from app.accounts.passwords import verify_password
from tests.conftest import csrf_from, login, post_form
from tests.factories import KHANH_SON, PASSWORD, make_user, province, unit


def test_login_renews_the_session_and_lands_on_the_staff_desk(client, session):
    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="canbo@khanhson.vn")
    client.get("/dang-nhap")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker before login"
    resp = login(client, "CanBo@KhanhSon.vn")
    assert resp.headers["Location"].endswith("/can-bo")
    with client.session_transaction() as s:
        assert "planted" not in s
    page = client.get("/can-bo").get_data(as_text=True)
    assert "Bàn làm việc" in page and "Xã Khánh Sơn" in page
    assert user.password_hash.startswith("$argon2id$") and verify_password(user.password_hash, PASSWORD)


def test_wrong_password_gives_one_message_for_unknown_and_known_users(client, session):
    make_user(session, Role.PROVINCE_STAFF, province(session), email="tinh@test.vn")
    a = post_form(client, "/dang-nhap", {"email": "tinh@test.vn", "password": "sai-mat-khau-1"})
    b = post_form(client, "/dang-nhap", {"email": "khongco@test.vn", "password": "sai-mat-khau-1"})
    assert a.status_code == b.status_code == 200
    assert "Email hoặc mật khẩu không đúng." in a.get_data(as_text=True)
    assert "Email hoặc mật khẩu không đúng." in b.get_data(as_text=True)


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3 per minute")
def test_failed_login_attempts_are_rate_limited_per_address(client):
    codes = [
        post_form(client, "/dang-nhap", {"email": f"x{i}@test.vn", "password": "sai-mat-khau"}).status_code
        for i in range(5)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert "Quá nhiều" in post_form(client, "/dang-nhap", {"email": "y@test.vn", "password": "z"}).get_data(
        as_text=True
    )


def test_forms_without_a_valid_csrf_token_are_refused(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="csrf@test.vn")
    resp = client.post("/dang-nhap", data={"email": "csrf@test.vn", "password": PASSWORD})
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    resp = client.post(
        "/dang-nhap", data={"email": "csrf@test.vn", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert resp.status_code == 400


def test_logout_needs_post_with_csrf_and_ends_the_session(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="out@test.vn")
    login(client, "out@test.vn")
    assert client.get("/dang-xuat").status_code == 405
    html = client.get("/can-bo").get_data(as_text=True)
    assert client.post("/dang-xuat", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert client.get("/can-bo").status_code == 302  # back to the login page


def test_password_change_ends_other_sessions(client, session):
    from app.accounts.services import set_password
    from tests.factories import SYSTEM

    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="pw@test.vn")
    login(client, "pw@test.vn")
    assert client.get("/can-bo").status_code == 200
    set_password(session, SYSTEM, session.get(User, user.id), "Mat-khau-moi-2026")
    session.commit()
    assert client.get("/can-bo").status_code == 302


def test_open_redirect_after_login_is_ignored(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="next@test.vn")
    resp = post_form(
        client,
        "/dang-nhap?next=https://evil.example/",
        {"email": "next@test.vn", "password": PASSWORD},
        page="/dang-nhap",
    )
    assert resp.headers["Location"].endswith("/can-bo")


def test_security_headers_are_sent(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
