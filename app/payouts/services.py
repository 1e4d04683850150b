"""Payouts with two people and proof (issue 18 items 1–3): payment details, orders, approval, bank file, paid.

Who may do what (docs/PAYOUTS.md):
- payment details and orders are entered by staff of the need's area (commune staff, province staff, central
  admins); approval needs a province role (province staff, approver) or a central admin, in the area, and a
  person who is none of: the order's preparer or any later editor (payout_editors), anyone who entered or changed
  the household's payment details (payment_details_editors), anyone who entered or edited the need itself (its
  proposer and the need.create / need.update entries of the audit log). The person who approved the need (or the
  matching allocation) may approve its payout: approving eligibility and approving a payment to the approved
  household are the same authority (the chủ tài khoản); what maker–checker separates is who wrote the figures
  and the account from who signs them off.
- approval freezes the amount and the details' version; a later edit of either sends the order back to pending.
- paying an order always goes through app.needs.funding.disburse_need (one path for a tranche on the ledger):
  by the bank's matching debit (match_debit, reference CT-PO-000123 in the description) or, for cash, by a second
  person confirming the signed receipt someone else uploaded.

Locks: always the need first (lock_need), then the order (FOR UPDATE): two approvals or two payments of one
order serialise and the second sees the first's result.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import Role, User
from app.audit.models import AuditEntry
from app.audit.services import record
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ, today_vn
from app.core.makerchecker import refuse_own_work, require_status, required_reason
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.spreadsheet import SafeCSVWriter
from app.core.text import initials, nfc
from app.core.transaction import DomainError
from app.core.uploads import read_proof_upload, store_bytes
from app.needs import crypto
from app.needs.funding import DISBURSABLE_STATUSES, disburse_need
from app.needs.models import HouseholdNeed, NeedStatus, TrancheKind
from app.needs.registry import NeedError, lock_need
from app.payouts.closing import close_with_reason
from app.payouts.models import (
    OPEN_STATUSES,
    SIGNED_PROOFS,
    DetailsEditor,
    OrderStatus,
    PaymentDetails,
    PayMethod,
    PayoutBatch,
    PayoutEditor,
    PayoutOrder,
    PayoutProof,
    ProofKind,
)
from app.units.models import AdminUnit

ENTRY_ROLES = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.CENTRAL_ADMIN)
APPROVE_ROLES = (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)
MIN_REASON_CHARS = 10
PROOF_SUBDIR = "payouts/proofs"


class PayoutError(DomainError):
    """A refused payout action (Vietnamese message)."""


# ----------------------------------------------------------------------------------------- helpers
def _check_area(user: User | None, need: HouseholdNeed) -> None:
    if user is not None and not can_access_unit(user, need.commune):
        raise PayoutError(N_("Hộ này không thuộc địa bàn của bạn."))


def _check_role(user: User | None, roles: tuple[Role, ...], message: str) -> None:
    if user is not None and user.role not in roles:
        raise PayoutError(message)


def _lock_need(session: Session, need_id: int) -> HouseholdNeed:
    try:
        return lock_need(session, need_id)
    except NeedError as exc:
        raise PayoutError(*exc.args) from exc


def _lock_order(session: Session, order_id: int) -> tuple[HouseholdNeed, PayoutOrder]:
    """The order and its need, locked in the one order every payout action uses: the need, then the order."""
    need_id = session.execute(
        select(PayoutOrder.need_id).where(PayoutOrder.id == order_id)
    ).scalar_one_or_none()
    if need_id is None:
        raise PayoutError(N_("Không tìm thấy lệnh chi."))
    need = _lock_need(session, need_id)
    order = session.execute(
        select(PayoutOrder)
        .where(PayoutOrder.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return need, order


def details_of(session: Session, need_id: int) -> PaymentDetails | None:
    return session.execute(
        select(PaymentDetails).where(PaymentDetails.need_id == need_id)
    ).scalar_one_or_none()


def _digits(value: str | None) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def _account_digest(account_number: str) -> str:
    # the same keyed blind index as the citizen ID (app.needs.crypto), over the account's digits
    return crypto.citizen_digest("acct:" + account_number) or ""


def _mark_editor(session: Session, order: PayoutOrder, user_id: int | None, action: str) -> None:
    if user_id is None:
        return
    exists = session.execute(
        select(PayoutEditor.id).where(PayoutEditor.order_id == order.id, PayoutEditor.user_id == user_id)
    ).first()
    if exists is None:
        session.add(PayoutEditor(order_id=order.id, user_id=user_id, first_action=action))


def order_editors(session: Session, order_id: int) -> set[int]:
    return set(
        session.execute(select(PayoutEditor.user_id).where(PayoutEditor.order_id == order_id)).scalars()
    )


def details_editors(session: Session, need_id: int) -> set[int]:
    return set(
        session.execute(
            select(DetailsEditor.user_id)
            .join(PaymentDetails, PaymentDetails.id == DetailsEditor.details_id)
            .where(PaymentDetails.need_id == need_id)
        ).scalars()
    )


def need_editors(session: Session, need: HouseholdNeed) -> set[int]:
    """Who entered or edited the need's data (its proposer and every need.create / need.update in the audit log)."""
    ids = set(
        session.execute(
            select(AuditEntry.user_id).where(
                AuditEntry.entity_type == "household_need",
                AuditEntry.entity_id == str(need.id),
                AuditEntry.action.in_(("need.create", "need.update")),
                AuditEntry.user_id.is_not(None),
            )
        ).scalars()
    )
    if need.proposed_by_id is not None:
        ids.add(need.proposed_by_id)
    return {i for i in ids if i is not None}


