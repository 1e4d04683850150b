"""The matching workflow through the real services and pages: run, explain, edit, submit, four-eyes approval,
stale refusal, revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.messages import restored
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.matching import services
from app.matching.models import MatchingProposal, ProposalStatus
from app.needs import registry
from app.needs.models import HouseholdNeed, NeedStatus
from tests.conftest import login, post_form
from tests.matching.conftest import actor_of, add_need, give


def pool(session, fund_id: int, unit_id: int | None, purpose: Purpose) -> int:  # type: ignore[no-untyped-def]
    acc = session.execute(
        select(LedgerAccount).where(
            LedgerAccount.key == LedgerAccount.make_key(fund_id, unit_id, AccountKind.UNALLOCATED, purpose)
        )
    ).scalar_one_or_none()
    if acc is None:
        return 0
    session.refresh(acc)
    return acc.balance_vnd


def run(session, w, scope=None, user=None):  # type: ignore[no-untyped-def]
    user = user or w.preparer
    p = services.run_proposal(session, actor_of(user), user, w.campaign, (scope or w.khanh_hoa).id)
    session.commit()
    return p


def test_proposal_respects_earmarks_and_explains_itself(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    ks1 = add_need(session, w, w.khanh_son, name="Katơr Văn Sáu", ethnic_minority=True, elderly_alone=True)
    ks2 = add_need(session, w, w.khanh_son, name="Cao Thị Nhung", ethnic_minority=True)
    cl1 = add_need(session, w, w.cam_lam, name="Lê Văn Tám")
    give(session, w, 40_000_000, earmark=w.khanh_son)  # Khánh Sơn, housing
    give(session, w, 80_000_000, purpose=Purpose.UNRESTRICTED)  # province, any purpose
    p = run(session, w)
    lines = {ln.need_id: ln for ln in p.lines}
    assert p.status == ProposalStatus.DRAFT and p.method == "exact"
    assert sum(ln.included for ln in p.lines) == 2  # 120 M for three houses of 60 M: two
    # Khánh Sơn's money never pays for Cam Lâm
    for ln in p.lines:
        for d in ln.draws:
            if d["pool_unit_id"] == w.khanh_son.id:
                assert ln.commune_id == w.khanh_son.id
    top = min((ln for ln in p.lines if ln.included), key=lambda ln: ln.rank)
    assert top.need_id == ks1.id  # more criteria met: ranks first
    exp = top.explanation
    assert exp["rank"] == 1 and exp["score"] > 0
    assert {"label": "Hộ nghèo", "weight": 40} in exp["criteria"]
    assert exp["summary"] == (
        "Quỹ xã Khánh Sơn – nhà ở: 40.000.000 ₫; Quỹ tỉnh Khánh Hòa – không chỉ định: 20.000.000 ₫"
    )
    assert lines[ks2.id].included and not lines[cl1.id].included
    assert "không đủ tiền" in restored(lines[cl1.id].explanation["reason"])
    assert lines[cl1.id].amount_vnd == 0 and lines[cl1.id].draws == []


def test_edit_rechecks_feasibility(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    a = add_need(session, w, w.khanh_son, name="Hộ A", disability=True)
    b = add_need(session, w, w.cam_lam, name="Hộ B")
    give(session, w, 60_000_000)
    p = run(session, w)
    line = {ln.need_id: ln for ln in p.lines}
    assert line[a.id].included and not line[b.id].included
    with pytest.raises(services.MatchingError, match="không còn đủ tiền"):
        services.set_included(session, actor_of(w.preparer), w.preparer, p.id, {line[b.id].id}, True)
    session.rollback()
    services.set_included(session, actor_of(w.preparer), w.preparer, p.id, {line[a.id].id}, False)
    services.set_included(session, actor_of(w.preparer), w.preparer, p.id, {line[b.id].id}, True)
    session.commit()
    assert not line[a.id].included and line[b.id].included and p.total_vnd == 60_000_000
    assert line[b.id].explanation["edited"] == "Cán bộ đưa vào đề xuất."
    # only the preparer edits
    with pytest.raises(services.MatchingError, match="người lập"):
        services.set_included(session, actor_of(w.approver), w.approver, p.id, {line[a.id].id}, True)


def test_four_eyes_approval_moves_the_ledger(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w, w.khanh_son)
    give(session, w, 100_000_000)
    fund_id = w.campaign.fund_id
    p = run(session, w)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    session.commit()
    with pytest.raises(services.MatchingError, match="không được tự phê duyệt"):
        services.approve(session, actor_of(w.preparer), w.preparer, p.id)
    session.rollback()
    assert pool(session, fund_id, w.khanh_hoa.id, Purpose.HOUSING) == 100_000_000
    services.approve(session, actor_of(w.approver), w.approver, p.id)
    session.commit()
    assert p.status == ProposalStatus.APPROVED and p.approved_by_id == w.approver.id
    assert pool(session, fund_id, w.khanh_hoa.id, Purpose.HOUSING) == 40_000_000
    allocated = session.execute(
        select(LedgerAccount).where(
            LedgerAccount.key
            == LedgerAccount.make_key(fund_id, w.khanh_son.id, AccountKind.ALLOCATED, Purpose.HOUSING)
        )
    ).scalar_one()
    assert allocated.balance_vnd == 60_000_000
    session.refresh(need)
    assert need.status == NeedStatus.FUNDED and need.funded_vnd == 60_000_000
    assert ledger.verify_ledger(session) == []
    actions = set(
        session.execute(
            select(AuditEntry.action).where(AuditEntry.entity_type == "matching_proposal")
        ).scalars()
    )
    assert {"matching.run", "matching.submit", "matching.approve"} <= actions
    # approving twice is refused
    with pytest.raises(services.MatchingError, match="Đã phê duyệt"):
        services.approve(session, actor_of(w.approver2), w.approver2, p.id)


def test_stale_proposal_is_refused_after_a_need_edit(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w, w.khanh_son)
    give(session, w, 100_000_000)
    p = run(session, w)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    session.commit()
    data = registry.need_input_from(need)
    data.disability = True
    registry.update_need(session, actor_of(w.preparer), w.preparer, need.id, data)
    session.commit()
    with pytest.raises(services.MatchingError, match="Đề xuất đã cũ.*đã được sửa.*chạy lại"):
        services.approve(session, actor_of(w.approver), w.approver, p.id)
    session.rollback()
    # the frozen snapshot keeps what the proposal was computed from
    assert (
        p.lines[0].snapshot["version"]
        == p.lines[0].need_version
        < session.get(HouseholdNeed, need.id).version
    )


def test_stale_proposal_is_refused_after_a_balance_change(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    add_need(session, w, w.khanh_son)
    give(session, w, 100_000_000)
    p = run(session, w)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    session.commit()
    give(session, w, 5_000_000)
    with pytest.raises(services.MatchingError, match="Số dư Quỹ tỉnh Khánh Hòa – nhà ở đã thay đổi"):
        services.approve(session, actor_of(w.approver), w.approver, p.id)


def test_revocation_restores_the_pool(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    need = add_need(session, w, w.khanh_son)
    give(session, w, 100_000_000)
    p = run(session, w)
    services.submit(session, actor_of(w.preparer), w.preparer, p.id)
    services.approve(session, actor_of(w.approver), w.approver, p.id)
    session.commit()
    line = next(ln for ln in p.lines if ln.included)
    with pytest.raises(services.MatchingError, match="Lý do"):
        services.revoke_line(session, actor_of(w.approver), w.approver, line.id, "  ")
    session.rollback()
    services.revoke_line(
        session, actor_of(w.approver), w.approver, line.id, "Hộ đã được hỗ trợ từ nguồn khác"
    )
    session.commit()
    assert pool(session, w.campaign.fund_id, w.khanh_hoa.id, Purpose.HOUSING) == 100_000_000
    session.refresh(need)
    assert need.status == NeedStatus.APPROVED and need.funded_vnd == 0
    assert ledger.verify_ledger(session) == []
    with pytest.raises(services.MatchingError, match="đã được thu hồi"):
        services.revoke_line(session, actor_of(w.approver), w.approver, line.id, "lần hai")


def test_an_english_reader_sees_the_proposal_explained_in_english(app, session, world) -> None:  # type: ignore[no-untyped-def]
    """Pool names, why a pool pays and why a need is left out are kept as messages: the page shows them in the
    reader's language (and the Vietnamese page as before)."""
    w = world
    add_need(session, w, w.khanh_son, name="Katơr Văn Sáu")
    add_need(session, w, w.cam_lam, name="Lê Văn Tám")
    give(session, w, 60_000_000)  # province housing money: one house of 60 M
    client = app.test_client()
    login(client, w.preparer.email)
    post_form(client, "/can-bo/phan-bo/chay", {"scope": str(w.khanh_hoa.id)}, page="/can-bo/phan-bo/")
    p = session.execute(select(MatchingProposal)).scalar_one()
    vi = client.get(f"/can-bo/phan-bo/{p.id}?show=all").get_data(as_text=True)
    assert "Quỹ tỉnh Khánh Hòa – nhà ở: <strong>60.000.000 ₫</strong>" in vi
    assert "tiền của tỉnh chỉ định đúng mục đích" in vi and "chỉ còn 0 ₫, cần 60.000.000 ₫" in vi
    assert "Cùng 20.000.000 ₫ đã có từ nguồn khác, đủ 80.000.000 ₫ dự toán." in vi
    en = client.get(f"/can-bo/phan-bo/{p.id}?show=all&lang=en").get_data(as_text=True)
    assert "Fund of tỉnh Khánh Hòa – housing: <strong>60.000.000 ₫</strong>" in en
    assert "the province&#39;s money earmarked for this purpose" in en
    assert (
        "With the 20.000.000 ₫ already secured from other sources, this covers the estimated cost of 80.000.000 ₫."
    ) in en
    assert (
        "The funds allowed to pay for this case have only 0 ₫ left, 60.000.000 ₫ is needed: "
        "not enough money in the eligible funds."
    ) in en
    assert "không đủ tiền" not in en and "nhà ở" not in en
    client.get("/?lang=vi")


