"""Outcomes (issue 18.10): staff record each year's poverty review result of the households the fund helped; the
province's own target is data; the tổng kết and the public annual page count the households helped that left the
poor list, per commune, against that target."""

from __future__ import annotations

from datetime import date

from app.needs import funding
from app.needs.models import NeedKind, PovertyStatus
from app.reports.models import PovertyReview, ReportJob
from tests.conftest import login, post_form
from tests.needs.conftest import actor_of, add_need, approve, fund, world  # noqa: F401 - fixtures


def _helped(session, w, commune, n, **kw):  # type: ignore[no-untyped-def]
    need = approve(
        session,
        w,
        add_need(
            session,
            w,
            commune,
            citizen_id=f"05608573{n:04d}",
            phone=f"093573{n:04d}",
            need_kind=NeedKind.REPAIR,
            requested_vnd=20_000_000,
            estimated_cost_vnd=20_000_000,
            **kw,
        ),
    )
    fund(session, w, need, 20_000_000)
    funding.disburse_need(
        session, actor_of(w.province_staff), need.id, 20_000_000, f"PC-{n}", occurred_on=date(2026, 6, 1)
    )
    session.commit()
    return need


def _review(client, need, result, year=2026):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/can-bo/bao-cao/ra-soat",
        {"need_id": need.id, "year": year, "result": result},
        page=f"/can-bo/bao-cao/ra-soat?nam={year}",
    )


def test_households_leaving_the_poor_list_against_the_provinces_target(client, session, world):  # noqa: F811
    w = world
    a = _helped(session, w, w.khanh_son, 1, poverty_status=PovertyStatus.POOR)
    b = _helped(session, w, w.khanh_son, 2, poverty_status=PovertyStatus.POOR)
    c = _helped(session, w, w.cam_lam, 3, poverty_status=PovertyStatus.POOR)
    d = _helped(session, w, w.cam_lam, 4, poverty_status=PovertyStatus.NEAR_POOR)
    not_paid = approve(
        session, w, add_need(session, w, w.cam_lam, citizen_id="056085730099", phone="0935730099")
    )

    # The commune records its own households; another commune's household is not its to record.
    login(client, w.ks_staff.email)
    page = client.get("/can-bo/bao-cao/ra-soat?nam=2026").get_data(as_text=True)
    assert "Kết quả rà soát hộ nghèo năm 2026" in page and page.count('name="need_id"') == 2
    assert _review(client, a, "out_of_poverty").status_code == 302
    assert _review(client, b, "still_poor").status_code == 302
    refused = _review(client, c, "out_of_poverty")
    assert "Không tìm thấy hộ trong địa bàn của bạn." in refused.get_data(as_text=True)
    client.post("/dang-xuat", data={})
    client.delete_cookie("session")

    login(client, w.province_staff.email)
    assert _review(client, c, "near_poor").status_code == 302
    assert _review(client, d, "out_of_poverty").status_code == 302  # near-poor at entry: not on the poor list
    resp = _review(client, not_paid, "out_of_poverty")
    assert "chưa được Quỹ hỗ trợ" in resp.get_data(as_text=True)
    assert _review(client, b, "near_poor").status_code == 302  # a correction, not a second row
    assert session.query(PovertyReview).count() == 4
    # The province's own target, as data.
    resp = post_form(
        client,
        "/can-bo/bao-cao/ra-soat/chi-tieu",
        {"unit_id": w.khanh_hoa.id, "year": 2026, "exits_target": 4, "legal_basis": "Nghị quyết 24-NQ/TU"},
        page="/can-bo/bao-cao/ra-soat?nam=2026",
    )
    assert resp.status_code == 302
    assert "Nghị quyết 24-NQ/TU" in client.get("/can-bo/bao-cao/ra-soat?nam=2026").get_data(as_text=True)

    resp = post_form(
        client,
        "/can-bo/bao-cao/",
        {"campaign_id": w.campaign.id, "unit_id": w.khanh_hoa.id, "kind": "year", "year": 2026, "half": 1},
    )
    job = session.get(ReportJob, int(resp.headers["Location"].rstrip("/").split("/")[-1]))
    o = job.figures["outcomes"]
    areas = {r["name"]: r for r in o["by_area"]}
    ks, cl = areas[w.khanh_son.full_name], areas[w.cam_lam.full_name]
    assert (ks["helped"], ks["reviewed"], ks["out_of_poverty"], ks["near_poor"], ks["left_poor_list"]) == (
        2,
        2,
        1,
        1,
        2,
    )
    assert (cl["helped"], cl["out_of_poverty"], cl["near_poor"], cl["left_poor_list"]) == (2, 1, 1, 1)
    assert o["total"]["left_poor_list"] == 3 and o["target"] == 4 and o["percent"] == 75
    assert o["target_basis"] == "Nghị quyết 24-NQ/TU"

    # On the public annual page, per commune, without any household named.
    post_form(client, f"/can-bo/bao-cao/{job.id}/cong-bo", {}, page=f"/can-bo/bao-cao/{job.id}")
    public = client.get(f"/cong-khai/bao-cao-nam/{job.id}").get_data(as_text=True)
    assert "XIII. Kết quả giảm nghèo của hộ được hỗ trợ" in public and "75%" in public
    assert "Mấu Văn Thử" not in public
