"""Two transfers racing for the same province pool on PostgreSQL: one is carried out, the other refused; the pool
never goes below zero (allocated ≤ received per area) and the books verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import FundTransferProposal, TransferStatus
from app.extensions import db
from app.ledger import services as ledger
from app.ledger import transfers
from app.ledger.models import Purpose
from tests.conftest import race
from tests.transfers.conftest import actor_of, pool

pytestmark = pytest.mark.postgres


def test_two_transfers_racing_for_the_same_balance(app, session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    fund = w.campaign.fund_id
    ids = []
    for target in (w.hanoi, w.khanh_son):
        p = transfers.propose(
            session,
            actor_of(w.kh_staff),
            w.kh_staff,
            fund_id=fund,
            from_unit_id=w.khanh_hoa.id,
            to_unit_id=target.id,
            purpose=Purpose.HOUSING,
            amount_vnd=1_500_000_000,  # each alone fits the 2 billion ₫ pool; both do not
            note="Điều chuyển thử",
        )
        transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p.id)  # sending side
        ids.append(p.id)
    session.commit()
    deciders = [w.hn_approver.id, w.ks_staff.id]  # each receiving side's approval carries its transfer out
    kh_id, hn_id, ks_id = w.khanh_hoa.id, w.hanoi.id, w.khanh_son.id
    session.remove()

    def act(i: int) -> None:
        user = db.session.get(User, deciders[i])
        transfers.approve(db.session, actor_of(user), user, ids[i])

    done, refused, errors = race(app, 2, act, refused=transfers.TransferError)
    assert errors == []
    assert (done, refused) == (1, 1)
    statuses = sorted(p.status for p in session.execute(select(FundTransferProposal)).scalars())
    assert statuses == sorted([TransferStatus.DONE, TransferStatus.PROPOSED])
    assert pool(session, fund, kh_id) == 500_000_000
    assert pool(session, fund, hn_id) + pool(session, fund, ks_id) == 1_500_000_000
    assert ledger.verify_ledger(session, full=True) == []