def test_commune_staff_run_only_their_commune_pools(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    add_need(session, w, w.khanh_son)
    give(session, w, 100_000_000)  # province money: not the commune's to spend
    give(session, w, 30_000_000, earmark=w.khanh_son)
    p = run(session, w, scope=w.khanh_son, user=w.ks_staff)
    assert [pp["unit_id"] for pp in p.pool_snapshot] == [w.khanh_son.id]
    assert not any(ln.included for ln in p.lines)  # 30 M cannot pay a 60 M house
    with pytest.raises(services.MatchingError):
        run(session, w, scope=w.khanh_hoa, user=w.ks_staff)


def test_pages_flow_and_area_checks(app, session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    add_need(session, w, w.khanh_son, name="Katơr Văn Sáu")
    give(session, w, 100_000_000)
    client = app.test_client()
    login(client, w.preparer.email)
    resp = post_form(client, "/can-bo/phan-bo/chay", {"scope": str(w.khanh_hoa.id)}, page="/can-bo/phan-bo/")
    assert resp.status_code == 302
    p = session.execute(select(MatchingProposal)).scalar_one()
    page = client.get(f"/can-bo/phan-bo/{p.id}").get_data(as_text=True)
    assert "Katơr Văn Sáu" in page and "Quỹ tỉnh Khánh Hòa – nhà ở: <strong>60.000.000 ₫</strong>" in page
    assert "Hộ nghèo (+40)" in page
    post_form(client, f"/can-bo/phan-bo/{p.id}/trinh", {}, page=f"/can-bo/phan-bo/{p.id}")
    session.refresh(p)
    assert p.status == ProposalStatus.SUBMITTED
    # the preparer sees no approve button; another area gets 404
    assert "Phê duyệt và ghi sổ quỹ" not in client.get(f"/can-bo/phan-bo/{p.id}").get_data(as_text=True)
    other = app.test_client()
    login(other, w.other_province_staff.email)
    assert other.get(f"/can-bo/phan-bo/{p.id}").status_code == 404
    assert f"#{p.id}" not in other.get("/can-bo/phan-bo/").get_data(as_text=True)
    approver = app.test_client()
    login(approver, w.approver.email)
    assert "Phê duyệt và ghi sổ quỹ" in approver.get(f"/can-bo/phan-bo/{p.id}").get_data(as_text=True)
    post_form(approver, f"/can-bo/phan-bo/{p.id}/duyet", {}, page=f"/can-bo/phan-bo/{p.id}")
    session.refresh(p)
    assert p.status == ProposalStatus.APPROVED
    assert pool(session, w.campaign.fund_id, w.khanh_hoa.id, Purpose.HOUSING) == 40_000_000


def test_the_celery_task_stores_a_draft(session, world) -> None:  # type: ignore[no-untyped-def]
    from app.matching import tasks

    w = world
    add_need(session, w, w.cam_lam)
    give(session, w, 60_000_000)
    proposal_id = tasks.run_proposal.delay(w.campaign.id, w.khanh_hoa.id, w.preparer.id).get()
    p = session.get(MatchingProposal, proposal_id)
    assert (
        p.status == ProposalStatus.DRAFT and p.total_vnd == 60_000_000 and p.prepared_by_id == w.preparer.id
    )
