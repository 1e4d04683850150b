"""Undoing a tranche recorded by mistake: approvers of the area only, a reason and a confirmation, a ledger
reversal (nothing deleted), the house's figures and the books back where they were, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction, TransactionKind
from app.needs import funding, registry
from app.needs.models import HouseholdNeed, NeedDisbursement, TrancheKind
from tests.conftest import csrf_from, login, post_form
from tests.factories import SYSTEM, make_user
from tests.needs.conftest import add_need, approve, fund


def _paid(session, world, amount: int = 30_000_000, ref: str = "PC-07/2026") -> NeedDisbursement:  # type: ignore[no-untyped-def]
    need = fund(session, world, approve(session, world, add_need(session, world)))
    d = funding.disburse_need(session, SYSTEM, need.id, amount, ref, tranche=TrancheKind.ADVANCE)
    session.commit()
    return d


def _url(d: NeedDisbursement) -> str:
    return f"/can-bo/nhu-cau/giai-ngan/{d.id}/dao"


# (role, where the user sits) -> expected status of the confirmation page and of the POST; reversed afterwards?
MATRIX = [
    (Role.COMMUNE_STAFF, "khanh_son", 403, False),  # records tranches, does not undo them
    (Role.COMMUNE_STAFF, "cam_lam", 403, False),
    (Role.PROVINCE_STAFF, "khanh_hoa", 403, False),
    (Role.PROVINCE_STAFF, "hanoi", 403, False),
    (Role.APPROVER, "khanh_hoa", 200, True),
    (Role.APPROVER, "hanoi", 404, False),  # another province's house is not shown at all
    (Role.CENTRAL_ADMIN, None, 200, True),
]


@pytest.mark.parametrize("role,where,status,allowed", MATRIX)
def test_only_approvers_of_the_area_may_reverse_a_tranche(
    client, session, world, role, where, status, allowed
):
    d = _paid(session, world)
    places = {
        "khanh_son": world.khanh_son,
        "cam_lam": world.cam_lam,
        "khanh_hoa": world.khanh_hoa,
        "hanoi": world.hanoi,
    }
    user = make_user(session, role, places[where] if where else None)
    login(client, user.email)
    page = client.get(_url(d))
    assert page.status_code == status
    token = csrf_from(client.get("/can-bo").get_data(as_text=True))
    resp = client.post(_url(d), data={"csrf_token": token, "reason": "Ghi trùng phiếu chi", "confirm": "y"})
    assert resp.status_code == (302 if allowed else status)
    session.expire_all()
    assert (session.get(NeedDisbursement, d.id).reversal_transaction_id is not None) is allowed
    assert session.get(HouseholdNeed, d.need_id).disbursed_vnd == (0 if allowed else 30_000_000)
    assert ledger.is_reversed(session, d.ledger_transaction_id) is allowed


def test_reversal_through_the_pages_with_reason_and_confirmation(client, session, world):
    d = _paid(session, world)
    need_id, fund_id = d.need_id, world.campaign.fund_id
    before = ledger.totals(session, fund_id, [world.khanh_son.id])
    login(client, world.approver.email)
    detail = client.get(f"/can-bo/nhu-cau/{need_id}").get_data(as_text=True)
    assert _url(d) in detail  # the tranche offers "Đảo…"
    confirm = client.get(_url(d)).get_data(as_text=True)
    assert "30.000.000 ₫" in confirm and "PC-07/2026" in confirm and "Lý do đảo giải ngân" in confirm

    # No reason, then no tick: the page says what is missing and nothing moves.
    resp = post_form(client, _url(d), {"reason": "  ", "confirm": "y"})
    assert resp.status_code == 422
    assert "Lý do đảo giải ngân: chưa nhập." in resp.get_data(as_text=True)
    resp = post_form(client, _url(d), {"reason": "Ghi trùng phiếu chi"})
    assert resp.status_code == 422
    assert "Hãy đánh dấu ô xác nhận" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(HouseholdNeed, need_id).disbursed_vnd == 30_000_000

    resp = post_form(
        client, _url(d), {"reason": "Ghi trùng phiếu chi", "confirm": "y"}, follow_redirects=True
    )
    page = resp.get_data(as_text=True)
    assert "Đã đảo khoản giải ngân 30.000.000 ₫ (chứng từ PC-07/2026)" in page
    assert "Đã đảo" in page
    session.expire_all()
    need = session.get(HouseholdNeed, need_id)
    assert need.disbursed_vnd == 0 and need.funded_vnd == 60_000_000  # the house keeps its funding
    after = ledger.totals(session, fund_id, [world.khanh_son.id])
    assert after.disbursed_vnd == before.disbursed_vnd - 30_000_000
    # Append-only: the tranche and its posting stay, a reversal transaction mirrors it.
    kept = session.get(NeedDisbursement, d.id)
    assert kept.amount_vnd == 30_000_000
    rev = session.get(LedgerTransaction, kept.reversal_transaction_id)
    assert rev.kind == TransactionKind.REVERSAL and rev.reverses_id == d.ledger_transaction_id
    assert "Ghi trùng phiếu chi" in rev.memo
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "need.reverse_disbursement")
    ).scalar_one()
    assert audit.user_id == world.approver.id and audit.unit_id == world.khanh_son.id
    assert audit.new_values["reason"] == "Ghi trùng phiếu chi"
    assert ledger.verify_ledger(session) == []

    # Twice is refused; the money is payable again with the right tranche.
    resp = client.get(_url(d), follow_redirects=True)
    assert "Khoản giải ngân này đã được đảo trước đó." in resp.get_data(as_text=True)
    with pytest.raises(registry.NeedError, match="đã được đảo trước đó"):
        funding.reverse_disbursement(session, SYSTEM, None, d.id, "lần hai")
    session.rollback()
    funding.disburse_need(session, SYSTEM, need_id, 60_000_000, "PC-08/2026", tranche=TrancheKind.FINAL)
    session.commit()
    assert session.get(HouseholdNeed, need_id).disbursed_vnd == 60_000_000


def test_reversal_needs_a_csrf_token(client, session, world):
    d = _paid(session, world)
    login(client, world.approver.email)
    resp = client.post(_url(d), data={"reason": "Ghi trùng", "confirm": "y"})
    assert resp.status_code == 400
    session.expire_all()
    assert session.get(NeedDisbursement, d.id).reversal_transaction_id is None


def test_the_plain_ledger_reversal_sends_a_tranche_to_the_house_page(client, session, world):
    d = _paid(session, world)
    login(client, world.approver.email)
    books = client.get("/can-bo/so-quy/").get_data(as_text=True)
    assert f"/can-bo/so-quy/but-toan/{d.ledger_transaction_id}/dao" not in books
    assert "Đảo tại trang của hộ" in books
    token = csrf_from(books)
    resp = client.post(
        f"/can-bo/so-quy/but-toan/{d.ledger_transaction_id}/dao",
        data={"csrf_token": token, "reason": "Ghi trùng"},
        follow_redirects=True,
    )
    assert "hãy đảo tại trang của hộ" in resp.get_data(as_text=True)
    session.expire_all()
    assert not ledger.is_reversed(session, d.ledger_transaction_id)
    assert session.get(HouseholdNeed, d.need_id).disbursed_vnd == 30_000_000
