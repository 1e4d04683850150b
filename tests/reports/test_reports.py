"""Staff reports: the yearly review of the Khánh Hòa demo equals the ledger and the public overview."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.core.money import format_vnd
from app.demo.foundation import DEMO_PASSWORD
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.reports.models import ReportJob, ReportKind
from app.reports.services import ReportError, period_for
from app.transparency import units
from tests.conftest import login, post_form
from tests.factories import SYSTEM
from tests.transparency.conftest import give, load_full_demo

PROVINCE_STAFF = "tinh@khanhhoa.chungtay.vn"
COMMUNE_STAFF = "khanhson@khanhhoa.chungtay.vn"


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_full_demo(session)
    from app.demo.foundation import campaign_of

    return campaign_of(session)


def _request_report(client, campaign, unit_id, kind="year", year=2026, half=1):  # type: ignore[no-untyped-def]
    resp = post_form(
        client,
        "/can-bo/bao-cao/",
        {"campaign_id": campaign.id, "unit_id": unit_id, "kind": kind, "year": year, "half": half},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def _housing(session, fund_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(allocated incl. disbursed, disbursed) for housing across the books, straight from the accounts."""
    from sqlalchemy import func, select

    from app.ledger.models import AccountKind, LedgerAccount

    sums = dict(
        session.execute(
            select(LedgerAccount.kind, func.sum(LedgerAccount.balance_vnd))
            .where(
                LedgerAccount.fund_id == fund_id,
                LedgerAccount.purpose == Purpose.HOUSING,
                LedgerAccount.kind.in_([AccountKind.ALLOCATED, AccountKind.DISBURSED]),
            )
            .group_by(LedgerAccount.kind)
        ).all()
    )
    disbursed = int(sums.get(AccountKind.DISBURSED) or 0)
    return int(sums.get(AccountKind.ALLOCATED) or 0) + disbursed, disbursed