def _committed_vnd(session: Session, need_id: int, *, excluding: int | None = None) -> int:
    """Money of the need already promised to open orders (pending, approved, exported)."""
    q = select(func.coalesce(func.sum(PayoutOrder.amount_vnd), 0)).where(
        PayoutOrder.need_id == need_id, PayoutOrder.status.in_(OPEN_STATUSES)
    )
    if excluding is not None:
        q = q.where(PayoutOrder.id != excluding)
    return int(session.execute(q).scalar_one())


def _check_amount(
    session: Session, need: HouseholdNeed, amount_vnd: int, *, excluding: int | None = None
) -> None:
    if amount_vnd <= 0:
        raise PayoutError(N_("Số tiền: phải lớn hơn 0."), field="amount")
    if need.status not in DISBURSABLE_STATUSES:
        raise PayoutError(
            N_(
                "Chưa lập lệnh chi được: hộ đang “%(status)s” (cần được bố trí đủ kinh phí).",
                status=need.status_label,
            )
        )
    available = need.funded_vnd - need.disbursed_vnd - _committed_vnd(session, need.id, excluding=excluding)
    if amount_vnd > available:
        raise PayoutError(
            N_(
                "Số tiền: vượt số đã bố trí cho hộ còn chưa chi hay chưa lập lệnh (%(available)s).",
                available=format_vnd(max(available, 0)),
            ),
            field="amount",
        )


def _send_back(session: Session, actor: Actor, order: PayoutOrder, why: str) -> None:
    """An approved order whose amount or beneficiary changed goes back for approval."""
    old = {"status": order.status, "approved_by_id": order.approved_by_id}
    order.status = OrderStatus.PENDING
    order.approved_by_id = None
    order.approved_at = None
    order.approved_amount_vnd = None
    order.approved_details_version = None
    order.version += 1
    record(
        session,
        actor,
        "payout.back_to_pending",
        "payout_order",
        order.id,
        old=old,
        new={"status": order.status, "why": why},
        unit_id=order.commune_id,
    )


# ----------------------------------------------------------------------------------------- payment details
@dataclass(frozen=True)
class DetailsInput:
    method: PayMethod
    bank_name: str = ""
    account_number: str = ""
    holder_name: str = ""
    recipient_name: str = ""
    witness_name: str = ""


@dataclass(frozen=True)
class Masked:
    """What staff see without a reveal."""

    method_label: str
    bank_name: str
    account: str  # "…1234"
    holder: str  # initials
    recipient: str
    witness: str


@dataclass(frozen=True)
class Revealed:
    bank_name: str
    account_number: str
    holder_name: str
    recipient_name: str
    witness_name: str


def masked(details: PaymentDetails) -> Masked:
    def ini(token: str | None) -> str:
        return initials(crypto.decrypt(token) or "") if token else ""

    return Masked(
        method_label=details.method_label,
        bank_name=details.bank_name,
        account=f"…{details.account_last4}" if details.account_last4 else "",
        holder=ini(details.holder_name_enc),
        recipient=ini(details.recipient_name_enc),
        witness=ini(details.witness_name_enc),
    )


