"""Review integrity of matching proposals (issue 18.4): the approver differs from everyone who prepared, edited or
submitted the proposal, and a change to a submitted proposal sends it back."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.matching import services
from app.matching.models import ProposalStatus
from app.needs import review
from tests.factories import make_user
from tests.matching.conftest import actor_of, add_need, give


def _proposal(session, w):  # type: ignore[no-untyped-def]
    add_need(session, w, w.khanh_son, name="Katơr Văn Sáu")
    add_need(session, w, w.khanh_son, name="Cao Thị Nhung")
    give(session, w, 120_000_000, earmark=w.khanh_son)
    p = services.run_proposal(session, actor_of(w.preparer), w.preparer, w.campaign, w.khanh_hoa.id)
    session.commit()
    return p


def test_an_administrator_cannot_edit_submit_and_approve_someone_elses_proposal_alone(session, world) -> None:  # type: ignore[no-untyped-def]
    """Reproduction: an administrator edited, submitted and approved a proposal prepared by someone else."""
    w = world
    admin = make_user(session, Role.CENTRAL_ADMIN)
    p = _proposal(session, w)
    line = next(ln for ln in p.lines if ln.included)
    services.set_included(session, actor_of(admin), admin, p.id, {line.id}, False)
    services.submit(session, actor_of(admin), admin, p.id)
    session.commit()
    with pytest.raises(services.MatchingError, match="đã sửa hoặc trình"):
        services.approve(session, actor_of(admin), admin, p.id)
    session.rollback()
    session.refresh(p)
    assert p.status == ProposalStatus.SUBMITTED
    assert review.authors(session, review.PROPOSAL, p.id) == {w.preparer.id, admin.id}
    services.approve(session, actor_of(w.approver), w.approver, p.id)
    session.commit()
    assert p.status == ProposalStatus.APPROVED and p.approved_by_id == w.approver.id


def test_editing_a_submitted_proposal_sends_it_back_to_draft_with_a_diff(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    p = _proposal(session, w)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    session.commit()
    line = next(ln for ln in p.lines if ln.included)
    services.set_included(session, actor_of(w.preparer), w.preparer, p.id, {line.id}, False)
    session.commit()
    assert p.status == ProposalStatus.DRAFT
    diff = review.pending_diff(session, review.PROPOSAL, p.id)
    assert diff["total_vnd"] == ("120.000.000 ₫", "60.000.000 ₫")
    assert f"#{line.need_id}" in diff["lines"][0]
    with pytest.raises(services.MatchingError):
        services.approve(session, actor_of(w.approver), w.approver, p.id)  # a draft is not approved
    session.rollback()
