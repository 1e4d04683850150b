"""The books hold under concurrent staff actions on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction, Purpose, TransactionKind
from app.units.models import AdminUnit
from tests.conftest import race
from tests.factories import CAM_LAM, KHANH_SON, SYSTEM, make_campaign, province, receive, unit

pytestmark = pytest.mark.postgres


def test_many_threads_allocating_the_same_money_never_overspend(app, session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 100_000_000, receiving=kh, purpose=Purpose.HOUSING)
    targets = [unit(session, KHANH_SON).id, unit(session, CAM_LAM).id]
    fund_id, kh_id = campaign.fund_id, kh.id
    session.remove()

    def allocate(i: int) -> None:
        ledger.allocate(
            db.session,
            SYSTEM,
            fund_id=fund_id,
            target_unit_id=targets[i % 2],
            target_purpose=Purpose.HOUSING,
            draws=[ledger.PoolDraw(kh_id, Purpose.HOUSING, 30_000_000)],
            occurred_on=date(2026, 11, 1),
        )

    ok, refused, errors = race(app, 12, allocate, refused=ledger.InsufficientFunds)
    assert errors == []
    assert (ok, refused) == (3, 9)
    totals = ledger.totals(db.session, fund_id)
    assert totals.allocated_vnd == 90_000_000 <= totals.received_vnd
    assert totals.unallocated_vnd == 10_000_000
    assert ledger.verify_ledger(db.session) == []
    allocations = db.session.execute(
        select(func.count()).where(LedgerTransaction.kind == TransactionKind.ALLOCATION)
    ).scalar_one()
    assert allocations == 3


def test_concurrent_receipts_and_allocations_keep_every_balance_exact(app, session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 10_000_000, receiving=kh)
    khanh_son = unit(session, KHANH_SON).id
    fund_id, campaign_id, kh_id = campaign.fund_id, campaign.id, kh.id
    session.remove()

    def mixed(i: int) -> None:
        from app.campaigns.models import Campaign

        if i % 2:
            receive(
                db.session,
                db.session.get(Campaign, campaign_id),
                1_000_000,
                receiving=db.session.get(AdminUnit, kh_id),
            )
        else:
            ledger.allocate(
                db.session,
                SYSTEM,
                fund_id=fund_id,
                target_unit_id=khanh_son,
                target_purpose=Purpose.UNRESTRICTED,
                draws=[ledger.PoolDraw(kh_id, Purpose.UNRESTRICTED, 2_000_000)],
                occurred_on=date(2026, 11, 1),
            )

    ok, refused, errors = race(app, 16, mixed, refused=ledger.InsufficientFunds)
    assert errors == []
    totals = ledger.totals(db.session, fund_id)
    assert totals.received_vnd == 10_000_000 + 8 * 1_000_000
    assert totals.allocated_vnd == 2_000_000 * (8 - refused)
    assert totals.allocated_vnd + totals.unallocated_vnd == totals.received_vnd
    assert ledger.verify_ledger(db.session) == []


def test_concurrent_receipt_numbers_are_unique_and_gap_free(app, session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    campaign_id, kh_id = campaign.id, kh.id
    session.remove()

    def one(i: int) -> None:
        from app.campaigns.models import Campaign

        receive(
            db.session,
            db.session.get(Campaign, campaign_id),
            100_000 + i,
            receiving=db.session.get(AdminUnit, kh_id),
        )

    ok, _, errors = race(app, 10, one, refused=ledger.InsufficientFunds)
    assert errors == [] and ok == 10
    from app.contributions.models import Contribution

    numbers = sorted(
        int(n.rsplit("-", 1)[1]) for n in db.session.execute(select(Contribution.receipt_no)).scalars()
    )
    assert numbers == list(range(1, 11))


def test_an_allocation_reversed_twice_at_once_is_reversed_once_even_with_new_money(app, session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    receive(session, campaign, 50_000_000, receiving=kh)
    tx = ledger.allocate(
        session,
        SYSTEM,
        fund_id=campaign.fund_id,
        target_unit_id=unit(session, KHANH_SON).id,
        target_purpose=Purpose.UNRESTRICTED,
        draws=[ledger.PoolDraw(kh.id, Purpose.UNRESTRICTED, 20_000_000)],
        occurred_on=date(2026, 11, 1),
    )
    # More money allocated to the same commune: a second reversal would not drive any balance negative,
    # so only the lock on the original transaction can stop it.
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=campaign.fund_id,
        target_unit_id=unit(session, KHANH_SON).id,
        target_purpose=Purpose.UNRESTRICTED,
        draws=[ledger.PoolDraw(kh.id, Purpose.UNRESTRICTED, 25_000_000)],
        occurred_on=date(2026, 11, 1),
    )
    session.commit()
    tx_id, fund_id = tx.id, campaign.fund_id
    session.remove()
    done: list[int] = []

    def rev(i: int) -> None:
        try:
            ledger.reverse(db.session, SYSTEM, tx_id, reason="Trùng", occurred_on=date(2026, 11, 2))
            done.append(i)
        except ledger.AlreadyReversed:
            pass

    ok, refused, errors = race(app, 6, rev, refused=ledger.InsufficientFunds)
    assert errors == [] and len(done) == 1
    assert ledger.totals(db.session, fund_id).allocated_vnd == 25_000_000
    assert ledger.verify_ledger(db.session) == []