def set_payment_details(
    session: Session, actor: Actor, user: User | None, need_id: int, data: DetailsInput
) -> PaymentDetails:
    """Enter or change how a household is paid. Approved orders of the need go back for approval (their
    beneficiary changed); refused while an order is in a bank file awaiting the bank's debit."""
    need = _lock_need(session, need_id)
    _check_area(user, need)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh nhập được thông tin nhận tiền của hộ.")
    method = PayMethod(data.method)
    bank_name = (nfc(data.bank_name) or "").strip()
    account = _digits(data.account_number)
    holder = (nfc(data.holder_name) or "").strip()
    recipient = (nfc(data.recipient_name) or "").strip()
    witness = (nfc(data.witness_name) or "").strip()
    if method == PayMethod.BANK:
        if not bank_name:
            raise PayoutError(N_("Ngân hàng: chưa nhập."), field="bank_name")
        if not re.fullmatch(r"\d{6,19}", account):
            raise PayoutError(N_("Số tài khoản: gồm 6 đến 19 chữ số."), field="account_number")
        if not holder:
            raise PayoutError(N_("Chủ tài khoản: chưa nhập."), field="holder_name")
        recipient = witness = ""
    else:
        if not recipient:
            raise PayoutError(N_("Người nhận tiền mặt: chưa nhập."), field="recipient_name")
        if not witness:
            raise PayoutError(N_("Người làm chứng: chưa nhập."), field="witness_name")
        if witness.casefold() == recipient.casefold():
            raise PayoutError(N_("Người làm chứng phải khác người nhận."), field="witness_name")
        bank_name = account = holder = ""
    if len(bank_name) > 120 or max(len(holder), len(recipient), len(witness)) > 255:
        raise PayoutError(N_("Thông tin nhận tiền: quá dài."))
    exported = session.execute(
        select(func.count()).where(PayoutOrder.need_id == need.id, PayoutOrder.status == OrderStatus.EXPORTED)
    ).scalar_one()
    if exported:
        raise PayoutError(
            N_(
                "Không đổi được thông tin nhận tiền: có lệnh chi đã xuất tệp ngân hàng đang chờ ngân hàng báo nợ."
            )
        )
    details = details_of(session, need.id)
    old: dict[str, Any] | None = None
    if details is None:
        details = PaymentDetails(need_id=need.id, version=1, method=method)
        session.add(details)
    else:
        old = {"method": details.method, "masked": details.masked, "version": details.version}
        details.version += 1
    details.method = method
    details.bank_name = bank_name
    details.account_number_enc = crypto.encrypt(account)
    details.account_last4 = account[-4:]
    details.account_digest = _account_digest(account) if account else None
    details.holder_name_enc = crypto.encrypt(holder)
    details.recipient_name_enc = crypto.encrypt(recipient)
    details.witness_name_enc = crypto.encrypt(witness)
    details.updated_by_id = actor.user_id
    session.flush()
    if actor.user_id is not None and actor.user_id not in details_editors(session, need.id):
        session.add(DetailsEditor(details_id=details.id, user_id=actor.user_id))
    if old is not None:
        approved = session.execute(
            select(PayoutOrder)
            .where(PayoutOrder.need_id == need.id, PayoutOrder.status == OrderStatus.APPROVED)
            .with_for_update()
        ).scalars()
        for order in approved:
            _send_back(session, actor, order, "payment_details")
    for order in session.execute(
        select(PayoutOrder).where(PayoutOrder.need_id == need.id, PayoutOrder.status == OrderStatus.PENDING)
    ).scalars():
        order.method = method
    session.flush()
    record(
        session,
        actor,
        "payout.details_set",
        "household_need",
        need.id,
        old=old,
        new={"method": method, "masked": details.masked, "version": details.version},
        unit_id=need.commune_id,
    )
    return details


