"""Year-end (issue 18.8): closing a year freezes its books, carries each account's balance into the next year,
produces the annual report, is idempotent, and `flask ledger verify` stays clean (and notices a posting slipped
into a closed year past the application)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import Role
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerTransaction, OpeningBalance, Purpose, YearClose
from app.reports.models import ReportJob, ReportStatus
from tests import factories as f
from tests.conftest import login, post_form
from tests.transparency.conftest import give

SYSTEM = f.SYSTEM


@pytest.fixture
def books(session):  # type: ignore[no-untyped-def]
    """Khánh Hòa's books with money received, allocated and paid out in 2025 and a receipt in 2026."""
    province = f.province(session)
    khanh_son = f.unit(session, f.KHANH_SON)
    campaign = f.make_campaign(session, province, year=2025)
    fund = ledger.main_fund(session)
    give(session, campaign, 300_000_000, name="Công ty A", on=date(2025, 10, 20), receiving=province)
    give(
        session,
        campaign,
        80_000_000,
        name="Bà B",
        on=date(2025, 10, 25),
        receiving=khanh_son,
        purpose=Purpose.HOUSING,
    )
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=fund.id,
        target_unit_id=khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(khanh_son.id, Purpose.HOUSING, 60_000_000)],
        occurred_on=date(2025, 11, 2),
    )
    ledger.disburse(
        session,
        SYSTEM,
        fund_id=fund.id,
        unit_id=khanh_son.id,
        purpose=Purpose.HOUSING,
        amount_vnd=20_000_000,
        occurred_on=date(2025, 12, 10),
    )
    late = ledger.transfer(
        session,
        SYSTEM,
        fund_id=fund.id,
        from_unit_id=province.id,
        from_purpose=Purpose.UNRESTRICTED,
        to_unit_id=khanh_son.id,
        to_purpose=Purpose.UNRESTRICTED,
        amount_vnd=50_000_000,
        occurred_on=date(2025, 12, 30),
    )
    give(session, campaign, 7_000_000, name="Ông C", on=date(2026, 1, 5), receiving=province)
    session.commit()
    staff = f.make_user(session, Role.PROVINCE_STAFF, province)
    return {
        "province": province,
        "khanh_son": khanh_son,
        "campaign": campaign,
        "fund": fund,
        "staff": staff,
        "late": late,
    }


def _close(client, books, year=2025, confirm=2025):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/can-bo/so-quy/khoa-so",
        {
            "unit_id": books["province"].id,
            "campaign_id": books["campaign"].id,
            "year": year,
            "confirm_year": confirm,
        },
    )


def _carried(session, unit_id, kind, purpose):  # type: ignore[no-untyped-def]
    return session.execute(
        select(OpeningBalance.amount_vnd).where(
            OpeningBalance.year == 2026,
            OpeningBalance.unit_id == unit_id,
            OpeningBalance.kind == kind,
            OpeningBalance.purpose == purpose,
        )
    ).scalar_one_or_none()


