"""The overview, use of funds and official accounts pages."""

from __future__ import annotations

import re
from datetime import date

from app.banking.models import OfficialBankAccount
from app.banking.vietqr import build_payload, parse
from app.campaigns.services import set_goal
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.pledges.models import Pledge, PledgeStatus
from app.transparency import overview
from tests import factories as f
from tests.transparency.conftest import give


def _pledge(session, campaign, amount, status=PledgeStatus.PLEDGED, ref="VNN26-0001-A"):  # type: ignore[no-untyped-def]
    donor = f.make_donor(session, f"Doanh nghiệp {ref}")
    session.add(
        Pledge(reference=ref, campaign_id=campaign.id, donor_id=donor.id, amount_vnd=amount, status=status)
    )
    session.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overview_shows_pledged_received_allocated_disbursed_and_progress(client, session, kh):
    c = kh["campaign"]
    set_goal(session, f.SYSTEM, c, kh["khanh_son"].id, 400_000_000)
    c.goal_vnd = 1_000_000_000
    session.commit()
    _pledge(session, c, 300_000_000)
    _pledge(session, c, 999_000_000, PledgeStatus.CANCELLED, ref="VNN26-0002-B")
    give(session, c, 100_000_000, receiving=kh["province"], earmark=kh["khanh_son"], purpose=Purpose.HOUSING)
    give(session, c, 150_000_000, receiving=kh["province"])
    fund = ledger.main_fund(session)
    ledger.allocate(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        target_unit_id=kh["khanh_son"].id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(kh["khanh_son"].id, Purpose.HOUSING, 80_000_000)],
        occurred_on=date(2026, 11, 1),
    )
    ledger.disburse(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        unit_id=kh["khanh_son"].id,
        purpose=Purpose.HOUSING,
        amount_vnd=60_000_000,
        occurred_on=date(2026, 11, 5),
    )
    session.commit()
    html = client.get("/cong-khai").get_data(as_text=True)
    t = text_of(html)
    assert "Đã đăng ký ủng hộ 300.000.000 ₫" in t  # the cancelled pledge is not counted
    assert "Đã nhận 250.000.000 ₫" in t
    assert "Đã phân bổ 80.000.000 ₫" in t and "Đã giải ngân 60.000.000 ₫" in t
    assert "Xã Khánh Sơn 25%" in t and "100.000.000 ₫ / 400.000.000 ₫" in t
    assert "Tỉnh Khánh Hòa 25%" in t
    assert 'width="25"' in html  # the bar is SVG with presentation attributes
    assert "style=" not in html  # the CSP forbids inline styles
    assert "Cập nhật lần cuối" in t


def test_overview_cache_is_reused_until_money_moves(session, kh):
    c = kh["campaign"]
    give(session, c, 1_000_000, receiving=kh["province"])
    first = overview.overview(session, c)
    session.commit()
    again = overview.overview(session, c)
    assert not first["cached"] and again["cached"]
    assert again["totals"] == first["totals"]
    give(session, c, 2_000_000, receiving=kh["cam_lam"])  # a posting bumps the ledger version
    fresh = overview.overview(session, c)
    assert not fresh["cached"] and fresh["totals"]["received_vnd"] == 3_000_000
    _pledge(session, c, 5_000_000)  # a pledge moves no money but changes what the page shows
    assert overview.overview(session, c)["totals"]["pledged_vnd"] == 5_000_000


def test_houses_section_lists_the_stages(client, session, kh):
    html = text_of(client.get("/cong-khai").get_data(as_text=True))
    assert "Nhà Đại đoàn kết" in html and "Chưa có dữ liệu" not in html


def test_use_of_funds_by_area_and_purpose(client, session, kh):
    c = kh["campaign"]
    give(session, c, 100_000_000, receiving=kh["province"], earmark=kh["khanh_son"], purpose=Purpose.HOUSING)
    fund = ledger.main_fund(session)
    ledger.allocate(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        target_unit_id=kh["khanh_son"].id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(kh["khanh_son"].id, Purpose.HOUSING, 90_000_000)],
        occurred_on=date(2026, 11, 1),
    )
    ledger.disburse(
        session,
        f.SYSTEM,
        fund_id=fund.id,
        unit_id=kh["khanh_son"].id,
        purpose=Purpose.HOUSING,
        amount_vnd=45_000_000,
        occurred_on=date(2026, 11, 5),
    )
    session.commit()
    t = text_of(client.get("/cong-khai/su-dung").get_data(as_text=True))
    assert "đã phân bổ 90.000.000 ₫, đã giải ngân 45.000.000 ₫" in t
    assert "Xã Khánh Sơn · Nhà ở (nhà Đại đoàn kết) 50%" in t


def test_official_accounts_show_account_only_vietqr(client, session, kh):
    fund = ledger.main_fund(session)
    session.add(
        OfficialBankAccount(
            unit_id=kh["province"].id,
            fund_id=fund.id,
            bank_bin="970436",
            bank_name="Vietcombank",
            account_number="0061001234567",
            account_name="UY BAN MTTQ VIET NAM TINH KHANH HOA - QUY VI NGUOI NGHEO",
        )
    )
    session.add(
        OfficialBankAccount(
            unit_id=None,
            fund_id=fund.id,
            bank_bin="970405",
            bank_name="Agribank",
            account_number="1111",
            account_name="CU",
            is_active=False,
        )
    )
    session.commit()
    html = client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert "0061001234567" in html and "<svg" in html and "Agribank" not in html
    assert "style=" not in html
    fields = parse(build_payload("970436", "0061001234567"))
    assert "54" not in fields and "62" not in fields  # the code carries no amount and no note


def test_overview_says_why_received_is_larger_than_pledged(client, session, kh):
    c = kh["campaign"]
    set_goal(session, f.SYSTEM, c, kh["khanh_son"].id, 400_000_000)
    session.commit()
    _pledge(session, c, 10_000_000)
    give(session, c, 100_000_000, receiving=kh["province"], earmark=kh["khanh_son"])
    give(session, c, 50_000_000, receiving=kh["province"])
    t = text_of(client.get("/cong-khai").get_data(as_text=True))
    assert "Số đã nhận lớn hơn số đã đăng ký vì nhiều người ủng hộ" in t
    assert "không đăng ký trước" in t
    assert "Số đã đăng ký lớn hơn" not in t
    # the communes' lines do not add up to the first one: said so
    assert "cộng các dòng dưới thường nhỏ hơn dòng đầu" in t


def test_overview_says_why_pledged_is_larger_than_received(client, session, kh):
    c = kh["campaign"]
    _pledge(session, c, 300_000_000)
    give(session, c, 20_000_000, receiving=kh["province"])
    t = text_of(client.get("/cong-khai").get_data(as_text=True))
    assert "Số đã đăng ký lớn hơn số đã nhận vì một phần số tiền đã hứa ủng hộ chưa được chuyển đến quỹ." in t
    assert "Số đã nhận lớn hơn" not in t
