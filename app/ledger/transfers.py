"""Funds between levels: a transfer of unallocated money from one area's pool to another's, approved by both sides.

One service for both kinds of FundTransferProposal: those app.contributions.receive creates (another area's pledge
paid into this unit's account) and those staff propose (province → commune and back, commune/province →
central, province → province). Rules:

- the preparer belongs to the sending side; an approver of the sending side and one of the receiving side approve,
  both different from the preparer and from each other (maker–checker on both sides);
- the second approval carries it out: one ledger TRANSFER debits the receiving pool and credits the sending pool
  together (app.ledger.services.transfer), under the accounts' row locks; a sending pool that no longer holds the
  amount refuses it, so a transfer never takes money already allocated (allocated ≤ received per area holds);
- every step is audited; either side may reject with a reason.

Functions take a session, an Actor and the User, flush, and leave the commit to the request.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit_id
from app.accounts.models import Role, User
from app.audit.services import record
from app.contributions.models import Contribution, FundTransferProposal, TransferStatus
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import nfc
from app.core.transaction import DomainError
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.units.models import AdminUnit, UnitLevel

PREPARER_ROLES = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)


class TransferError(DomainError):
    """A refused transfer operation; the message is Vietnamese."""


def unit_label(unit: AdminUnit | None) -> str:
    return unit.name if unit is not None else "Trung ương"


def _unit(session: Session, unit_id: int | None) -> AdminUnit | None:
    if unit_id is None:
        return None
    unit = session.get(AdminUnit, unit_id)
    if unit is None:
        raise TransferError(N_("Địa bàn không hợp lệ."))
    return unit


def direction_allowed(source: AdminUnit | None, target: AdminUnit | None) -> bool:
    """Province → one of its communes (and back), commune or province → central, province → another province."""
    if source is None:
        return False
    if target is None:
        return source.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE)
    if source.level == UnitLevel.PROVINCE and target.level == UnitLevel.COMMUNE:
        return target.parent_id == source.id
    if source.level == UnitLevel.COMMUNE and target.level == UnitLevel.PROVINCE:
        return source.parent_id == target.id
    return source.level == target.level == UnitLevel.PROVINCE and source.id != target.id


def pool_balance(session: Session, fund_id: int, unit_id: int | None, purpose: Purpose) -> int:
    balance = session.execute(
        select(LedgerAccount.balance_vnd).where(
            LedgerAccount.key == LedgerAccount.make_key(fund_id, unit_id, AccountKind.UNALLOCATED, purpose)
        )
    ).scalar()
    return int(balance or 0)


def fund_of(session: Session, proposal: FundTransferProposal) -> int:
    if proposal.fund_id is not None:
        return proposal.fund_id
    contribution = session.get(Contribution, proposal.contribution_id) if proposal.contribution_id else None
    if contribution is None:
        return ledger.main_fund(session).id
    return contribution.campaign.fund_id


def propose(
    session: Session,
    actor: Actor,
    user: User,
    *,
    fund_id: int,
    from_unit_id: int | None,
    to_unit_id: int | None,
    purpose: Purpose,
    amount_vnd: int,
    note: str,
) -> FundTransferProposal:
    """Staff of the sending side propose moving unallocated money of one purpose to another area."""
    if user.role not in PREPARER_ROLES:
        raise TransferError(N_("Bạn không có quyền lập đề xuất điều chuyển."))
    source, target = _unit(session, from_unit_id), _unit(session, to_unit_id)
    if not can_access_unit_id(session, user, from_unit_id):
        raise TransferError(N_("Chỉ cán bộ của bên chuyển được lập đề xuất điều chuyển."))
    if not direction_allowed(source, target):
        raise TransferError(
            N_(
                "Nơi nhận: chỉ điều chuyển từ tỉnh xuống xã của tỉnh (và ngược lại), từ xã hoặc tỉnh lên Trung ương, "
                "hoặc giữa hai tỉnh."
            )
        )
    if not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise TransferError(N_("Số tiền: phải lớn hơn 0."))
    available = pool_balance(session, fund_id, from_unit_id, purpose)
    if amount_vnd > available:
        raise TransferError(
            N_(
                "Số tiền: quỹ chưa phân bổ của %(unit)s chỉ còn %(available)s.",
                unit=unit_label(source),
                available=format_vnd(available),
            )
        )
    note = nfc(note or "").strip()
    if not note:
        raise TransferError(N_("Lý do điều chuyển: chưa nhập."))
    proposal = FundTransferProposal(
        fund_id=fund_id,
        from_unit_id=from_unit_id,
        to_unit_id=to_unit_id,
        amount_vnd=amount_vnd,
        purpose=purpose,
        status=TransferStatus.PROPOSED,
        note=note,
        created_by_id=user.id,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        actor,
        "fund_transfer.propose",
        "fund_transfer_proposal",
        proposal.id,
        new={
            "from_unit_id": from_unit_id,
            "to_unit_id": to_unit_id,
            "purpose": purpose.value,
            "amount_vnd": amount_vnd,
        },
        unit_id=from_unit_id,
    )
    return proposal


def may_approve_side(session: Session, user: User, unit_id: int | None) -> bool:
    """Who decides for a side: central admins for the central level; a province's approvers for a province; for
    a commune, its staff or the province's approvers."""
    if not user.is_staff or not can_access_unit_id(session, user, unit_id):
        return False
    if user.role == Role.CENTRAL_ADMIN:
        return True
    unit = session.get(AdminUnit, unit_id) if unit_id is not None else None
    if unit is None:
        return False
    if unit.level == UnitLevel.PROVINCE:
        return user.role == Role.APPROVER
    return user.role in (Role.COMMUNE_STAFF, Role.APPROVER)