def reveal_payment_details(session: Session, actor: Actor, user: User, need_id: int, reason: str) -> Revealed:
    """Decrypt a household's payment details for staff of its area, with a typed reason kept in the audit log."""
    need = session.get(HouseholdNeed, need_id)
    if need is None:
        raise PayoutError(N_("Không tìm thấy hộ cần hỗ trợ."))
    if not user.is_staff or not can_access_unit(user, need.commune):
        raise PayoutError(N_("Bạn không có quyền xem thông tin nhận tiền của hộ này."))
    reason = (nfc(reason) or "").strip()
    if len(reason) < MIN_REASON_CHARS:
        raise PayoutError(
            N_(
                "Lý do xem: cần ghi rõ (ít nhất %(n)s ký tự), ví dụ “đối chiếu ủy nhiệm chi số …”.",
                n=MIN_REASON_CHARS,
            ),
            field="reason",
        )
    if len(reason) > 500:
        raise PayoutError(N_("Lý do xem: quá dài (tối đa 500 ký tự)."), field="reason")
    details = details_of(session, need.id)
    if details is None:
        raise PayoutError(N_("Hộ này chưa có thông tin nhận tiền."))
    record(
        session,
        actor,
        "payout.details_reveal",
        "household_need",
        need.id,
        new={"reason": reason, "version": details.version},
        unit_id=need.commune_id,
    )
    session.flush()
    return Revealed(
        bank_name=details.bank_name,
        account_number=crypto.decrypt(details.account_number_enc) or "",
        holder_name=crypto.decrypt(details.holder_name_enc) or "",
        recipient_name=crypto.decrypt(details.recipient_name_enc) or "",
        witness_name=crypto.decrypt(details.witness_name_enc) or "",
    )


# ----------------------------------------------------------------------------------------- orders
def prepare_order(
    session: Session,
    actor: Actor,
    user: User | None,
    need_id: int,
    amount_vnd: int,
    tranche: TrancheKind,
    note: str = "",
) -> PayoutOrder:
    """The maker: a tranche of the need's allocation to pay, awaiting another person's approval."""
    need = _lock_need(session, need_id)
    _check_area(user, need)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh lập được lệnh chi.")
    details = details_of(session, need.id)
    if details is None:
        raise PayoutError(N_("Chưa có thông tin nhận tiền của hộ (tài khoản hoặc giao tiền mặt)."))
    _check_amount(session, need, amount_vnd)
    order = PayoutOrder(
        need_id=need.id,
        commune_id=need.commune_id,
        tranche=TrancheKind(tranche),
        amount_vnd=amount_vnd,
        method=details.method,
        note=(nfc(note) or "").strip()[:2000],
        status=OrderStatus.PENDING,
        prepared_by_id=actor.user_id,
        version=1,
    )
    session.add(order)
    session.flush()
    _mark_editor(session, order, actor.user_id, "prepare")
    record(
        session,
        actor,
        "payout.prepare",
        "payout_order",
        order.id,
        new={"need_id": need.id, "amount_vnd": amount_vnd, "tranche": order.tranche, "method": order.method},
        unit_id=need.commune_id,
    )
    session.flush()
    return order


def edit_order(
    session: Session,
    actor: Actor,
    user: User | None,
    order_id: int,
    amount_vnd: int,
    tranche: TrancheKind,
    note: str = "",
) -> PayoutOrder:
    """Change an order not yet in a bank file; an approved order goes back for approval, and the editor can no
    longer approve it."""
    need, order = _lock_order(session, order_id)
    _check_area(user, need)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh sửa được lệnh chi.")
    if order.status not in (OrderStatus.PENDING, OrderStatus.APPROVED):
        raise PayoutError(N_("Không sửa được lệnh chi đang “%(status)s”.", status=order.status_label))
    _check_amount(session, need, amount_vnd, excluding=order.id)
    old = {
        "amount_vnd": order.amount_vnd,
        "tranche": order.tranche,
        "note": order.note,
        "status": order.status,
    }
    order.amount_vnd = amount_vnd
    order.tranche = TrancheKind(tranche)
    order.note = (nfc(note) or "").strip()[:2000]
    if order.status == OrderStatus.APPROVED:
        _send_back(session, actor, order, "order_edit")
    else:
        order.version += 1
    _mark_editor(session, order, actor.user_id, "edit")
    session.flush()
    record(
        session,
        actor,
        "payout.edit",
        "payout_order",
        order.id,
        old=old,
        new={"amount_vnd": amount_vnd, "tranche": order.tranche, "note": order.note, "status": order.status},
        unit_id=order.commune_id,
    )
    return order


