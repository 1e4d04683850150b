"""Review integrity (issue 18.4): a change to an approved need or a submitted proposal sends it back for approval,
the approver sees what changed (old → new), and nobody approves what they prepared or changed themself."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.needs import registry, review
from app.needs.models import NeedStatus
from tests.conftest import login
from tests.factories import make_user
from tests.needs.conftest import actor_of, add_need, approve, need_input


def test_province_staff_raising_an_approved_need_sends_it_back_for_approval(session, world) -> None:  # type: ignore[no-untyped-def]
    """Reproduction: province staff edit an approved need from 60 to 250 million ₫ and it stayed approved."""
    w = world
    need = add_need(session, w)
    approve(session, w, need)
    assert need.status == NeedStatus.APPROVED
    registry.update_need(
        session,
        actor_of(w.province_staff),
        w.province_staff,
        need.id,
        need_input(w.khanh_son, estimated_cost_vnd=260_000_000, requested_vnd=250_000_000),
    )
    session.commit()
    session.refresh(need)
    assert need.status == NeedStatus.PROPOSED  # no longer eligible for matching
    assert need.approved_on is None and need.reviewed_by_id is None
    diff = review.pending_diff(session, review.NEED, need.id)
    assert diff["requested_vnd"] == ("60.000.000 ₫", "250.000.000 ₫")
    assert diff["estimated_cost_vnd"] == ("80.000.000 ₫", "260.000.000 ₫")
    # the editor cannot approve their own change; another province person can
    with pytest.raises(registry.NeedError, match="đã sửa"):
        registry.approve_need(session, actor_of(w.province_staff), w.province_staff, need.id)
    session.rollback()
    registry.approve_need(session, actor_of(w.approver), w.approver, need.id)
    session.commit()
    assert need.status == NeedStatus.APPROVED
    assert review.pending_diff(session, review.NEED, need.id) == {}


def test_an_officer_who_raised_a_communes_need_cannot_approve_it(session, world) -> None:  # type: ignore[no-untyped-def]
    """Reproduction: a province officer raised a commune's need, then approved it themself."""
    w = world
    need = add_need(session, w)  # proposed by the commune
    registry.update_need(
        session,
        actor_of(w.approver),
        w.approver,
        need.id,
        need_input(w.khanh_son, estimated_cost_vnd=200_000_000, requested_vnd=150_000_000),
    )
    session.commit()
    with pytest.raises(registry.NeedError, match="đã sửa"):
        registry.approve_need(session, actor_of(w.approver), w.approver, need.id)
    session.rollback()
    session.refresh(need)
    assert need.status == NeedStatus.PROPOSED
    authors = review.authors(session, review.NEED, need.id)
    assert authors == {w.ks_staff.id, w.approver.id}


def test_an_edit_that_changes_nothing_keeps_the_approval(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w)
    approve(session, w, need)
    registry.update_need(
        session, actor_of(w.province_staff), w.province_staff, need.id, need_input(w.khanh_son)
    )
    session.commit()
    assert need.status == NeedStatus.APPROVED


def test_priority_facts_changed_are_shown_to_the_approver(session, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w)
    approve(session, w, need)
    registry.update_need(
        session,
        actor_of(w.ks_staff),
        w.ks_staff,
        need.id,
        need_input(w.khanh_son, merit_family=True, household_size=6),
    )
    session.commit()
    diff = review.pending_diff(session, review.NEED, need.id)
    assert diff["merit_family"] == ("Không", "Có")
    assert diff["household_size"] == ("1", "6")
    login(client, w.approver.email)
    html = client.get(f"/can-bo/nhu-cau/{need.id}").get_data(as_text=True)
    assert "Thay đổi từ lần duyệt trước" in html
    assert "Gia đình có công" in html and "Không → Có" in html


def test_a_second_province_person_can_approve_after_commune_edit(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w)
    other = make_user(session, Role.PROVINCE_STAFF, w.khanh_hoa)
    registry.approve_need(session, actor_of(other), other, need.id)
    session.commit()
    assert need.status == NeedStatus.APPROVED
