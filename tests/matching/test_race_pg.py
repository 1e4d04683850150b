"""Two approvals racing for the same money on PostgreSQL: one wins, the other is refused, nothing is
over-allocated and the books verify."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.matching import services
from app.matching.models import MatchingProposal, ProposalStatus
from app.needs.models import HouseholdNeed, NeedStatus
from tests.matching.conftest import actor_of, add_need, give

pytestmark = pytest.mark.postgres


def test_two_approvals_racing_for_the_same_pool(app, session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    add_need(session, w, w.khanh_son, name="Hộ Khánh Sơn 1")
    add_need(session, w, w.khanh_son, name="Hộ Khánh Sơn 2")
    give(session, w, 60_000_000, earmark=w.khanh_son)  # enough for one house only
    # the commune officer's proposal (Khánh Sơn's own pool) and the province's (same pool) both take it
    commune_p = services.run_proposal(session, actor_of(w.ks_staff), w.ks_staff, w.campaign, w.khanh_son.id)
    province_p = services.run_proposal(session, actor_of(w.preparer), w.preparer, w.campaign, w.khanh_hoa.id)
    session.commit()
    for p, who in ((commune_p, w.ks_staff), (province_p, w.preparer)):
        assert p.total_vnd == 60_000_000
        services.submit(session, actor_of(who), who, p.id)
    session.commit()
    jobs = [(commune_p.id, w.approver.id), (province_p.id, w.approver2.id)]
    fund_id, ks_id = w.campaign.fund_id, w.khanh_son.id
    session.remove()

    barrier = threading.Barrier(2)
    ok, refused, errors = [], [], []

    def approve(i: int) -> None:
        proposal_id, user_id = jobs[i]
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait()
                services.approve(db.session, actor_of(user), user, proposal_id)
                db.session.commit()
                ok.append(proposal_id)
            except services.MatchingError as exc:
                db.session.rollback()
                refused.append(str(exc))
            except BaseException as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    assert "Vui lòng chạy lại đề xuất" in refused[0] or "không đủ" in refused[0]
    statuses = {p.id: p.status for p in session.execute(select(MatchingProposal)).scalars()}
    assert statuses[ok[0]] == ProposalStatus.APPROVED
    assert sorted(statuses.values()) == sorted([ProposalStatus.APPROVED, ProposalStatus.SUBMITTED])
    pool = session.execute(
        select(LedgerAccount).where(
            LedgerAccount.key
            == LedgerAccount.make_key(fund_id, ks_id, AccountKind.UNALLOCATED, Purpose.HOUSING)
        )
    ).scalar_one()
    allocated = session.execute(
        select(LedgerAccount).where(
            LedgerAccount.key
            == LedgerAccount.make_key(fund_id, ks_id, AccountKind.ALLOCATED, Purpose.HOUSING)
        )
    ).scalar_one()
    assert pool.balance_vnd == 0 and allocated.balance_vnd == 60_000_000
    funded = (
        session.execute(select(HouseholdNeed).where(HouseholdNeed.status == NeedStatus.FUNDED))
        .scalars()
        .all()
    )
    assert len(funded) == 1
    assert ledger.verify_ledger(session) == []