def test_yearly_report_for_khanh_hoa_equals_the_ledger_and_the_public_overview(client, session, demo):
    campaign = demo
    province = campaign.scope_unit
    fund = ledger.main_fund(session)
    # Some money moves on in the year: an allocation and a disbursement in Khánh Sơn.
    khanh_son = next(u for u in units.unit_map(session).values() if u.code == 22714)
    # Other packages' demo data (needs, matching) may already have moved money: compare by differences.
    before = ledger.totals(session, fund.id, units.scope_unit_ids(session, province))
    housing_before = _housing(session, fund.id)
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=fund.id,
        target_unit_id=khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(khanh_son.id, Purpose.HOUSING, 100_000_000)],
        occurred_on=date(2026, 11, 2),
    )
    ledger.disburse(
        session,
        SYSTEM,
        fund_id=fund.id,
        unit_id=khanh_son.id,
        purpose=Purpose.HOUSING,
        amount_vnd=40_000_000,
        occurred_on=date(2026, 11, 10),
    )
    session.commit()

    login(client, PROVINCE_STAFF, DEMO_PASSWORD)
    job_id = _request_report(client, campaign, province.id)
    page = client.get(f"/can-bo/bao-cao/{job_id}").get_data(as_text=True)
    assert "Tổng kết năm" in page and "Tải Excel" in page
    assert client.get(f"/can-bo/bao-cao/{job_id}/trang-thai").get_json() == {
        "status": "done",
        "progress": 100,
        "label": "Đã xong",
    }
    figures = session.get(ReportJob, job_id).figures

    books = ledger.totals(session, fund.id, units.scope_unit_ids(session, province))
    public = client.get("/api/v1/totals").get_json()["totals"]
    assert figures["cumulative"]["received_vnd"] == books.received_vnd == public["received_vnd"] > 0
    assert (
        figures["cumulative"]["allocated_vnd"]
        == books.allocated_vnd
        == public["allocated_vnd"]
        == before.allocated_vnd + 100_000_000
    )
    assert (
        figures["cumulative"]["disbursed_vnd"]
        == books.disbursed_vnd
        == public["disbursed_vnd"]
        == before.disbursed_vnd + 40_000_000
    )
    # Within the year: receipts by channel and by donor type add up to the money received.
    assert figures["receipts_vnd"] == books.received_vnd
    # By channel and by donor type the in-kind gifts (at their estimated value) are listed too.
    assert (
        sum(r["amount_vnd"] for r in figures["receipts_by_channel"]) == books.received_vnd + books.in_kind_vnd
    )
    assert sum(r["amount_vnd"] for r in figures["receipts_by_donor_kind"]) in (
        books.received_vnd,
        books.received_vnd + books.in_kind_vnd,
    )
    assert figures["opening_balance_vnd"] == 0
    assert figures["closing_balance_vnd"] == books.received_vnd - books.disbursed_vnd
    assert figures["transfers_net_vnd"] == 0
    housing = next(p for p in figures["allocations_by_purpose"] if p["purpose"] == "housing")
    assert (housing["allocated_vnd"], housing["disbursed_vnd"]) == (
        housing_before[0] + 100_000_000,
        housing_before[1] + 40_000_000,
    )
    names = [d["name"] for d in figures["top_donors"]]
    assert names[0] == "Công ty Cổ phần Yến Sào Khánh Hòa" and "Nguyễn Thị Hồng" not in names
    overview_html = client.get("/cong-khai").get_data(as_text=True)
    assert format_vnd(books.received_vnd) in overview_html

    xlsx = client.get(f"/can-bo/bao-cao/{job_id}/tai/xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    cells = {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert cells["Đã nhận"][0] == books.received_vnd
    assert cells["Số dư cuối kỳ (chưa chi)"][0] == books.received_vnd - books.disbursed_vnd
    pdf = client.get(f"/can-bo/bao-cao/{job_id}/tai/pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Tổng kết năm 2026 – Tỉnh Khánh Hòa" in text
    assert format_vnd(books.received_vnd).replace("\u00a0", " ") in text.replace("\u00a0", " ")


def test_commune_staff_see_only_their_own_area(client, session, demo):
    province = demo.scope_unit
    login(client, PROVINCE_STAFF, DEMO_PASSWORD)
    province_job = _request_report(client, demo, province.id, kind="half_year", half=2)
    client.post("/dang-xuat", data={})
    client.delete_cookie("session")
    login(client, COMMUNE_STAFF, DEMO_PASSWORD)
    form = client.get("/can-bo/bao-cao/").get_data(as_text=True)
    options = re.findall(
        r'<option (?:selected )?value="(\d+)"', form.split('id="unit_id"')[1].split("</select>")[0]
    )
    assert str(province.id) not in options and len(options) == 1
    assert client.get(f"/can-bo/bao-cao/{province_job}").status_code == 404
    assert client.get(f"/can-bo/bao-cao/{province_job}/tai/pdf").status_code == 404
    resp = post_form(
        client,
        "/can-bo/bao-cao/",
        {"campaign_id": demo.id, "unit_id": province.id, "kind": "year", "year": 2026, "half": 1},
    )
    assert resp.status_code == 200 and session.query(ReportJob).count() == 1  # refused, nothing queued
    assert "Đơn vị: lựa chọn không hợp lệ hoặc ngoài địa bàn của bạn." in resp.get_data(as_text=True)


def test_half_year_periods_and_bad_input():
    assert period_for(ReportKind.HALF_YEAR, 2026, 2).start == date(2026, 7, 1)
    assert period_for(ReportKind.YEAR, 2026).end == date(2026, 12, 31)
    with pytest.raises(ReportError, match="Năm"):
        period_for(ReportKind.YEAR, 1900)


def test_half_year_report_splits_receipts_by_period(client, session, demo):
    province = demo.scope_unit
    give(session, demo, 5_000_000, name="Hộ ông Phan Văn Sáu", on=date(2026, 3, 15), receiving=province)
    login(client, PROVINCE_STAFF, DEMO_PASSWORD)
    first = session.get(
        ReportJob, _request_report(client, demo, province.id, kind="half_year", half=1)
    ).figures
    second = session.get(
        ReportJob, _request_report(client, demo, province.id, kind="half_year", half=2)
    ).figures
    assert first["receipts_vnd"] == 5_000_000
    assert second["opening_balance_vnd"] == first["closing_balance_vnd"] == 5_000_000
    assert second["closing_balance_vnd"] == (
        second["cumulative"]["received_vnd"] - second["cumulative"]["disbursed_vnd"]
    )
