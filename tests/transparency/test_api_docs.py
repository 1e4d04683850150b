"""The API documentation page, the rate limit it states and CORS on the public API."""

from __future__ import annotations

import re

from flask import url_for

from app.transparency.api import API_RATE_LIMIT_PER_MINUTE


def test_docs_page_renders_from_openapi_json_with_local_assets_only(client):
    resp = client.get("/cong-khai/api")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert f"tối đa {API_RATE_LIMIT_PER_MINUTE} yêu cầu mỗi phút" in html
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    assert any("swagger-ui.css" in a for a in assets)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for asset in assets:  # every file the page loads is served by us
        assert client.get(asset.split("?")[0]).status_code == 200, asset
    assert "<script>" not in html  # CSP: no inline script (the init is app/static/js/api_docs.js)


def test_docs_page_in_english(client):
    html = client.get("/cong-khai/api?lang=en").get_data(as_text=True)
    assert "requests per minute" in html


def test_openapi_document_has_examples_and_states_the_rate_limit(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert str(API_RATE_LIMIT_PER_MINUTE) in doc["info"]["description"]
    contribution = doc["components"]["schemas"]["Contribution"]
    assert contribution["example"]["so_tien_vnd"] == 50_000_000
    listing = doc["paths"]["/api/v1/contributions"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["example"]["data"]
    assert "429" in listing["responses"]
    assert {p["name"]: p.get("example") for p in listing["parameters"]}["so_tien"] == "50.000.000"


def test_public_api_allows_cross_origin_get_and_staff_routes_do_not(app, client):
    resp = client.get("/api/v1/campaigns", headers={"Origin": "https://bao.example.org"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers.get("X-RateLimit-Limit") == str(API_RATE_LIMIT_PER_MINUTE)
    with app.test_request_context():
        staff = url_for("pledges.staff_list")
    for path in ("/cong-khai", staff, "/dang-nhap"):
        other = client.get(path, headers={"Origin": "https://bao.example.org"})
        assert "Access-Control-Allow-Origin" not in other.headers, path


def test_the_api_answers_429_past_its_rate_limit(app, client):
    for _ in range(API_RATE_LIMIT_PER_MINUTE):
        client.get("/api/v1/openapi.json")
    resp = client.get("/api/v1/campaigns")
    assert resp.status_code == 429
    assert "Retry-After" in resp.headers
    assert resp.get_json()["status"] == 429  # JSON, like every API answer
    assert resp.headers["Access-Control-Allow-Origin"] == "*"  # so a page elsewhere can read why
