"""A forged Host header cannot poison the public page cache (issue 20.7): absolute links on public pages come
from PUBLIC_BASE_URL, the cache key holds the scheme and host, and production answers only to its own hosts."""

from __future__ import annotations

import pytest

from app import create_app
from tests.security.test_headers_cookies import PRODUCTION_ENV
from tests.transparency.conftest import give

FORGED = "http://ke-gia-mao.example"
OFFICIAL = "https://chungtay.example.vn"


@pytest.mark.app_config(PUBLIC_PAGE_CACHE_SECONDS=60, PUBLIC_BASE_URL=OFFICIAL)
def test_a_forged_host_does_not_reach_the_next_reader(app, client, session, kh):
    c = give(session, kh["campaign"], 10_000_000, name="Nguyễn Văn An", receiving=kh["province"])
    pages = ["/", "/cong-khai", "/cong-khai/sao-ke", f"/cong-khai/sao-ke/{c.id}", "/cong-khai/tai-khoan"]
    pages += ["/cong-khai/su-dung", "/cong-khai/goc-cong-bo", "/cong-khai/du-lieu"]
    for url in pages:
        attacker = app.test_client()
        forged = attacker.get(url, base_url=FORGED)
        assert forged.status_code == 200, url
        assert "ke-gia-mao" not in forged.get_data(as_text=True), url  # links never from the Host header
        reader = app.test_client().get(url)
        assert reader.status_code == 200, url
        assert "ke-gia-mao" not in reader.get_data(as_text=True), url
    permalink = app.test_client().get(f"/cong-khai/sao-ke/{c.id}").get_data(as_text=True)
    assert f'href="{OFFICIAL}/cong-khai/sao-ke/{c.id}"' in permalink
    api = app.test_client().get(f"/api/v1/contributions/{c.id}", base_url=FORGED).get_json()
    assert api["url"] == f"{OFFICIAL}/cong-khai/sao-ke/{c.id}"


@pytest.fixture
def production(app, monkeypatch):  # type: ignore[no-untyped-def]
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)

    def make(**config):  # type: ignore[no-untyped-def]
        prod = create_app(
            "production",
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_STORAGE_URI="memory://",
            CELERY={**app.config["CELERY"], "task_always_eager": True},
            **config,
        )
        prod.test_client_class = app.test_client_class
        return prod

    return make


def test_production_refuses_a_request_for_an_unknown_host(production, monkeypatch):
    prod = production(PUBLIC_BASE_URL=OFFICIAL)
    assert prod.config["TRUSTED_HOSTS"] == ["chungtay.example.vn"]
    client = prod.test_client()
    with prod.app_context():
        refused = client.get("/cong-khai", base_url=FORGED)
        assert refused.status_code == 400
        assert "không phải địa chỉ của hệ thống Chung Tay" in refused.get_data(as_text=True)
        assert "ke-gia-mao" not in refused.get_data(as_text=True)
        assert client.get("/cong-khai", base_url=OFFICIAL).status_code == 200
    # TRUSTED_HOSTS names more than one (e.g. the load balancer's health check): each is answered.
    monkeypatch.setenv("TRUSTED_HOSTS", "chungtay.example.vn, .mattran.example.vn")
    prod = production(PUBLIC_BASE_URL=OFFICIAL)
    client = prod.test_client()
    with prod.app_context():
        assert client.get("/cong-khai", base_url="https://khanhhoa.mattran.example.vn").status_code == 200
        assert client.get("/cong-khai", base_url=FORGED).status_code == 400
