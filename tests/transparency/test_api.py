"""The read-only JSON API and its OpenAPI document."""

from __future__ import annotations

import re
from datetime import date

from tests.transparency.conftest import give


def test_every_api_route_is_documented_in_openapi(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "GET" in r.methods
    }
    assert routes, "no API routes registered"
    assert routes == set(doc["paths"]), routes ^ set(doc["paths"])
    for path, item in doc["paths"].items():
        for param in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == param and p["in"] == "path" for p in item["get"]["parameters"])


def test_contributions_api_filters_and_cursor_pagination(app, client, session, kh):
    for i in range(5):
        give(
            session,
            kh["campaign"],
            1_000_000 * (i + 1),
            name=f"Nguyễn Văn {chr(65 + i)}",
            on=date(2026, 10, 10 + i),
            receiving=kh["province"],
        )
    page = client.get("/api/v1/contributions?q=nguyen+van&limit=2").get_json()
    assert [r["ten_cong_khai"] for r in page["data"]] == ["Nguyễn Văn E", "Nguyễn Văn D"]
    assert page["prev"] is None
    assert page["next"].startswith(app.config["PUBLIC_BASE_URL"] + "/api/v1/contributions?")  # not the Host
    nxt = client.get(page["next"].removeprefix(app.config["PUBLIC_BASE_URL"])).get_json()
    assert [r["ten_cong_khai"] for r in nxt["data"]] == ["Nguyễn Văn C", "Nguyễn Văn B"]
    assert (
        client.get("/api/v1/contributions?so_tien=3.000.000").get_json()["data"][0]["ten_cong_khai"]
        == "Nguyễn Văn C"
    )
    one = nxt["data"][0]
    assert client.get(f"/api/v1/contributions/{one['id']}").get_json()["so_tien_vnd"] == 3_000_000
    assert set(one) >= {"id", "ngay_nhan", "ten_cong_khai", "so_tien_vnd", "kenh", "so_bien_nhan", "url"}
    assert "note" not in one and "donor_id" not in one


def test_api_errors_are_json_in_vietnamese(client):
    resp = client.get("/api/v1/contributions?tu_ngay=hôm+qua")
    assert resp.status_code == 400 and "Từ ngày" in resp.get_json()["error"]
    assert client.get("/api/v1/contributions/424242").status_code == 404
    assert client.get("/api/v1/units?tinh=abc").status_code == 400


def test_totals_units_campaigns_and_roots(client, session, kh):
    give(session, kh["campaign"], 9_000_000, receiving=kh["khanh_son"])
    totals = client.get("/api/v1/totals").get_json()
    assert totals["totals"]["received_vnd"] == 9_000_000
    assert any(u["ma_don_vi"] == "22714" and u["da_nhan_vnd"] == 9_000_000 for u in totals["units"])
    provinces = client.get("/api/v1/units").get_json()["units"]
    assert any(u["code"] == 56 for u in provinces)
    communes = client.get("/api/v1/units?tinh=56").get_json()["units"]
    assert any(u["code"] == 22714 for u in communes)
    assert client.get("/api/v1/campaigns").get_json()["campaigns"][0]["id"] == kh["campaign"].id
    assert client.get("/api/v1/roots").get_json()["roots"] == []
