"""Matching allocates no more than the program's support limit (issue 18.5), unless the need carries an override
reason, which the proposal shows to its approver."""

from __future__ import annotations

from datetime import date

import pytest

from app.matching import services
from app.needs.models import NeedKind, SupportLimit
from tests.matching.conftest import actor_of, add_need, give


def _limit(session, amount: int = 60_000_000) -> None:  # type: ignore[no-untyped-def]
    session.add(
        SupportLimit(
            program_code="nha-dai-doan-ket",
            program_name="Hỗ trợ nhà Đại đoàn kết",
            need_kind=NeedKind.NEW_HOUSE,
            province_id=None,
            max_vnd=amount,
            legal_basis="Văn bản thử nghiệm",
            valid_from=date(2026, 1, 1),
        )
    )
    session.commit()


def test_matching_holds_a_need_to_the_limit_in_force(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(
        session, w, w.khanh_son, cost=100_000_000, requested=80_000_000
    )  # entered before the rule
    give(session, w, 200_000_000, earmark=w.khanh_son)
    _limit(session)
    p = services.run_proposal(session, actor_of(w.preparer), w.preparer, w.campaign, w.khanh_hoa.id)
    session.commit()
    [line] = [ln for ln in p.lines if ln.need_id == need.id]
    assert line.included and line.amount_vnd == 60_000_000


def test_an_override_reason_lets_matching_fund_the_whole_request_and_shows_it(session, world, client) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    w = world
    _limit(session)
    need = add_need(
        session,
        w,
        w.khanh_son,
        cost=100_000_000,
        requested=80_000_000,
        limit_override_reason="Nhà trên sườn núi, chi phí vận chuyển vật liệu cao",
    )
    give(session, w, 200_000_000, earmark=w.khanh_son)
    p = services.run_proposal(session, actor_of(w.preparer), w.preparer, w.campaign, w.khanh_hoa.id)
    session.commit()
    [line] = [ln for ln in p.lines if ln.need_id == need.id]
    assert line.amount_vnd == 80_000_000
    login(client, w.approver.email)
    html = client.get(f"/can-bo/phan-bo/{p.id}").get_data(as_text=True)
    assert "Nhà trên sườn núi, chi phí vận chuyển vật liệu cao" in html


def test_approval_refuses_an_allocation_above_a_limit_set_after_the_proposal(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    add_need(session, w, w.khanh_son, cost=100_000_000, requested=80_000_000)
    give(session, w, 200_000_000, earmark=w.khanh_son)
    p = services.run_proposal(session, actor_of(w.preparer), w.preparer, w.campaign, w.khanh_hoa.id)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    session.commit()
    _limit(session)
    with pytest.raises(services.MatchingError, match="vượt mức hỗ trợ tối đa 60.000.000 ₫"):
        services.approve(session, actor_of(w.approver), w.approver, p.id)
    session.rollback()
