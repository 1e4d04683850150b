"""The Must-show walkthrough on the demo data, through the pages: the province officer opens the demo's draft
proposal, edits it, submits it; the approver (a different person) approves; the ledger moves accordingly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo.foundation import DEMO_PASSWORD
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.matching.models import MatchingProposal, ProposalStatus
from tests.conftest import login, post_form


@pytest.fixture
def demo(app, session):  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    return session


def _unallocated(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {
        a.key: a.balance_vnd
        for a in session.execute(
            select(LedgerAccount).where(LedgerAccount.kind == AccountKind.UNALLOCATED)
        ).scalars()
    }


def test_province_officer_and_approver_on_the_demo(app, demo) -> None:  # type: ignore[no-untyped-def]
    session = demo
    proposal = session.execute(select(MatchingProposal)).scalar_one()
    assert proposal.status == ProposalStatus.DRAFT
    officer = app.test_client()
    login(officer, "tinh@khanhhoa.chungtay.vn", DEMO_PASSWORD)
    listing = officer.get("/can-bo/phan-bo/").get_data(as_text=True)
    assert f"#{proposal.id}" in listing and "Bản nháp" in listing
    page = officer.get(f"/can-bo/phan-bo/{proposal.id}").get_data(as_text=True)
    included = [ln for ln in proposal.lines if ln.included]
    assert included
    for ln in included:  # every explanation names its pools and amounts, and the criteria with their weights
        assert ln.explanation["summary"].startswith("Quỹ ") and "₫" in ln.explanation["summary"]
        assert f"Hạng {ln.rank}" in page and f"Điểm ưu tiên {ln.score}" in page
    # edit: exclude the last-ranked house, then submit
    last = max(included, key=lambda ln: ln.rank)
    post_form(
        officer,
        f"/can-bo/phan-bo/{proposal.id}/sua",
        {"line": str(last.id), "action": "exclude"},
        page=f"/can-bo/phan-bo/{proposal.id}",
    )
    session.expire_all()
    assert not session.get(type(last), last.id).included
    post_form(officer, f"/can-bo/phan-bo/{proposal.id}/trinh", {}, page=f"/can-bo/phan-bo/{proposal.id}")
    # the officer cannot approve her own proposal (and has no approver role): refused
    assert officer.post(f"/can-bo/phan-bo/{proposal.id}/duyet").status_code in (400, 403)
    before = _unallocated(session)
    approver = app.test_client()
    login(approver, "pheduyet@khanhhoa.chungtay.vn", DEMO_PASSWORD)
    resp = post_form(
        approver, f"/can-bo/phan-bo/{proposal.id}/duyet", {}, page=f"/can-bo/phan-bo/{proposal.id}"
    )
    assert resp.status_code == 302
    session.expire_all()
    proposal = session.get(MatchingProposal, proposal.id)
    assert proposal.status == ProposalStatus.APPROVED
    after = _unallocated(session)
    moved = {k: before[k] - after.get(k, 0) for k in before if before[k] != after.get(k, 0)}
    expected: dict[str, int] = {}
    for ln in proposal.lines:
        for d in ln.draws if ln.included else []:
            key = LedgerAccount.make_key(
                proposal.fund_id, d["pool_unit_id"], AccountKind.UNALLOCATED, Purpose(d["purpose"])
            )
            expected[key] = expected.get(key, 0) + d["amount_vnd"]
    assert moved == expected and sum(moved.values()) == proposal.total_vnd
    assert ledger.verify_ledger(session) == []
