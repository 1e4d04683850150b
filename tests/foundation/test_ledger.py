from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerPosting, Purpose
from tests.factories import CAM_LAM, KHANH_SON, SYSTEM, make_campaign, province, receive, unit

TODAY = date(2026, 11, 1)


def test_receipt_allocation_disbursement_move_the_balances(session):
    kh = province(session)
    khanh_son = unit(session, KHANH_SON)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 100_000_000, receiving=kh, purpose=Purpose.HOUSING)
    fund_id = campaign.fund_id
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=fund_id,
        target_unit_id=khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(kh.id, Purpose.HOUSING, 60_000_000)],
        occurred_on=TODAY,
    )
    ledger.disburse(
        session,
        SYSTEM,
        fund_id=fund_id,
        unit_id=khanh_son.id,
        purpose=Purpose.HOUSING,
        amount_vnd=30_000_000,
        occurred_on=TODAY,
    )
    session.commit()
    t = ledger.totals(session, fund_id)
    assert (t.received_vnd, t.unallocated_vnd, t.allocated_vnd, t.disbursed_vnd) == (
        100_000_000,
        40_000_000,
        60_000_000,
        30_000_000,
    )
    commune = ledger.totals(session, fund_id, [khanh_son.id])
    assert commune.allocated_vnd == 60_000_000 and commune.received_vnd == 0
    assert ledger.verify_ledger(session) == []


def test_cannot_allocate_more_than_the_pool_holds(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 50_000_000, receiving=kh)
    with pytest.raises(ledger.InsufficientFunds, match="không đủ"):
        ledger.allocate(
            session,
            SYSTEM,
            fund_id=campaign.fund_id,
            target_unit_id=unit(session, CAM_LAM).id,
            target_purpose=Purpose.HOUSING,
            draws=[ledger.PoolDraw(kh.id, Purpose.UNRESTRICTED, 50_000_001)],
            occurred_on=TODAY,
        )
    session.rollback()
    assert ledger.totals(session, campaign.fund_id).allocated_vnd == 0


def test_cannot_disburse_more_than_allocated(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 50_000_000, receiving=kh)
    cam_lam = unit(session, CAM_LAM)
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=campaign.fund_id,
        target_unit_id=cam_lam.id,
        target_purpose=Purpose.UNRESTRICTED,
        draws=[ledger.PoolDraw(kh.id, Purpose.UNRESTRICTED, 20_000_000)],
        occurred_on=TODAY,
    )
    with pytest.raises(ledger.InsufficientFunds):
        ledger.disburse(
            session,
            SYSTEM,
            fund_id=campaign.fund_id,
            unit_id=cam_lam.id,
            purpose=Purpose.UNRESTRICTED,
            amount_vnd=20_000_001,
            occurred_on=TODAY,
        )


def test_reversal_restores_balances_once_and_needs_a_reason(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    c = receive(session, campaign, 7_000_000, receiving=kh)
    with pytest.raises(ledger.LedgerError, match="lý do"):
        ledger.reverse(session, SYSTEM, c.ledger_transaction_id, reason=" ", occurred_on=TODAY)
    ledger.reverse(session, SYSTEM, c.ledger_transaction_id, reason="Nhập nhầm số tiền", occurred_on=TODAY)
    session.commit()
    assert ledger.totals(session, campaign.fund_id).received_vnd == 0
    with pytest.raises(ledger.AlreadyReversed):
        ledger.reverse(session, SYSTEM, c.ledger_transaction_id, reason="lần hai", occurred_on=TODAY)
    assert ledger.verify_ledger(session) == []


def test_reversing_a_receipt_whose_money_was_allocated_is_refused(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    c = receive(session, campaign, 10_000_000, receiving=kh)
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=campaign.fund_id,
        target_unit_id=unit(session, CAM_LAM).id,
        target_purpose=Purpose.UNRESTRICTED,
        draws=[ledger.PoolDraw(kh.id, Purpose.UNRESTRICTED, 8_000_000)],
        occurred_on=TODAY,
    )
    session.commit()
    with pytest.raises(ledger.InsufficientFunds):
        ledger.reverse(session, SYSTEM, c.ledger_transaction_id, reason="sai", occurred_on=TODAY)


def test_postings_cannot_be_updated_or_deleted(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 1_000_000, receiving=kh)
    posting = session.query(LedgerPosting).first()
    posting.amount_vnd = 5
    with pytest.raises(ledger.LedgerError):
        session.flush()
    session.rollback()
    # The database refuses too, whatever the client: a trigger installed by the migration.
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE ledger_postings SET amount_vnd = 1"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("DELETE FROM ledger_postings"))
    session.rollback()
    assert ledger.verify_ledger(session) == []


def test_unbalanced_or_float_transactions_are_refused(session):
    kh = province(session)
    fund = ledger.main_fund(session)
    acc_a = ledger.account(session, fund.id, kh.id, AccountKind.UNALLOCATED)
    acc_b = ledger.account(session, fund.id, kh.id, AccountKind.DONATIONS)
    with pytest.raises(ledger.LedgerError, match="không cân"):
        ledger.post(
            session,
            SYSTEM,
            fund_id=fund.id,
            kind=ledger.TransactionKind.RECEIPT,
            legs=[ledger.Leg(acc_a, 10), ledger.Leg(acc_b, -9)],
            occurred_on=TODAY,
        )
    with pytest.raises(ledger.LedgerError, match="nguyên"):
        ledger.post(
            session,
            SYSTEM,
            fund_id=fund.id,
            kind=ledger.TransactionKind.RECEIPT,
            legs=[ledger.Leg(acc_a, 10.5), ledger.Leg(acc_b, -10.5)],
            occurred_on=TODAY,
        )