def test_closing_a_year_carries_each_balance_and_freezes_the_year(app, client, session, books):
    province, khanh_son, fund = books["province"], books["khanh_son"], books["fund"]
    login(client, books["staff"].email)
    refused = _close(client, books, confirm=2024)
    assert refused.status_code == 200
    assert "hãy nhập lại đúng năm 2025" in refused.get_data(as_text=True)
    assert session.query(YearClose).count() == 0

    resp = _close(client, books)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    page = client.get("/can-bo/so-quy/khoa-so").get_data(as_text=True)
    assert "Đã khóa sổ năm 2025" in page
    # Balances at 31/12/2025, per unit, kind and purpose — the 2026 receipt is not in them.
    assert _carried(session, province.id, AccountKind.UNALLOCATED, Purpose.UNRESTRICTED) == 250_000_000
    assert _carried(session, khanh_son.id, AccountKind.UNALLOCATED, Purpose.UNRESTRICTED) == 50_000_000
    assert _carried(session, khanh_son.id, AccountKind.UNALLOCATED, Purpose.HOUSING) == 20_000_000
    assert _carried(session, khanh_son.id, AccountKind.ALLOCATED, Purpose.HOUSING) == 40_000_000
    assert _carried(session, khanh_son.id, AccountKind.DISBURSED, Purpose.HOUSING) == 20_000_000
    assert _carried(session, province.id, AccountKind.DONATIONS, Purpose.UNRESTRICTED) == -300_000_000
    close = session.execute(select(YearClose)).scalar_one()
    assert close.on_hand_vnd == 380_000_000 - 20_000_000
    assert "360.000.000 ₫" in page  # carried into 2026, not yet paid out

    # The annual report was produced with the close.
    job = session.get(ReportJob, close.report_job_id)
    assert job.status == ReportStatus.DONE and job.figures["closing_balance_vnd"] == 360_000_000
    # Next year's report opens with what was carried over.
    from app.reports import services as reports
    from app.reports.models import ReportKind

    next_year = reports.create_job(
        session, SYSTEM, campaign=books["campaign"], unit=province, kind=ReportKind.YEAR, year=2026
    )
    reports.run_job(session, next_year.id)
    assert next_year.figures["opening_carried_vnd"] == next_year.figures["opening_balance_vnd"] == 360_000_000
    session.commit()

    # The year is frozen: a posting dated in it is refused in Vietnamese; 2026 is open.
    with pytest.raises(ledger.ClosedPeriod, match="Sổ quỹ đã khóa đến hết ngày 31/12/2025"):
        ledger.transfer(
            session,
            SYSTEM,
            fund_id=fund.id,
            from_unit_id=province.id,
            from_purpose=Purpose.UNRESTRICTED,
            to_unit_id=khanh_son.id,
            to_purpose=Purpose.UNRESTRICTED,
            amount_vnd=1_000_000,
            occurred_on=date(2025, 12, 31),
        )
    session.rollback()
    ledger.transfer(
        session,
        SYSTEM,
        fund_id=fund.id,
        from_unit_id=province.id,
        from_purpose=Purpose.UNRESTRICTED,
        to_unit_id=khanh_son.id,
        to_purpose=Purpose.UNRESTRICTED,
        amount_vnd=1_000_000,
        occurred_on=date(2026, 1, 2),
    )
    # A closed-year entry is still corrected by a reversal, dated in the open year.
    rev = ledger.reverse(
        session, SYSTEM, books["late"].id, reason="Chuyển nhầm", occurred_on=date(2025, 12, 31)
    )
    assert rev.occurred_on == date(2026, 1, 1)
    session.commit()

    # Closing twice is closing once.
    again = _close(client, books)
    assert again.status_code == 302
    assert "đã được khóa sổ trước đó" in client.get("/can-bo/so-quy/khoa-so").get_data(as_text=True)
    assert session.query(YearClose).count() == 1
    assert session.query(OpeningBalance).count() == close.account_count

    # The allocations here are made straight in the ledger, without needs: the checks of the books themselves.
    books_checks = ["balanced", "account_balance", "receipt_posting", "fund_receipts", "year_close"]
    result = app.test_cli_runner().invoke(
        args=["ledger", "verify", *(a for c in books_checks for a in ("--check", c))]
    )
    assert result.exit_code == 0, result.output

    # A posting slipped into the closed year past the application: the opening no longer equals the closing.
    tx_id = session.execute(select(func.max(LedgerTransaction.id))).scalar() + 1
    acc = ledger.account(session, fund.id, province.id, AccountKind.UNALLOCATED, Purpose.UNRESTRICTED)
    donations = ledger.account(session, fund.id, province.id, AccountKind.DONATIONS, Purpose.UNRESTRICTED)
    session.execute(
        text(
            "INSERT INTO ledger_transactions (id, fund_id, kind, occurred_on, created_at, memo, source_type, "
            "source_id) VALUES (:id, :fund, 'receipt', '2025-06-01', CURRENT_TIMESTAMP, '', '', '')"
        ),
        {"id": tx_id, "fund": fund.id},
    )
    session.execute(
        text(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount_vnd) VALUES (:t, :a, 5000), "
            "(:t, :d, -5000)"
        ),
        {"t": tx_id, "a": acc.id, "d": donations.id},
    )
    session.execute(
        text("UPDATE ledger_accounts SET balance_vnd = balance_vnd + 5000 WHERE id = :a"), {"a": acc.id}
    )
    session.execute(
        text("UPDATE ledger_accounts SET balance_vnd = balance_vnd - 5000 WHERE id = :a"), {"a": donations.id}
    )
    session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--check", "year_close"])
    assert result.exit_code == 1
    assert "[year_close] Khóa sổ năm 2025" in result.output and "250.000.000 ₫" in result.output


