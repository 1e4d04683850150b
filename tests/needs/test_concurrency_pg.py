"""Racing tranches and fundings on one house (PostgreSQL): the need's row lock keeps every figure exact."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core import i18n
from app.extensions import db
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import funding, registry
from app.needs.models import HouseholdNeed, NeedDisbursement, NeedFunding
from tests.conftest import race
from tests.factories import SYSTEM, receive
from tests.needs.conftest import add_need, approve, fund

pytestmark = pytest.mark.postgres


def test_racing_tranches_never_pay_more_than_the_house_was_given(app, session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))  # 60M for this house
    # More money sits allocated to the commune (another house's), so only the need's own check can refuse.
    fund(session, world, approve(session, world, add_need(session, world, citizen_id="056085731999")))
    need_id = need.id
    session.remove()

    def pay(i: int) -> None:
        funding.disburse_need(db.session, SYSTEM, need_id, 25_000_000, f"PC-{i}")

    ok, refused, errors = race(app, 6, pay, refused=registry.NeedError)
    assert errors == []
    assert (ok, refused) == (2, 4)
    n = db.session.get(HouseholdNeed, need_id)
    paid = db.session.execute(
        select(func.sum(NeedDisbursement.amount_vnd)).where(NeedDisbursement.need_id == need_id)
    ).scalar_one()
    assert n.disbursed_vnd == paid == 50_000_000
    assert ledger.verify_ledger(db.session) == []


def test_racing_fundings_never_exceed_the_request(app, session, world):
    need = approve(session, world, add_need(session, world))  # asks 60M
    receive(
        session,
        world.campaign,
        200_000_000,
        receiving=world.khanh_hoa,
        earmark=world.khanh_son,
        purpose=Purpose.HOUSING,
    )
    need_id, fund_id, ks = need.id, world.campaign.fund_id, world.khanh_son.id
    session.remove()

    def give(i: int) -> None:
        draws = [PoolDraw(ks, Purpose.HOUSING, 25_000_000)]
        txn = ledger.allocate(
            db.session,
            SYSTEM,
            fund_id=fund_id,
            target_unit_id=ks,
            target_purpose=Purpose.HOUSING,
            draws=draws,
            occurred_on=i18n.today_vn(),
        )
        funding.record_need_funding(db.session, SYSTEM, need_id, 25_000_000, draws, i, txn.id)

    ok, refused, errors = race(app, 5, give, refused=registry.NeedError)
    assert errors == []
    assert (ok, refused) == (2, 3)
    n = db.session.get(HouseholdNeed, need_id)
    recorded = db.session.execute(
        select(func.sum(NeedFunding.amount_vnd)).where(NeedFunding.need_id == need_id)
    ).scalar_one()
    assert n.funded_vnd == recorded == 50_000_000
    assert ledger.totals(db.session, fund_id, [ks]).allocated_vnd == 50_000_000  # refused ones rolled back


def test_two_reversals_of_one_tranche_undo_it_once(app, session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))
    d = funding.disburse_need(session, SYSTEM, need.id, 25_000_000, "PC-1")
    session.commit()
    need_id, d_id, fund_id, ks = need.id, d.id, world.campaign.fund_id, world.khanh_son.id
    disbursed_before = ledger.totals(session, fund_id, [ks]).disbursed_vnd
    session.remove()

    def undo(i: int) -> None:
        funding.reverse_disbursement(db.session, SYSTEM, None, d_id, f"Ghi trùng ({i})")

    ok, refused, errors = race(app, 4, undo, refused=registry.NeedError)
    assert errors == []
    assert (ok, refused) == (1, 3)
    assert db.session.get(HouseholdNeed, need_id).disbursed_vnd == 0
    assert ledger.totals(db.session, fund_id, [ks]).disbursed_vnd == disbursed_before - 25_000_000
    assert ledger.verify_ledger(db.session) == []
