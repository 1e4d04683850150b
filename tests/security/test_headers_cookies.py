"""Security headers on every kind of response, cookies in production, the 413 page."""

from __future__ import annotations

import io

import pytest

from app import create_app
from app.accounts.models import Role
from tests.conftest import csrf_from, login
from tests.factories import KHANH_SON, make_user, unit

PRODUCTION_ENV = {  # strong values: production refuses weak ones (tests/security/test_production_config.py)
    "SECRET_KEY": "T2P67Y1dq6wi7HrifAlIrX9Hv1WsIUIk1WXiIxrEVONNaLo6NlvkTGFSr_aYVaCC",
    "DATABASE_URL": "postgresql+psycopg://chungtay@127.0.0.1/khong-dung-trong-test",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8",
    "DATA_ENCRYPTION_KEY": "8S_36ccxosgJS9mScudjw67Am39Os6UMClUM3_RsNwE=",
    "CERTIFICATE_SIGNING_KEY": "3VaXoSCNT4hFWslAdzK8DbNwc9V+BIXjV+8mAXESYYA=",
    "PUBLIC_BASE_URL": "https://chungtay.example.vn",
    "PAYMENT_GATEWAY": "disabled",
}


def _assert_headers(resp, *, hsts: bool) -> None:  # type: ignore[no-untyped-def]
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert (
        "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    )
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")
    assert ("Strict-Transport-Security" in resp.headers) == hsts


def test_headers_on_pages_errors_and_static_files(client, session):
    for url, code in (
        ("/", 200),
        ("/khong-co-trang-nay", 404),
        ("/static/css/app.css", 200),
        ("/dang-nhap", 200),
    ):
        resp = client.get(url)
        assert resp.status_code == code
        _assert_headers(resp, hsts=False)
    assert client.post("/dang-nhap", data={}).status_code == 400  # the CSRF error page too
    _assert_headers(client.post("/dang-nhap", data={}), hsts=False)


def test_pages_for_logged_in_users_are_not_cached(client, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="cache@test.vn")
    login(client, "cache@test.vn")
    assert "no-store" in client.get("/can-bo").headers["Cache-Control"]


@pytest.fixture
def production_app(app, monkeypatch):  # type: ignore[no-untyped-def]
    """The production configuration (secrets from the environment) on the test's database."""
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    prod = create_app(
        "production",
        PUBLIC_BASE_URL="https://chungtay.example.vn",  # production answers only to this host
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI="memory://",
        PASSWORD_HASH_FAST=True,
        CELERY={**app.config["CELERY"], "task_always_eager": True},
    )
    prod.test_client_class = app.test_client_class
    return prod


def test_production_refuses_to_start_without_secrets(monkeypatch):
    for key in PRODUCTION_ENV:
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_cookies_are_secure_httponly_samesite_and_hsts_is_sent(production_app, session):
    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="prod@test.vn")
    client = production_app.test_client()
    site = "https://chungtay.example.vn"
    with production_app.app_context():
        page = client.get("/dang-nhap", base_url=site)
        _assert_headers(page, hsts=True)
        assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
        resp = client.post(
            "/dang-nhap",
            data={
                "email": "prod@test.vn",
                "password": "Matkhau-2026",
                "remember": "y",
                "csrf_token": csrf_from(page.get_data(as_text=True)),
            },
            headers={"Referer": site + "/dang-nhap"},
            base_url=site,
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        cookies = {c.split("=", 1)[0]: c for c in resp.headers.getlist("Set-Cookie")}
        assert set(cookies) >= {"session", "remember_token", "thiet_bi"}, cookies
        for name in ("session", "remember_token", "thiet_bi"):  # thiet_bi: the login device cookie
            attrs = {a.strip().split("=")[0].lower() for a in cookies[name].split(";")}
            assert {"secure", "httponly", "samesite"} <= attrs, cookies[name]
            assert "samesite=lax" in cookies[name].lower()


def test_a_body_over_the_limit_gets_the_vietnamese_413_page(client, app):
    token = csrf_from(client.get("/dang-nhap").get_data(as_text=True))
    big = io.BytesIO(b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1024))
    resp = client.post(
        "/dang-nhap", data={"csrf_token": token, "tep": (big, "lon.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 413
    text = resp.get_data(as_text=True)
    assert "Tệp tải lên quá lớn" in text and "20 MB" in text
    _assert_headers(resp, hsts=False)
