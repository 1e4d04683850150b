"""Reports as the Front files them (issue 18.9): a tổng kết of Khánh Hòa whose every figure — by area, by programme,
households by category, transfers between levels, the comparison with the target and the previous year — equals the
ledger's, with the document's number, place and date, recipients and signer in the PDF and the XLSX."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerPosting, LedgerTransaction, Purpose
from app.needs import funding
from app.needs.models import NeedKind, PovertyStatus
from app.reports.models import ReportJob
from app.transparency import units, verify_export
from tests.conftest import login, post_form
from tests.factories import SYSTEM, make_campaign
from tests.needs.conftest import actor_of, add_need, approve, fund, world  # noqa: F401 - fixtures
from tests.transparency.conftest import give


def _ledger_sum(session, fund_id, ids, kind, start, end) -> int:  # type: ignore[no-untyped-def]
    return int(
        session.execute(
            select(func.coalesce(func.sum(LedgerPosting.amount_vnd), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(
                LedgerAccount.fund_id == fund_id,
                LedgerAccount.kind == kind,
                LedgerAccount.unit_id.in_(ids),
                LedgerTransaction.occurred_on.between(start, end),
            )
        ).scalar()
    )


def _request(client, campaign, unit_id):  # type: ignore[no-untyped-def]
    resp = post_form(
        client,
        "/can-bo/bao-cao/",
        {
            "campaign_id": campaign.id,
            "unit_id": unit_id,
            "kind": "year",
            "year": 2026,
            "half": 1,
            "number": "15/BC-BVĐ",
            "issued_on": "20/01/2027",
            "recipients": "Ban Thường trực UBTW MTTQ Việt Nam;\nLưu: VT.",
            "signer_title": "TM. BAN VẬN ĐỘNG\nTRƯỞNG BAN",
            "signer_name": "Nguyễn Khắc Hà",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def test_the_tong_ket_reports_the_ledgers_figures_as_the_front_files_them(client, session, world, tmp_path):  # noqa: F811
    w = world
    fund_id = w.campaign.fund_id
    w.campaign.goal_vnd = 500_000_000
    give(session, w.campaign, 12_000_000, name="Ông Năm Trước", on=date(2025, 10, 20), receiving=w.khanh_hoa)
    house = approve(session, w, add_need(session, w, poverty_status=PovertyStatus.POOR))
    fund(session, w, house, 60_000_000)
    funding.disburse_need(
        session, actor_of(w.province_staff), house.id, 40_000_000, "PC-01", occurred_on=date(2026, 11, 10)
    )
    repair = approve(
        session,
        w,
        add_need(
            session,
            w,
            w.cam_lam,
            need_kind=NeedKind.REPAIR,
            poverty_status=PovertyStatus.NEAR_POOR,
            requested_vnd=30_000_000,
            estimated_cost_vnd=30_000_000,
            ethnic_minority=False,
            citizen_id="056085731902",
            phone="0935731902",
        ),
    )
    fund(session, w, repair, 30_000_000)
    funding.disburse_need(
        session, actor_of(w.province_staff), repair.id, 30_000_000, "PC-02", occurred_on=date(2026, 11, 12)
    )
    # Transfers between levels: the province passes money to Khánh Sơn; Hà Nội supports Khánh Hòa.
    give(session, w.campaign, 100_000_000, name="Công ty A", on=date(2026, 10, 17), receiving=w.khanh_hoa)
    ledger.transfer(
        session,
        SYSTEM,
        fund_id=fund_id,
        from_unit_id=w.khanh_hoa.id,
        from_purpose=Purpose.UNRESTRICTED,
        to_unit_id=w.khanh_son.id,
        to_purpose=Purpose.UNRESTRICTED,
        amount_vnd=25_000_000,
        occurred_on=date(2026, 11, 20),
    )
    hanoi_campaign = make_campaign(session, w.hanoi)
    give(session, hanoi_campaign, 50_000_000, name="Công ty B", on=date(2026, 10, 18), receiving=w.hanoi)
    ledger.transfer(
        session,
        SYSTEM,
        fund_id=fund_id,
        from_unit_id=w.hanoi.id,
        from_purpose=Purpose.UNRESTRICTED,
        to_unit_id=w.khanh_hoa.id,
        to_purpose=Purpose.UNRESTRICTED,
        amount_vnd=10_000_000,
        occurred_on=date(2026, 12, 1),
    )
    session.commit()

    login(client, w.province_staff.email)
    job = session.get(ReportJob, _request(client, w.campaign, w.khanh_hoa.id))
    f = job.figures
    ids = units.scope_unit_ids(session, w.khanh_hoa)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    received = -_ledger_sum(session, fund_id, ids, AccountKind.DONATIONS, start, end)
    disbursed = _ledger_sum(session, fund_id, ids, AccountKind.DISBURSED, start, end)
    assert received == 60_000_000 + 30_000_000 + 100_000_000 and disbursed == 70_000_000
    assert f["receipts_vnd"] == received and f["disbursed_vnd"] == disbursed

    # By area: the province's own level and each commune; the columns add up to the ledger's figures.
    areas = {r["name"]: r for r in f["by_area"]}
    assert f["by_area"][0]["name"] == "Cấp tỉnh (Tỉnh Khánh Hòa)"
    assert sum(r["received_vnd"] for r in f["by_area"]) == received
    assert sum(r["disbursed_vnd"] for r in f["by_area"]) == disbursed
    assert sum(r["closing_vnd"] for r in f["by_area"]) == f["closing_balance_vnd"]
    ks = next(r for n, r in areas.items() if n.startswith(w.khanh_son.name))
    assert (ks["disbursed_vnd"], ks["households"]) == (40_000_000, 1)

    # By programme: a house built, a house repaired; the lines add up to what the ledger paid out.
    programmes = {r["programme"]: r for r in f["programmes"]}
    assert (programmes["new_house"]["count"], programmes["new_house"]["amount_vnd"]) == (1, 40_000_000)
    assert (programmes["repair"]["count"], programmes["repair"]["amount_vnd"]) == (1, 30_000_000)
    assert sum(r["amount_vnd"] for r in f["programmes"]) == disbursed
    households = {r["category"]: r["count"] for r in f["households"]}
    assert households["poor"] == households["near_poor"] == 1 and households["total"] == 2
    assert households["ethnic_minority"] == 1

    # Transfers between levels, from the ledger: the "Điều chuyển" line is no longer 0.
    moves = [(t["from"], t["to"], t["amount_vnd"], t["direction"]) for t in f["transfers"]]
    assert ("Tỉnh Khánh Hòa", w.khanh_son.full_name, 25_000_000, "within") in moves
    assert (w.hanoi.name, "Tỉnh Khánh Hòa", 10_000_000, "in") in moves
    assert f["transfers_in_vnd"] == 10_000_000 and f["transfers_out_vnd"] == 0
    assert f["transfers_net_vnd"] == 10_000_000  # closing − opening − receipts + disbursed, from the balances

    # Against the target and the previous year.
    assert f["target"] == {"goal_vnd": 500_000_000, "receipts_vnd": received, "percent": 38}
    assert f["comparison"]["previous"]["receipts_vnd"] == 12_000_000
    assert f["comparison"]["current"]["houses_built"] == 1
    assert f["opening_balance_vnd"] == 12_000_000

    # The document as filed: heading, number, place and date, recipients, signer.
    pdf = client.get(f"/can-bo/bao-cao/{job.id}/tai/pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in (
        "ỦY BAN MTTQ VIỆT NAM",
        "TỈNH KHÁNH HÒA",
        "MẶT TRẬN TỔ QUỐC VIỆT NAM",
        "Số: 15/BC-BVĐ",
        "Khánh Hòa, ngày 20 tháng 01 năm 2027",
        "Nơi nhận:",
        "- Ban Thường trực UBTW MTTQ Việt Nam;",
        "TRƯỞNG BAN",
        "Nguyễn Khắc Hà",
        "XI. Điều chuyển giữa các cấp",
    ):
        assert expected in text, expected
    ws = load_workbook(io.BytesIO(client.get(f"/can-bo/bao-cao/{job.id}/tai/xlsx").data)).active
    cells = {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert cells["Nhận về từ địa bàn khác"][2] == 10_000_000
    assert cells["Cộng giải ngân"][1] == disbursed
    assert "Số: 15/BC-BVĐ" in cells
    page = client.get(f"/can-bo/bao-cao/{job.id}").get_data(as_text=True)
    assert "X. Theo địa bàn" in page and "Cấp tỉnh (Tỉnh Khánh Hòa)" in page

    # Published: the public annual report page shows the same figures, hashed and signed; the verifier checks them.
    assert client.get(f"/cong-khai/bao-cao-nam/{job.id}").status_code == 404
    resp = post_form(client, f"/can-bo/bao-cao/{job.id}/cong-bo", {}, page=f"/can-bo/bao-cao/{job.id}")
    assert resp.status_code == 302
    session.refresh(job)
    public = client.get(f"/cong-khai/bao-cao-nam/{job.id}").get_data(as_text=True)
    assert job.content_hash in public and "khớp với mã băm và chữ ký số đã công bố" in public
    assert "40.000.000 ₫" in public and "Mấu Văn Thử" not in public  # figures yes, households never
    assert f"/cong-khai/bao-cao-nam/{job.id}" in client.get("/cong-khai/bao-cao-nam/").get_data(as_text=True)
    signed = client.get(f"/cong-khai/bao-cao-nam/{job.id}.json").get_json()
    assert signed["so_lieu"]["disbursed_vnd"] == disbursed and signed["so_van_ban"] == "15/BC-BVĐ"
    assert signed["sha256"] == job.content_hash
    key = client.get("/cong-khai/khoa-cong-khai.pem").get_data(as_text=True)
    assert _verify(tmp_path, signed, key) == (0, "Báo cáo năm: ĐÚNG – mã băm và chữ ký đúng")
    signed["so_lieu"]["disbursed_vnd"] += 1_000_000
    assert _verify(tmp_path, signed, key)[0] == 1
    signed["sha256"] = verify_export.annual_digest(
        signed
    )  # re-hashed by whoever changed it: the signature fails
    code, line = _verify(tmp_path, signed, key)
    assert code == 1 and "chữ ký KHÔNG hợp lệ" in line


def _verify(tmp_path, document, key):  # type: ignore[no-untyped-def]
    """The public verifier, as a reader runs it on the downloaded files."""
    import contextlib
    import json

    report, pem = tmp_path / "bao-cao.json", tmp_path / "khoa.pem"
    report.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    pem.write_text(key, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = verify_export.main(["--bao-cao", str(report), "--khoa", str(pem)])
    return code, out.getvalue().strip().split(";")[0]