def test_only_a_year_that_has_ended_and_only_ones_own_province(client, session, books):
    login(client, books["staff"].email)
    resp = _close(client, books, year=2026, confirm=2026)
    assert "Năm 2026 chưa kết thúc" in resp.get_data(as_text=True)
    other = f.hanoi(session)
    resp = post_form(
        client,
        "/can-bo/so-quy/khoa-so",
        {"unit_id": other.id, "campaign_id": books["campaign"].id, "year": 2025, "confirm_year": 2025},
    )
    assert "lựa chọn không hợp lệ hoặc ngoài địa bàn của bạn" in resp.get_data(as_text=True)
    assert session.query(YearClose).count() == 0
    commune_staff = f.make_user(session, Role.COMMUNE_STAFF, books["khanh_son"])
    client.post("/dang-xuat", data={})
    client.delete_cookie("session")
    login(client, commune_staff.email)
    assert client.get("/can-bo/so-quy/khoa-so").status_code == 403


def test_a_close_of_one_province_leaves_the_others_open(session, books):
    from app.ledger import yearend

    hanoi = f.hanoi(session)
    campaign = f.make_campaign(session, hanoi, year=2025)
    give(session, campaign, 9_000_000, name="Ông D", on=date(2025, 5, 1), receiving=hanoi)
    close, created = yearend.close_year(
        session, SYSTEM, fund_id=books["fund"].id, year=2025, unit=books["province"], confirm_year=2025
    )
    assert created and close.on_hand_vnd == 360_000_000
    give(session, campaign, 1_000_000, name="Ông E", on=date(2025, 12, 1), receiving=hanoi)  # Hà Nội is open
    with pytest.raises(ledger.ClosedPeriod):
        give(
            session,
            books["campaign"],
            1_000_000,
            name="Ông F",
            on=date(2025, 12, 1),
            receiving=books["province"],
        )


def test_a_whole_fund_close_after_a_province_close_carries_the_rest_once(app, session, books):
    from app.ledger import yearend
    from app.ledger.verify import run_checks

    hanoi = f.hanoi(session)
    campaign = f.make_campaign(session, hanoi, year=2025)
    give(session, campaign, 9_000_000, name="Ông D", on=date(2025, 5, 1), receiving=hanoi)
    fund_id = books["fund"].id
    province_close, _ = yearend.close_year(
        session, SYSTEM, fund_id=fund_id, year=2025, unit=books["province"], confirm_year=2025
    )
    whole, created = yearend.close_year(
        session, SYSTEM, fund_id=fund_id, year=2025, unit=None, confirm_year=2025
    )
    session.commit()
    assert created and whole.on_hand_vnd == 9_000_000  # Hà Nội only: Khánh Hòa was carried by its own close
    assert session.query(OpeningBalance).count() == province_close.account_count + whole.account_count
    again, created = yearend.close_year(
        session, SYSTEM, fund_id=fund_id, year=2025, unit=hanoi, confirm_year=2025
    )
    assert not created and again.id == whole.id  # the whole fund's close already covers Hà Nội
    with pytest.raises(ledger.ClosedPeriod):
        give(session, campaign, 1_000_000, name="Ông E", on=date(2025, 12, 1), receiving=hanoi)
    session.rollback()
    with pytest.raises(yearend.YearEndError, match="Sổ quỹ đã khóa đến năm 2025"):
        yearend.close_year(session, SYSTEM, fund_id=fund_id, year=2024, unit=None, confirm_year=2024)
    report = run_checks(session, ["year_close"])
    assert report.ok, [p.line() for p in report.problems]
