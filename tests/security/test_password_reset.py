"""Password reset: single-use, expiring link by e-mail; same answer for unknown e-mails; old sessions end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.accounts.models import PasswordResetToken, Role, User
from app.accounts.passwords import verify_password
from app.core import mail
from app.core.db import utcnow
from tests.conftest import csrf_from, login, post_form
from tests.factories import KHANH_SON, PASSWORD, make_user, unit

NEW = "Mat-khau-moi-2026"
SENT = "Nếu email này có tài khoản"


def _request_reset(client, email):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/quen-mat-khau", {"email": email})
    assert resp.status_code == 302
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def _link_from_outbox() -> str:
    body = mail.OUTBOX[-1].get_content()
    m = re.search(r"https?://\S+(/dat-lai-mat-khau/\S+)", body)
    assert m, body
    return m.group(1)


def test_reset_link_works_once_ends_old_sessions_and_is_stored_only_as_a_hash(app, client, session):
    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="quen@test.vn")
    other = app.test_client()
    login(other, "quen@test.vn")
    assert other.get("/can-bo").status_code == 200

    page = _request_reset(client, "Quen@Test.vn")
    assert SENT in page
    assert len(mail.OUTBOX) == 1 and mail.OUTBOX[0]["To"] == "quen@test.vn"
    path = _link_from_outbox()
    token = path.rsplit("/", 1)[1]
    assert (
        mail.OUTBOX[0].get_content().count("http://127.0.0.1:5000/dat-lai-mat-khau/") == 1
    )  # PUBLIC_BASE_URL
    stored = session.query(PasswordResetToken).one()
    assert stored.token_hash != token and token not in stored.token_hash and len(stored.token_hash) == 64

    form_page = client.get(path)
    assert form_page.status_code == 200 and form_page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in form_page.headers["Cache-Control"]
    resp = client.post(
        path,
        data={"csrf_token": csrf_from(form_page.get_data(as_text=True)), "password": NEW, "confirm": NEW},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dang-nhap")
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, NEW)
    assert other.get("/can-bo").status_code == 302  # the session opened before the reset has ended
    login(client, "quen@test.vn", NEW)

    # Second use of the same link: refused, password unchanged.
    again = app.test_client()
    resp = again.get(path)
    assert resp.status_code == 400 and "đã dùng hoặc đã hết hạn" in resp.get_data(as_text=True)
    assert (
        again.post(path, data={"password": "Khac-hoan-toan-1", "confirm": "Khac-hoan-toan-1"}).status_code
        == 400
    )


def test_unknown_email_gets_the_same_answer_and_no_mail(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="co@test.vn")
    known = _request_reset(client, "co@test.vn")
    unknown = _request_reset(client, "khongco@test.vn")
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731 - CSRF tokens differ
    assert strip(known) == strip(unknown)
    assert len(mail.OUTBOX) == 1
    assert session.query(PasswordResetToken).count() == 1


def test_link_expires_after_one_hour(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="het@test.vn")
    _request_reset(client, "het@test.vn")
    path = _link_from_outbox()
    row = session.query(PasswordResetToken).one()
    assert (
        timedelta(minutes=59)
        < row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)
        <= timedelta(hours=1)
    )
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    resp = client.get(path)
    assert resp.status_code == 400 and "hết hạn" in resp.get_data(as_text=True)


def test_a_new_request_cancels_the_previous_link_and_mails_are_capped(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="hai@test.vn")
    _request_reset(client, "hai@test.vn")
    first = _link_from_outbox()
    _request_reset(client, "hai@test.vn")
    second = _link_from_outbox()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    _request_reset(client, "hai@test.vn")
    _request_reset(client, "hai@test.vn")  # a fourth request within the hour sends nothing
    assert len(mail.OUTBOX) == 3


def test_weak_or_mismatched_new_password_is_refused_and_the_link_stays_usable(client, session):
    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="yeu@test.vn")
    _request_reset(client, "yeu@test.vn")
    path = _link_from_outbox()
    resp = post_form(client, path, {"password": "ngan", "confirm": "ngan"})
    assert resp.status_code == 200 and "ít nhất 10 ký tự" in resp.get_data(as_text=True)
    resp = post_form(client, path, {"password": NEW, "confirm": NEW + "x"})
    assert "Hai mật khẩu không khớp." in resp.get_data(as_text=True)
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, PASSWORD)
    assert post_form(client, path, {"password": NEW, "confirm": NEW}).status_code == 302


def test_a_reset_lets_the_owner_in_at_once_while_a_stranger_keeps_the_email_delayed(app, client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="khoa2@test.vn")
    stranger = app.test_client()
    for _ in range(app.config["LOGIN_DELAY_AFTER_FAILURES"]):
        post_form(stranger, "/dang-nhap", {"email": "khoa2@test.vn", "password": "sai-mat-khau-1"})
    delayed = post_form(stranger, "/dang-nhap", {"email": "khoa2@test.vn", "password": PASSWORD})
    assert delayed.status_code == 200 and "Vui lòng chờ" in delayed.get_data(as_text=True)
    _request_reset(client, "khoa2@test.vn")
    assert post_form(client, _link_from_outbox(), {"password": NEW, "confirm": NEW}).status_code == 302
    login(client, "khoa2@test.vn", NEW)  # the browser that used the link is not held by the stranger's delay


@pytest.mark.app_config(RESET_RATE_LIMIT="2 per minute")
def test_reset_requests_are_rate_limited(client):
    codes = [post_form(client, "/quen-mat-khau", {"email": f"x{i}@test.vn"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_login_page_links_to_forgot_password(client):
    assert 'href="/quen-mat-khau"' in client.get("/dang-nhap").get_data(as_text=True)
