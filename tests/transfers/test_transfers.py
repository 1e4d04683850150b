"""Funds between levels (issue 18.6): a transfer is prepared by the sending side, approved by one person of each
side (neither the preparer), and carried out as one ledger transaction posting both sides' pools; it never takes
money already allocated; it shows on both sides' books and in the reports' "Điều chuyển" line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.contributions.models import FundTransferProposal, TransferStatus
from app.core.i18n import today_vn
from app.ledger import services as ledger
from app.ledger import transfers
from app.ledger.models import LedgerTransaction, Purpose, TransactionKind
from app.ledger.services import PoolDraw
from app.reports.models import ReportKind
from app.reports.services import build_figures, period_for
from tests.conftest import login, post_form
from tests.factories import SYSTEM
from tests.transfers.conftest import actor_of, pool

KH_TO_DB = 1_260_000_000  # Khánh Hòa sent about 1.26 billion ₫ to Điện Biên in one year (here: to Hà Nội)


def _propose(session, w, *, by=None, to=None, amount=KH_TO_DB, source=None):  # type: ignore[no-untyped-def]
    by = by or w.kh_staff
    p = transfers.propose(
        session,
        actor_of(by),
        by,
        fund_id=w.campaign.fund_id,
        from_unit_id=(source or w.khanh_hoa).id,
        to_unit_id=to.id if to is not None else w.hanoi.id,
        purpose=Purpose.HOUSING,
        amount_vnd=amount,
        note="Hỗ trợ xóa nhà tạm",
    )
    session.commit()
    return p


def test_a_transfer_between_two_provinces_is_posted_on_both_sides_once_both_approve(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    fund = w.campaign.fund_id
    p = _propose(session, w)
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p.id)
    session.commit()
    assert p.status == TransferStatus.PROPOSED and p.from_approved_by_id == w.kh_approver.id
    assert pool(session, fund, w.hanoi.id) == 0  # nothing moves on one side's approval
    transfers.approve(session, actor_of(w.hn_approver), w.hn_approver, p.id)
    session.commit()
    assert p.status == TransferStatus.DONE and p.to_approved_by_id == w.hn_approver.id
    assert pool(session, fund, w.khanh_hoa.id) == 2_000_000_000 - KH_TO_DB
    assert pool(session, fund, w.hanoi.id) == KH_TO_DB
    tx = session.get(LedgerTransaction, p.ledger_transaction_id)
    assert tx.kind == TransactionKind.TRANSFER
    assert sorted(x.amount_vnd for x in tx.postings) == [-KH_TO_DB, KH_TO_DB]  # both sides, one transaction
    actions = set(
        session.execute(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "fund_transfer_proposal", AuditEntry.entity_id == str(p.id)
            )
        ).scalars()
    )
    assert actions == {
        "fund_transfer.propose",
        "fund_transfer.approve_from",
        "fund_transfer.approve_to",
        "fund_transfer.done",
    }
    assert ledger.verify_ledger(session, full=True) == []
    # the reports' "Điều chuyển" line: out of Khánh Hòa, into Hà Nội
    period = period_for(ReportKind.YEAR, today_vn().year)
    kh = build_figures(session, w.campaign, w.khanh_hoa, ReportKind.YEAR, period)
    hn = build_figures(session, w.campaign, w.hanoi, ReportKind.YEAR, period)
    assert kh["transfers_net_vnd"] == -KH_TO_DB and hn["transfers_net_vnd"] == KH_TO_DB
    assert kh["closing_balance_vnd"] == kh["opening_balance_vnd"] + kh["receipts_vnd"] - KH_TO_DB
    assert hn["closing_balance_vnd"] == KH_TO_DB


def test_maker_checker_preparer_and_one_person_for_both_sides_are_refused(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    p = _propose(session, w, by=w.kh_approver, to=w.khanh_son, amount=60_000_000)
    with pytest.raises(transfers.TransferError, match="không được tự phê duyệt"):
        transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p.id)
    session.rollback()
    transfers.approve(session, actor_of(w.kh_approver2), w.kh_approver2, p.id)  # province side
    session.commit()
    with pytest.raises(transfers.TransferError, match="bên còn lại phải do người khác"):
        transfers.approve(session, actor_of(w.kh_approver2), w.kh_approver2, p.id)  # also the commune's? no
    session.rollback()
    transfers.approve(session, actor_of(w.ks_staff), w.ks_staff, p.id)  # the commune's side
    session.commit()
    assert p.status == TransferStatus.DONE
    assert pool(session, w.campaign.fund_id, w.khanh_son.id) == 60_000_000


def test_the_receiving_side_alone_cannot_carry_it_out_and_outsiders_cannot_approve(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    p = _propose(session, w)
    with pytest.raises(transfers.TransferError):
        transfers.approve(session, actor_of(w.ks_staff), w.ks_staff, p.id)  # neither Khánh Hòa's nor Hà Nội's
    session.rollback()
    transfers.approve(session, actor_of(w.hn_approver), w.hn_approver, p.id)
    session.commit()
    assert p.status == TransferStatus.PROPOSED and p.to_approved_by_id == w.hn_approver.id
    assert pool(session, w.campaign.fund_id, w.hanoi.id) == 0


def test_directions_outside_the_levels_are_refused(session, world) -> None:  # type: ignore[no-untyped-def]
    from app.units.models import AdminUnit

    w = world
    hanoi_commune = (
        session.execute(select(AdminUnit).where(AdminUnit.parent_id == w.hanoi.id)).scalars().first()
    )
    with pytest.raises(transfers.TransferError, match="Nơi nhận"):
        _propose(session, w, by=w.kh_staff, to=hanoi_commune)  # province → another province's commune
    session.rollback()
    with pytest.raises(transfers.TransferError, match="chỉ còn"):
        _propose(session, w, amount=3_000_000_000)
    session.rollback()
    with pytest.raises(transfers.TransferError, match="bên chuyển"):
        _propose(session, w, by=w.hn_approver)  # Hà Nội cannot send Khánh Hòa's money
    session.rollback()


def test_a_transfer_never_takes_money_already_allocated(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    fund = w.campaign.fund_id
    p = _propose(session, w, amount=1_500_000_000)
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p.id)
    session.commit()
    # meanwhile the province allocates 600 million ₫ of the pool to its communes' houses
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=fund,
        target_unit_id=w.khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=[PoolDraw(w.khanh_hoa.id, Purpose.HOUSING, 600_000_000)],
        occurred_on=date.today(),
    )
    session.commit()
    with pytest.raises(transfers.TransferError, match="đã phân bổ cho hộ không được điều chuyển"):
        transfers.approve(session, actor_of(w.hn_approver), w.hn_approver, p.id)
    session.rollback()
    session.refresh(p)
    assert p.status == TransferStatus.PROPOSED and p.to_approved_by_id is None
    assert pool(session, fund, w.khanh_hoa.id) == 1_400_000_000
    assert pool(session, fund, w.hanoi.id) == 0


def test_to_central_and_rejection(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    p2 = transfers.propose(
        session,
        actor_of(w.kh_staff),
        w.kh_staff,
        fund_id=w.campaign.fund_id,
        from_unit_id=w.khanh_hoa.id,
        to_unit_id=None,
        purpose=Purpose.HOUSING,
        amount_vnd=100_000_000,
        note="Nộp về Trung ương",
    )
    session.commit()
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p2.id)
    transfers.approve(session, actor_of(w.admin), w.admin, p2.id)
    session.commit()
    assert p2.status == TransferStatus.DONE
    assert pool(session, w.campaign.fund_id, None) == 100_000_000
    p = _propose(session, w, amount=100_000_000)
    with pytest.raises(transfers.TransferError, match="Lý do"):
        transfers.reject(session, actor_of(w.hn_approver), w.hn_approver, p.id, " ")
    session.rollback()
    transfers.reject(session, actor_of(w.hn_approver), w.hn_approver, p.id, "Hà Nội không cần")
    session.commit()
    assert p.status == TransferStatus.REJECTED and p.decision_reason == "Hà Nội không cần"
    with pytest.raises(transfers.TransferError):
        transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, p.id)
    session.rollback()
    assert pool(session, w.campaign.fund_id, w.hanoi.id) == 0


def test_a_pledge_paid_into_another_areas_account_is_passed_on_through_the_same_service(
    session, world
) -> None:  # type: ignore[no-untyped-def]
    w = world
    from app.contributions.models import Contribution

    c = session.execute(select(Contribution)).scalars().first()
    proposal = FundTransferProposal(
        contribution_id=c.id,
        from_unit_id=w.khanh_hoa.id,
        to_unit_id=w.hanoi.id,
        amount_vnd=2_000_000,
        purpose=Purpose.HOUSING,
        status=TransferStatus.PROPOSED,
        note="Đăng ký của Hà Nội nộp vào tài khoản Khánh Hòa",
        created_by_id=None,  # made by the receipt path (app.contributions.receive)
    )
    session.add(proposal)
    session.commit()
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, proposal.id)
    transfers.approve(session, actor_of(w.hn_approver), w.hn_approver, proposal.id)
    session.commit()
    assert proposal.status == TransferStatus.DONE
    assert pool(session, w.campaign.fund_id, w.hanoi.id) == 2_000_000
    assert ledger.verify_ledger(session, full=True) == []


def test_staff_propose_and_approve_on_the_books_pages_of_both_sides(app, session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    client = app.test_client()
    login(client, w.kh_staff.email)
    resp = post_form(
        client,
        "/can-bo/so-quy/dieu-chuyen",
        {
            "to_unit": str(w.hanoi.id),
            "purpose": "housing",
            "amount": "1.260.000.000",
            "note": "Hỗ trợ Hà Nội",
        },
        page="/can-bo/so-quy/",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Đã lập đề xuất điều chuyển" in html, html[:3000]
    [p] = session.execute(select(FundTransferProposal)).scalars().all()
    assert p.amount_vnd == KH_TO_DB and p.created_by_id == w.kh_staff.id
    for user in (w.kh_approver, w.hn_approver):
        client = app.test_client()
        login(client, user.email)
        page = client.get("/can-bo/so-quy/").get_data(as_text=True)
        assert "1.260.000.000 ₫" in page and "Hỗ trợ Hà Nội" in page
        resp = post_form(
            client,
            f"/can-bo/so-quy/dieu-chuyen/{p.id}/duyet",
            {},
            page="/can-bo/so-quy/",
            follow_redirects=True,
        )
        assert resp.status_code == 200
    session.refresh(p)
    assert p.status == TransferStatus.DONE
    page = client.get("/can-bo/so-quy/").get_data(as_text=True)  # Hà Nội's books
    assert f"Điều chuyển #{p.id}: Tỉnh Khánh Hòa → Thành phố Hà Nội" in page


def test_a_commune_sends_money_back_to_its_province(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    down = _propose(session, w, to=w.khanh_son, amount=50_000_000)
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, down.id)
    transfers.approve(session, actor_of(w.ks_staff), w.ks_staff, down.id)
    session.commit()
    back = _propose(session, w, by=w.ks_staff, source=w.khanh_son, to=w.khanh_hoa, amount=20_000_000)
    transfers.approve(session, actor_of(w.ks_staff2), w.ks_staff2, back.id)  # the commune's side
    transfers.approve(session, actor_of(w.kh_approver), w.kh_approver, back.id)  # the province's side
    session.commit()
    assert back.status == TransferStatus.DONE
    assert pool(session, w.campaign.fund_id, w.khanh_son.id) == 30_000_000
    assert ledger.verify_ledger(session, full=True) == []