def approve_order(session: Session, actor: Actor, user: User, order_id: int) -> PayoutOrder:
    """The checker: a different person from everyone who prepared or changed the order, its payment details or
    the need, in a province role in the area. Freezes the amount and the payment details' version."""
    need, order = _lock_order(session, order_id)
    _check_area(user, need)
    _check_role(user, APPROVE_ROLES, "Chỉ cán bộ cấp tỉnh hoặc người phê duyệt được duyệt lệnh chi.")
    if order.status != OrderStatus.PENDING:
        raise PayoutError(
            N_(
                "Lệnh chi %(ref)s đang “%(status)s”, không duyệt lại được.",
                ref=order.reference,
                status=order.status_label,
            )
        )
    refuse_own_work(
        user.id,
        [
            (
                {*order_editors(session, order.id), order.prepared_by_id},
                N_("Người lập hoặc đã sửa lệnh chi không được tự duyệt lệnh đó."),
            ),
            (
                details_editors(session, need.id),
                N_("Người đã nhập hoặc sửa thông tin nhận tiền của hộ không được duyệt lệnh chi của hộ."),
            ),
            (
                need_editors(session, need),
                N_("Người đã đề xuất hoặc sửa hồ sơ của hộ không được duyệt lệnh chi của hộ."),
            ),
        ],
        PayoutError,
    )
    details = details_of(session, need.id)
    if details is None:
        raise PayoutError(N_("Chưa có thông tin nhận tiền của hộ."))
    _check_amount(session, need, order.amount_vnd, excluding=order.id)
    order.status = OrderStatus.APPROVED
    order.approved_by_id = user.id
    order.approved_at = utcnow()
    order.approved_amount_vnd = order.amount_vnd
    order.approved_details_version = details.version
    order.method = details.method
    order.version += 1
    session.flush()
    record(
        session,
        actor,
        "payout.approve",
        "payout_order",
        order.id,
        old={"status": OrderStatus.PENDING},
        new={
            "status": order.status,
            "amount_vnd": order.amount_vnd,
            "details_version": details.version,
            "details": details.masked,
        },
        unit_id=order.commune_id,
    )
    return order


def cancel_order(
    session: Session, actor: Actor, user: User | None, order_id: int, reason: str
) -> PayoutOrder:
    need, order = _lock_order(session, order_id)
    _check_area(user, need)
    _check_role(user, (*ENTRY_ROLES, Role.APPROVER), "Bạn không hủy được lệnh chi.")
    reason = required_reason(reason, N_("Lý do hủy: chưa nhập."), PayoutError)
    require_status(
        order.status,
        {OrderStatus.PENDING, OrderStatus.APPROVED},
        N_("Không hủy được lệnh chi đang “%(status)s”."),
        PayoutError,
        status=order.status_label,
    )
    close_with_reason(
        session,
        actor,
        order,
        status=OrderStatus.CANCELLED,
        reason=reason,
        action="payout.cancel",
        entity_type="payout_order",
        unit_id=order.commune_id,
    )
    return order


def _pay(
    session: Session,
    actor: Actor,
    need: HouseholdNeed,
    order: PayoutOrder,
    *,
    occurred_on: date,
    document_ref: str,
    note: str,
) -> PayoutOrder:
    """Pay a locked, approved order through the one tranche path (disburse_need), after checking that what is
    paid is what was approved."""
    if order.status not in (OrderStatus.APPROVED, OrderStatus.EXPORTED):
        raise PayoutError(
            N_(
                "Lệnh chi %(ref)s đang “%(status)s”, không chi được.",
                ref=order.reference,
                status=order.status_label,
            )
        )
    details = details_of(session, need.id)
    if (
        order.approved_amount_vnd != order.amount_vnd
        or details is None
        or order.approved_details_version != details.version
    ):
        raise PayoutError(
            N_("Lệnh chi %(ref)s đã thay đổi sau khi duyệt: cần duyệt lại.", ref=order.reference)
        )
    try:
        disbursement = disburse_need(
            session,
            actor,
            need.id,
            order.amount_vnd,
            document_ref[:120],
            tranche=order.tranche,
            occurred_on=min(occurred_on, today_vn()),
            note=note,
        )
    except NeedError as exc:
        raise PayoutError(*exc.args) from exc
    old = order.status
    order.status = OrderStatus.PAID
    order.paid_on = disbursement.occurred_on
    order.disbursement_id = disbursement.id
    order.version += 1
    session.flush()
    record(
        session,
        actor,
        "payout.paid",
        "payout_order",
        order.id,
        old={"status": old},
        new={
            "status": order.status,
            "disbursement_id": disbursement.id,
            "amount_vnd": order.amount_vnd,
            "paid_on": order.paid_on,
            "paid_by_id": order.paid_by_id,
        },
        unit_id=order.commune_id,
    )
    return order


