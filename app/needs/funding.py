"""Money to a need: funding recorded by matching, revoked, and disbursed in tranches (with reversal)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import nfc
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs.models import (
    MATCHABLE_STATUSES,
    FundingStatus,
    HouseholdNeed,
    NeedDisbursement,
    NeedFunding,
    NeedStatus,
    TrancheKind,
)
from app.needs.registry import NeedError, lock_need

# Statuses shown on the public site (the houses the money went to).
PUBLIC_STATUSES = (NeedStatus.FUNDED, NeedStatus.STARTED, NeedStatus.COMPLETED, NeedStatus.HANDED_OVER)


DISBURSABLE_STATUSES = PUBLIC_STATUSES


def _draws_json(draws: Iterable[PoolDraw]) -> list[dict]:
    return [
        {"pool_unit_id": d.pool_unit_id, "purpose": Purpose(d.purpose).value, "amount_vnd": int(d.amount_vnd)}
        for d in draws
    ]


def record_need_funding(
    session: Session,
    actor: Actor,
    need: HouseholdNeed | int,
    amount_vnd: int,
    draws: list[PoolDraw],
    proposal_id: int | None,
    ledger_transaction_id: int | None,
) -> NeedFunding:
    """Record money allocated to a need (called by app.matching when an approved proposal posts its ledger
    allocation, in the same transaction). The need must be approved and the amount within what is still
    requested; draws must add up to the amount. A need whose request is then fully covered becomes funded.
    Bumps the need's version (a proposal computed before this sees the change).

    The ledger allocation must target unit need.commune_id with purpose need.purpose (that is the ALLOCATED
    account disburse_need() later pays out from); draws may come from pools of need.purpose or UNRESTRICTED."""
    need = lock_need(session, need if isinstance(need, int) else need.id)
    if need.status not in MATCHABLE_STATUSES:
        raise NeedError(
            N_(
                "Hộ #%(id)s không ở trạng thái chờ bố trí kinh phí (đang “%(status)s”).",
                id=need.id,
                status=need.status_label,
            )
        )
    if amount_vnd <= 0:
        raise NeedError(N_("Số tiền bố trí phải lớn hơn 0."))
    if sum(d.amount_vnd for d in draws) != amount_vnd or any(d.amount_vnd <= 0 for d in draws):
        raise NeedError(N_("Các khoản lấy từ quỹ không cộng đúng số tiền bố trí."))
    if amount_vnd > need.remaining_vnd:
        raise NeedError(
            N_(
                "Hộ #%(id)s: bố trí %(amount)s vượt số còn thiếu (%(remaining)s).",
                id=need.id,
                amount=format_vnd(amount_vnd),
                remaining=format_vnd(need.remaining_vnd),
            )
        )
    wrong = [d for d in draws if Purpose(d.purpose) not in (need.purpose, Purpose.UNRESTRICTED)]
    if wrong:
        raise NeedError(
            N_("Hộ #%(id)s: tiền chỉ định mục đích khác không được dùng cho nhu cầu này.", id=need.id)
        )
    funding = NeedFunding(
        need_id=need.id,
        amount_vnd=amount_vnd,
        ledger_transaction_id=ledger_transaction_id,
        proposal_id=proposal_id,
        draws=_draws_json(draws),
        status=FundingStatus.ACTIVE,
        created_by_id=actor.user_id,
    )
    session.add(funding)
    need.funded_vnd += amount_vnd
    if need.funded_vnd == need.requested_vnd:
        need.status = NeedStatus.FUNDED
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.fund",
        "household_need",
        need.id,
        new={
            "funding_id": funding.id,
            "amount_vnd": amount_vnd,
            "proposal_id": proposal_id,
            "ledger_transaction_id": ledger_transaction_id,
            "funded_vnd": need.funded_vnd,
            "status": need.status,
        },
        unit_id=need.commune_id,
    )
    return funding


def revoke_need_funding(
    session: Session,
    actor: Actor,
    funding_id: int,
    reason: str,
    *,
    revocation_transaction_id: int | None = None,
) -> NeedFunding:
    """Mark a funding revoked (the caller reverses the ledger allocation and passes that transaction's id).
    Refused once construction has started or when part of it was already paid out."""
    reason = nfc(reason) or ""
    if not reason:
        raise NeedError(N_("Lý do thu hồi: chưa nhập."))
    funding = session.execute(
        select(NeedFunding).where(NeedFunding.id == funding_id).with_for_update()
    ).scalar_one_or_none()
    if funding is None:
        raise NeedError(N_("Không tìm thấy khoản bố trí."))
    if funding.status != FundingStatus.ACTIVE:
        raise NeedError(N_("Khoản bố trí này đã bị thu hồi trước đó."))
    need = lock_need(session, funding.need_id)
    if need.status not in (NeedStatus.APPROVED, NeedStatus.FUNDED):
        raise NeedError(
            N_("Không thu hồi được: hộ #%(id)s đã “%(status)s”.", id=need.id, status=need.status_label)
        )
    if need.funded_vnd - funding.amount_vnd < need.disbursed_vnd:
        raise NeedError(
            N_(
                "Không thu hồi được: hộ #%(id)s đã được giải ngân %(amount)s.",
                id=need.id,
                amount=format_vnd(need.disbursed_vnd),
            )
        )
    funding.status = FundingStatus.REVOKED
    funding.revoked_at = utcnow()
    funding.revoked_by_id = actor.user_id
    funding.revoke_reason = reason
    funding.revocation_transaction_id = revocation_transaction_id
    need.funded_vnd -= funding.amount_vnd
    need.status = NeedStatus.APPROVED
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.revoke_funding",
        "household_need",
        need.id,
        old={"funding_id": funding.id, "amount_vnd": funding.amount_vnd},
        new={
            "reason": reason,
            "funded_vnd": need.funded_vnd,
            "status": need.status,
            "revocation_transaction_id": revocation_transaction_id,
        },
        unit_id=need.commune_id,
    )
    return funding


def active_fundings(session: Session, need_id: int) -> list[NeedFunding]:
    return list(
        session.execute(
            select(NeedFunding)
            .where(NeedFunding.need_id == need_id, NeedFunding.status == FundingStatus.ACTIVE)
            .order_by(NeedFunding.id)
        ).scalars()
    )


def disburse_need(
    session: Session,
    actor: Actor,
    need_id: int,
    amount_vnd: int,
    document_ref: str,
    *,
    tranche: TrancheKind = TrancheKind.ADVANCE,
    occurred_on: date | None = None,
    note: str = "",
    user: User | None = None,
) -> NeedDisbursement:
    """Pay a tranche to a household: posts a ledger disbursement in the need's commune and purpose and records
    it. Refused beyond what was allocated to THIS need (funded − already disbursed)."""
    need = lock_need(session, need_id)
    if user is not None and not can_access_unit(user, need.commune):
        raise NeedError(N_("Hộ này không thuộc địa bàn của bạn."))
    document_ref = nfc(document_ref) or ""
    if not document_ref:
        raise NeedError(N_("Số chứng từ: chưa nhập (phiếu chi, biên bản giao nhận…)."))
    if len(document_ref) > 120:
        raise NeedError(N_("Số chứng từ: quá dài."))
    if amount_vnd <= 0:
        raise NeedError(N_("Số tiền giải ngân: phải lớn hơn 0."))
    if need.status not in DISBURSABLE_STATUSES:
        raise NeedError(
            N_(
                "Chưa giải ngân được: hộ đang “%(status)s” (cần được bố trí đủ kinh phí).",
                status=need.status_label,
            )
        )
    available = need.funded_vnd - need.disbursed_vnd
    if amount_vnd > available:
        raise NeedError(
            N_(
                "Số tiền giải ngân: vượt số đã bố trí cho hộ này còn lại (%(available)s).",
                available=format_vnd(available),
            )
        )
    day = occurred_on or today_vn()
    if day > today_vn():
        raise NeedError(N_("Ngày chi: không được sau hôm nay."))
    campaign = session.get(Campaign, need.campaign_id)
    txn = ledger.disburse(
        session,
        actor,
        fund_id=campaign.fund_id,
        unit_id=need.commune_id,
        purpose=need.purpose,
        amount_vnd=amount_vnd,
        occurred_on=day,
        memo=f"Giải ngân hộ #{need.id} ({tranche.value}), chứng từ {document_ref}",
        source_type="need_disbursement",
        source_id=need.id,
    )
    d = NeedDisbursement(
        need_id=need.id,
        tranche=tranche,
        amount_vnd=amount_vnd,
        document_ref=document_ref,
        occurred_on=day,
        note=nfc(note) or "",
        ledger_transaction_id=txn.id,
        created_by_id=actor.user_id,
    )
    session.add(d)
    need.disbursed_vnd += amount_vnd
    session.flush()
    record(
        session,
        actor,
        "need.disburse",
        "household_need",
        need.id,
        new={
            "disbursement_id": d.id,
            "amount_vnd": amount_vnd,
            "tranche": tranche,
            "document_ref": document_ref,
            "ledger_transaction_id": txn.id,
            "disbursed_vnd": need.disbursed_vnd,
        },
        unit_id=need.commune_id,
    )
    return d


REVERSE_DISBURSEMENT_ROLES = (Role.APPROVER, Role.CENTRAL_ADMIN)


"""Who may undo a recorded tranche (as for other ledger reversals and allocation revocations: the approvers)."""


def reverse_disbursement(
    session: Session, actor: Actor, user: User | None, disbursement_id: int, reason: str
) -> NeedDisbursement:
    """Undo a tranche recorded by mistake: the ledger disbursement is reversed (append-only, the money goes back
    to the need's allocation), the tranche is marked reversed and the house's disbursed figure lowered. The house
    keeps its funding and status; a correct tranche is then recorded anew."""
    found = session.get(NeedDisbursement, disbursement_id)
    if found is None:
        raise NeedError(N_("Không tìm thấy khoản giải ngân."))
    need = lock_need(session, found.need_id)  # serialises reversals and new tranches of the house
    d = session.execute(
        select(NeedDisbursement)
        .where(NeedDisbursement.id == disbursement_id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if user is not None:
        if not can_access_unit(user, need.commune):
            raise NeedError(N_("Hộ này không thuộc địa bàn của bạn."))
        if user.role not in REVERSE_DISBURSEMENT_ROLES:
            raise NeedError(N_("Chỉ người có quyền phê duyệt mới đảo được khoản giải ngân."))
    reason = (nfc(reason) or "").strip()
    if not reason:
        raise NeedError(N_("Lý do đảo giải ngân: chưa nhập."))
    if len(reason) > 1000:
        raise NeedError(N_("Lý do đảo giải ngân: quá dài (tối đa 1000 ký tự)."))
    if d.reversal_transaction_id is not None:
        raise NeedError(N_("Khoản giải ngân này đã được đảo trước đó."))
    try:
        tx = ledger.reverse(
            session,
            actor,
            d.ledger_transaction_id,
            reason=reason,
            occurred_on=today_vn(),
            source_type="need_disbursement_reversal",
            source_id=d.id,
        )
    except ledger.LedgerError as exc:
        raise NeedError(N_("Không đảo được khoản giải ngân: %(error)s", error=exc)) from exc
    d.reversal_transaction_id = tx.id
    old_disbursed = need.disbursed_vnd
    need.disbursed_vnd -= d.amount_vnd
    session.flush()
    # A payout order that paid this tranche no longer stands as paid (app.payouts imports this module).
    from app.payouts.services import tranche_reversed

    tranche_reversed(session, actor, d.id)
    record(
        session,
        actor,
        "need.reverse_disbursement",
        "household_need",
        need.id,
        old={
            "disbursement_id": d.id,
            "amount_vnd": d.amount_vnd,
            "document_ref": d.document_ref,
            "disbursed_vnd": old_disbursed,
        },
        new={"reason": reason, "reversal_transaction_id": tx.id, "disbursed_vnd": need.disbursed_vnd},
        unit_id=need.commune_id,
    )
    return d