def sides_for(session: Session, user: User, proposal: FundTransferProposal) -> list[str]:
    """The sides ("from", "to") this user may still approve (none for the preparer or the other side's approver)."""
    if proposal.status != TransferStatus.PROPOSED or user.id == proposal.created_by_id:
        return []
    out = []
    if (
        proposal.from_approved_by_id is None
        and proposal.to_approved_by_id != user.id
        and may_approve_side(session, user, proposal.from_unit_id)
    ):
        out.append("from")
    if (
        proposal.to_approved_by_id is None
        and proposal.from_approved_by_id != user.id
        and may_approve_side(session, user, proposal.to_unit_id)
    ):
        out.append("to")
    return out


def _lock(session: Session, proposal_id: int) -> FundTransferProposal:
    proposal = session.execute(
        select(FundTransferProposal)
        .where(FundTransferProposal.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if proposal is None:
        raise TransferError(N_("Không tìm thấy đề xuất điều chuyển."))
    return proposal


def approve(session: Session, actor: Actor, user: User, proposal_id: int) -> FundTransferProposal:
    """Approve one side (the sending side first if this person may approve both); the second side's approval
    carries the transfer out in the ledger."""
    proposal = _lock(session, proposal_id)
    if not (
        can_access_unit_id(session, user, proposal.from_unit_id)
        or can_access_unit_id(session, user, proposal.to_unit_id)
    ):
        raise TransferError(N_("Không tìm thấy đề xuất điều chuyển."))
    if proposal.status != TransferStatus.PROPOSED:
        raise TransferError(
            N_("Đề xuất điều chuyển này đã ở trạng thái “%(status)s”.", status=proposal.status_label)
        )
    if user.id == proposal.created_by_id:
        raise TransferError(
            N_("Người lập đề xuất điều chuyển không được tự phê duyệt: cần người khác của mỗi bên.")
        )
    sides = sides_for(session, user, proposal)
    if not sides:
        if user.id in (proposal.from_approved_by_id, proposal.to_approved_by_id):
            raise TransferError(N_("Bạn đã phê duyệt một bên; bên còn lại phải do người khác phê duyệt."))
        raise TransferError(N_("Bạn không có quyền phê duyệt đề xuất điều chuyển này."))
    side = sides[0]
    now = utcnow()
    if side == "from":
        proposal.from_approved_by_id, proposal.from_approved_at = user.id, now
        side_unit = proposal.from_unit_id
    else:
        proposal.to_approved_by_id, proposal.to_approved_at = user.id, now
        side_unit = proposal.to_unit_id
    session.flush()
    record(
        session,
        actor,
        "fund_transfer.approve_from" if side == "from" else "fund_transfer.approve_to",
        "fund_transfer_proposal",
        proposal.id,
        new={"side": side, "amount_vnd": proposal.amount_vnd},
        unit_id=side_unit,
    )
    if proposal.from_approved_by_id is not None and proposal.to_approved_by_id is not None:
        _carry_out(session, actor, user, proposal)
    return proposal


def _carry_out(session: Session, actor: Actor, user: User, proposal: FundTransferProposal) -> None:
    source, target = _unit(session, proposal.from_unit_id), _unit(session, proposal.to_unit_id)
    try:
        tx = ledger.transfer(
            session,
            actor,
            fund_id=fund_of(session, proposal),
            from_unit_id=proposal.from_unit_id,
            from_purpose=proposal.purpose,
            to_unit_id=proposal.to_unit_id,
            to_purpose=proposal.purpose,
            amount_vnd=proposal.amount_vnd,
            occurred_on=today_vn(),
            memo=f"Điều chuyển #{proposal.id}: {unit_label(source)} → {unit_label(target)}",
            source_type="fund_transfer",
            source_id=proposal.id,
            idempotency_key=f"fund_transfer:{proposal.id}",
        )
    except ledger.InsufficientFunds as exc:
        raise TransferError(
            N_(
                "Không điều chuyển được: quỹ chưa phân bổ của %(unit)s không còn đủ %(amount)s "
                "(tiền đã phân bổ cho hộ không được điều chuyển). %(error)s",
                unit=unit_label(source),
                amount=format_vnd(proposal.amount_vnd),
                error=exc,
            )
        ) from exc
    proposal.status = TransferStatus.DONE
    proposal.ledger_transaction_id = tx.id
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "fund_transfer.done",
        "fund_transfer_proposal",
        proposal.id,
        old={"status": TransferStatus.PROPOSED},
        new={"status": TransferStatus.DONE, "ledger_transaction_id": tx.id},
        unit_id=proposal.from_unit_id,
    )


def reject(session: Session, actor: Actor, user: User, proposal_id: int, reason: str) -> FundTransferProposal:
    """Either side's approver refuses the transfer, with a reason (the money stays where it is)."""
    proposal = _lock(session, proposal_id)
    if not (
        may_approve_side(session, user, proposal.from_unit_id)
        or may_approve_side(session, user, proposal.to_unit_id)
    ):
        raise TransferError(N_("Bạn không có quyền quyết định đề xuất điều chuyển này."))
    if proposal.status != TransferStatus.PROPOSED:
        raise TransferError(
            N_("Đề xuất điều chuyển này đã ở trạng thái “%(status)s”.", status=proposal.status_label)
        )
    if user.id == proposal.created_by_id:
        raise TransferError(N_("Người lập đề xuất không tự quyết định đề xuất của mình."))
    reason = nfc(reason or "").strip()
    if not reason:
        raise TransferError(N_("Lý do không chuyển: chưa nhập."))
    proposal.status = TransferStatus.REJECTED
    proposal.decision_reason = reason
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "fund_transfer.reject",
        "fund_transfer_proposal",
        proposal.id,
        old={"status": TransferStatus.PROPOSED},
        new={"status": TransferStatus.REJECTED, "reason": reason},
        unit_id=proposal.from_unit_id,
    )
    return proposal