def tranche_reversed(session: Session, actor: Actor, disbursement_id: int) -> PayoutOrder | None:
    """The tranche a paid order paid was reversed (app.needs.funding.reverse_disbursement, the one path): the order
    moves from paid to reversed ("Đã hoàn chi"), so it no longer reads as money that reached the household. A new
    order is prepared (and approved by a second person) if the household is to be paid again."""
    order = session.execute(
        select(PayoutOrder)
        .where(PayoutOrder.disbursement_id == disbursement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None or order.status != OrderStatus.PAID:
        return None
    order.status = OrderStatus.REVERSED
    order.version += 1
    session.flush()
    record(
        session,
        actor,
        "payout.reversed",
        "payout_order",
        order.id,
        old={"status": OrderStatus.PAID},
        new={"status": order.status, "disbursement_id": disbursement_id},
        unit_id=order.commune_id,
    )
    return order


# ----------------------------------------------------------------------------------------- bank
_REFERENCE = re.compile(r"CT[\s._\-]*PO[\s._\-]*(\d{1,12})", re.IGNORECASE)


def _booked_day(booked_at: datetime | date) -> date:
    if isinstance(booked_at, datetime):
        return booked_at.astimezone(VN_TZ).date() if booked_at.tzinfo else booked_at.date()
    return booked_at


def _account_may_pay(session: Session, account: OfficialBankAccount, order: PayoutOrder) -> bool:
    if order.batch_id is not None:
        batch = session.get_one(PayoutBatch, order.batch_id)
        return batch.paying_account_id == account.id
    if account.unit_id is None or account.unit_id == order.commune_id:
        return True
    commune = session.get_one(AdminUnit, order.commune_id)
    return commune.parent_id == account.unit_id


def match_debit(
    session: Session, *, account_number: str, amount_vnd: int, reference_text: str, booked_at: datetime | date
) -> PayoutOrder | None:
    """A DEBIT on one of our official accounts (bank feed or statement line): when its description carries an
    order's code (CT-PO-000123) and the amount is the approved amount, paid from an account allowed to pay it, the
    order is marked paid through disburse_need on the booking day. Returns the order, or None when nothing matches
    (no code, unknown account, another amount, an order not approved or already paid): the line is left for a
    person. Call it in the transaction that stores the debit line."""
    amount_vnd = int(amount_vnd)
    if amount_vnd <= 0:
        return None
    account = session.execute(
        select(OfficialBankAccount).where(OfficialBankAccount.account_number == _digits(account_number))
    ).scalar_one_or_none()
    if account is None:
        return None
    for m in _REFERENCE.finditer(nfc(reference_text) or ""):
        order_id = int(m.group(1))
        found = session.get(PayoutOrder, order_id)
        if found is None or found.method != PayMethod.BANK:
            continue
        need, order = _lock_order(session, order_id)
        if order.status not in (OrderStatus.APPROVED, OrderStatus.EXPORTED):
            return None
        if order.approved_amount_vnd != amount_vnd or not _account_may_pay(session, account, order):
            return None
        order.bank_reference = (nfc(reference_text) or "")[:255]
        try:
            return _pay(
                session,
                Actor.system("bank debit"),
                need,
                order,
                occurred_on=_booked_day(booked_at),
                document_ref=f"{order.reference} (ngân hàng báo nợ)",
                note=f"Ngân hàng báo nợ tài khoản …{account.account_number[-4:]}",
            )
        except PayoutError:
            return None
    return None


BANK_FILE_COLUMNS = (
    "STT",
    "Số tài khoản người nhận",
    "Tên người nhận",
    "Ngân hàng người nhận",
    "Số tiền",
    "Nội dung chuyển khoản",
)


def _transfer_description(order: PayoutOrder) -> str:
    # Bank descriptions are safest in ASCII without diacritics; the code is what the debit is matched by.
    return f"{order.reference} Ho tro ho {order.need_id} dot {order.tranche.value}"


def export_batch(
    session: Session, actor: Actor, user: User, order_ids: list[int], paying_account_id: int
) -> PayoutBatch:
    """Put approved bank orders into one bank payment file (docs/PAYOUTS.md), to be uploaded to the paying
    account's internet banking. The orders wait for the bank's debit (match_debit)."""
    _check_role(user, APPROVE_ROLES + (Role.COMMUNE_STAFF,), "Bạn không xuất được tệp chi.")
    account = session.get(OfficialBankAccount, paying_account_id)
    if account is None or not account.is_active:
        raise PayoutError(N_("Tài khoản chi: không tìm thấy."), field="paying_account_id")
    if account.unit_id is None and user.role != Role.CENTRAL_ADMIN:
        raise PayoutError(N_("Tài khoản chi: không thuộc địa bàn của bạn."), field="paying_account_id")
    if account.unit_id is not None and not can_access_unit(user, account.unit):
        raise PayoutError(N_("Tài khoản chi: không thuộc địa bàn của bạn."), field="paying_account_id")
    if not order_ids:
        raise PayoutError(N_("Chưa chọn lệnh chi nào."))
    orders: list[PayoutOrder] = []
    for oid in sorted(set(order_ids)):
        need, order = _lock_order(session, oid)
        _check_area(user, need)
        if order.status != OrderStatus.APPROVED or order.method != PayMethod.BANK:
            raise PayoutError(
                N_("Lệnh chi %(ref)s: chỉ xuất được lệnh chuyển khoản đã duyệt.", ref=order.reference)
            )
        if not _account_may_pay(session, account, order):
            raise PayoutError(
                N_("Lệnh chi %(ref)s: tài khoản chi không thuộc cấp chi cho hộ này.", ref=order.reference)
            )
        orders.append(order)
    batch = PayoutBatch(
        paying_account_id=account.id,
        order_count=len(orders),
        total_vnd=sum(o.amount_vnd for o in orders),
        created_by_id=actor.user_id,
    )
    session.add(batch)
    session.flush()
    for order in orders:
        order.batch_id = batch.id
        order.status = OrderStatus.EXPORTED
        order.version += 1
    session.flush()
    record(
        session,
        actor,
        "payout.batch_export",
        "payout_batch",
        batch.id,
        new={"orders": [o.id for o in orders], "total_vnd": batch.total_vnd, "paying_account_id": account.id},
        unit_id=account.unit_id,
    )
    return batch


def batch_file(session: Session, actor: Actor, user: User, batch_id: int) -> bytes:
    """The batch as the bank payment CSV (UTF-8 with BOM, every cell neutralised). It holds the households'
    account numbers, so every download is audited; it is never offered anywhere but to staff of the area."""
    batch = session.get(PayoutBatch, batch_id)
    if batch is None:
        raise PayoutError(N_("Không tìm thấy tệp chi."))
    account = session.get_one(OfficialBankAccount, batch.paying_account_id)
    if user.role != Role.CENTRAL_ADMIN and (account.unit is None or not can_access_unit(user, account.unit)):
        raise PayoutError(N_("Tệp chi này không thuộc địa bàn của bạn."))
    _check_role(user, APPROVE_ROLES + (Role.COMMUNE_STAFF,), "Bạn không tải được tệp chi.")
    orders = list(
        session.execute(
            select(PayoutOrder).where(PayoutOrder.batch_id == batch.id).order_by(PayoutOrder.id)
        ).scalars()
    )
    out = io.StringIO()
    writer = SafeCSVWriter(out)
    writer.writerow(BANK_FILE_COLUMNS)
    for n, order in enumerate(orders, start=1):
        details = session.execute(
            select(PaymentDetails).where(PaymentDetails.need_id == order.need_id)
        ).scalar_one()
        writer.writerow(
            [
                n,
                crypto.decrypt(details.account_number_enc) or "",
                crypto.decrypt(details.holder_name_enc) or "",
                details.bank_name,
                order.amount_vnd,
                _transfer_description(order),
            ]
        )
    record(
        session,
        actor,
        "payout.batch_download",
        "payout_batch",
        batch.id,
        new={"orders": len(orders), "total_vnd": batch.total_vnd},
        unit_id=account.unit_id,
    )
    session.flush()
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ----------------------------------------------------------------------------------------- proof and cash
def upload_proof(
    session: Session,
    actor: Actor,
    user: User | None,
    need_id: int,
    file_storage: Any,
    kind: ProofKind,
    *,
    order_id: int | None = None,
    stage: NeedStatus | None = None,
    document_ref: str = "",
) -> PayoutProof:
    """Keep a proof document (image re-encoded without metadata, PDF as uploaded) for staff of the area."""
    need = _lock_need(session, need_id)
    _check_area(user, need)
    _check_role(user, (*ENTRY_ROLES, Role.APPROVER), "Bạn không tải chứng từ lên được.")
    if order_id is not None:
        order = session.get(PayoutOrder, order_id)
        if order is None or order.need_id != need.id:
            raise PayoutError(N_("Lệnh chi không thuộc hộ này."))
    document_ref = (nfc(document_ref) or "").strip()
    if len(document_ref) > 120:
        raise PayoutError(N_("Số chứng từ: quá dài."), field="document_ref")
    file_kind, data = read_proof_upload(file_storage)
    stored = store_bytes(data, file_kind, getattr(file_storage, "filename", ""), PROOF_SUBDIR)
    rel = stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix()
    proof = PayoutProof(
        need_id=need.id,
        order_id=order_id,
        stage=stage,
        kind=ProofKind(kind),
        file_kind=file_kind,
        path=rel,
        sha256=stored.sha256,
        size=stored.size,
        original_name=stored.original_name,
        document_ref=document_ref,
        uploaded_by_id=actor.user_id,
    )
    session.add(proof)
    session.flush()
    record(
        session,
        actor,
        "payout.proof_add",
        "household_need",
        need.id,
        new={"proof_id": proof.id, "kind": proof.kind, "order_id": order_id, "file_kind": file_kind},
        unit_id=need.commune_id,
    )
    return proof


def proof_path(proof: PayoutProof) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / proof.path).resolve()
    if root not in path.parents:
        raise PayoutError(N_("Đường dẫn chứng từ không hợp lệ."))
    return path


def confirm_cash_paid(
    session: Session, actor: Actor, user: User, order_id: int, proof_id: int, *, paid_on: date | None = None
) -> PayoutOrder:
    """Cash: the signed receipt of this order was uploaded by one person; a second person confirms it and the
    tranche is paid (disburse_need)."""
    need, order = _lock_order(session, order_id)
    _check_area(user, need)
    _check_role(user, (*APPROVE_ROLES, Role.COMMUNE_STAFF), "Bạn không xác nhận được khoản chi.")
    if order.method != PayMethod.CASH:
        raise PayoutError(
            N_("Lệnh chuyển khoản được đánh dấu đã chi khi ngân hàng báo nợ, không xác nhận tay.")
        )
    proof = session.get(PayoutProof, proof_id)
    if proof is None or proof.order_id != order.id or proof.kind not in SIGNED_PROOFS:
        raise PayoutError(N_("Cần phiếu chi hoặc biên bản giao nhận có chữ ký của lệnh chi này."))
    if proof.uploaded_by_id == user.id:
        raise PayoutError(N_("Người tải chứng từ lên không tự xác nhận được: cần người thứ hai."))
    day = paid_on or today_vn()
    if day > today_vn():
        raise PayoutError(N_("Ngày chi: không được sau hôm nay."))
    order.cash_proof_id = proof.id
    order.paid_by_id = user.id
    ref = proof.document_ref or order.reference
    return _pay(
        session,
        actor,
        need,
        order,
        occurred_on=day,
        document_ref=f"{ref} ({order.reference})" if proof.document_ref else ref,
        note="Giao tiền mặt, có chứng từ ký nhận",
    )


def orders_of_need(session: Session, need_id: int) -> list[PayoutOrder]:
    return list(
        session.execute(
            select(PayoutOrder).where(PayoutOrder.need_id == need_id).order_by(PayoutOrder.id)
        ).scalars()
    )


def proofs_of_need(session: Session, need_id: int) -> list[PayoutProof]:
    return list(
        session.execute(
            select(PayoutProof).where(PayoutProof.need_id == need_id).order_by(PayoutProof.id)
        ).scalars()
    )


def match_statement_debits(session: Session, statement_id: int) -> list[PayoutOrder]:
    """match_debit for every debit line of an imported statement whose description names an order (CT-PO-…): the
    statement file pays what the bank feed did not already report (an order already paid is left alone)."""
    from app.payments.models import LineStatus, StatementLine  # payments imports this module

    paid: list[PayoutOrder] = []
    rows = session.execute(
        select(
            StatementLine.txn_at,
            StatementLine.amount_vnd,
            StatementLine.memo,
            OfficialBankAccount.account_number,
        )
        .join(OfficialBankAccount, OfficialBankAccount.id == StatementLine.bank_account_id)
        .where(
            StatementLine.statement_id == statement_id,
            StatementLine.status == LineStatus.DEBIT,
            func.upper(StatementLine.memo).like("%PO%"),
        )
        .order_by(StatementLine.id)
    ).all()
    for txn_at, amount_vnd, memo, account_number in rows:
        order = match_debit(
            session,
            account_number=account_number,
            amount_vnd=amount_vnd,
            reference_text=memo,
            booked_at=txn_at,
        )
        if order is not None:
            paid.append(order)
    return paid
