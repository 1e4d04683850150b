"""The overview's charts: each has its table (amounts 50.000.000 ₫, dates dd/mm/yyyy), served from cached
aggregates that add up to the ledger's totals."""

from __future__ import annotations

import re
from datetime import date

from app.contributions.models import Channel
from app.contributions.reversal import reverse_contribution
from app.core.i18n import today_vn
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.transparency import charts, overview
from tests import factories as f
from tests.transparency.conftest import give


def _money_moves(session, kh):  # type: ignore[no-untyped-def]
    c = kh["campaign"]
    give(session, c, 50_000_000, receiving=kh["province"], on=date(2026, 10, 17))
    give(session, c, 2_000_000, receiving=kh["khanh_son"], channel=Channel.CASH, on=date(2026, 10, 17))
    give(
        session,
        c,
        30_000_000,
        receiving=kh["khanh_son"],
        earmark=kh["khanh_son"],
        purpose=Purpose.HOUSING,
        on=date(2026, 10, 20),
    )
    give(
        session,
        c,
        1_500_000,
        receiving=kh["cam_lam"],
        channel=Channel.HOUSEHOLD_COLLECTION,
        on=date(2026, 11, 2),
    )
    mistaken = give(session, c, 9_000_000, receiving=kh["province"], on=date(2026, 11, 2))
    reverse_contribution(session, f.SYSTEM, mistaken.id, reason="Nhập trùng")
    session.commit()
    fund = ledger.main_fund(session)
    ledger.allocate(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        target_unit_id=kh["khanh_son"].id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(kh["khanh_son"].id, Purpose.HOUSING, 20_000_000)],
        occurred_on=date(2026, 11, 5),
    )
    ledger.disburse(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        unit_id=kh["khanh_son"].id,
        purpose=Purpose.HOUSING,
        amount_vnd=15_000_000,
        occurred_on=date(2026, 11, 10),
    )
    session.commit()


def _table(html: str, ident: str) -> list[list[str]]:
    body = re.search(rf'<table id="{ident}">(.*?)</table>', html, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_overview_shows_each_charts_table_formatted(client, session, kh):
    _money_moves(session, kh)
    html = client.get("/cong-khai").get_data(as_text=True)
    received = _table(html, "table-received")
    assert received[0] == ["Ngày", "Chuyển khoản", "Thẻ", "Tiền mặt", "Thu tại hộ gia đình", "Cộng"]
    assert ["17/10/2026", "50.000.000 ₫", "0 ₫", "2.000.000 ₫"] == received[1][:4]
    assert received[1][-1] == "52.000.000 ₫"
    assert received[-1][0] == "Cộng" and received[-1][-1] == "83.500.000 ₫"  # the reversed 9.000.000 ₫ is out
    area = {row[0]: row[1] for row in _table(html, "table-area")[1:]}
    assert area["Xã Khánh Sơn"] == "32.000.000 ₫" and area["Xã Cam Lâm"] == "1.500.000 ₫"
    flow = _table(html, "table-flow")
    # The ledger counts the mistaken 9.000.000 ₫ on 02/11 and takes it back on the day it was reversed (today).
    assert ["10/11/2026", "92.500.000 ₫", "20.000.000 ₫", "15.000.000 ₫"] in flow
    assert flow[-1] == [today_vn().strftime("%d/%m/%Y"), "83.500.000 ₫", "20.000.000 ₫", "15.000.000 ₫"]
    assert 'data-chart="received"' in html and "chart.umd.min.js" in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_chart_aggregates_are_cached_and_add_up_to_the_ledger(client, session, kh):
    _money_moves(session, kh)
    c = kh["campaign"]
    first = charts.charts(session, c)
    session.commit()
    again = charts.charts(session, c)
    assert not first["cached"] and again["cached"]
    totals = overview.overview(session, c)["totals"]
    assert sum(d["total_vnd"] for d in again["received_by_day"]) == totals["received_vnd"] == 83_500_000
    assert sum(sum(d["by_channel"].values()) for d in again["received_by_day"]) == totals["received_vnd"]
    last = again["flow_by_day"][-1]
    assert (last["received_vnd"], last["allocated_vnd"], last["disbursed_vnd"]) == (
        totals["received_vnd"],
        totals["allocated_vnd"],
        totals["disbursed_vnd"],
    )
    assert (
        sum(a["received_vnd"] for a in again["by_area"]) == totals["received_vnd"] - 50_000_000
    )  # province pool

    api = client.get(f"/api/v1/charts?chien_dich={c.id}").get_json()
    assert api["cached"] and api["received_by_day"] == again["received_by_day"]
    assert api["labels"]["channels"]["bank_transfer"] == "Chuyển khoản"
    give(session, c, 1_000_000, receiving=kh["province"], on=date(2026, 11, 12))  # money moves: recomputed
    fresh = charts.charts(session, c)
    assert not fresh["cached"] and fresh["flow_by_day"][-1]["received_vnd"] == 84_500_000


def test_charts_in_english_keep_vietnamese_number_and_date_formats(client, session, kh):
    _money_moves(session, kh)
    html = client.get("/cong-khai?lang=en").get_data(as_text=True)
    received = _table(html, "table-received")
    assert received[0][1] == "Bank transfer" and received[1][:2] == ["17/10/2026", "50.000.000 ₫"]
