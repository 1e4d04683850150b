"""Registering and changing official bank accounts with two-person approval (issue 17 item 7).

A wrong account number published as official is the worst fraud vector, so what tells a donor where to pay (a
new account; its number, bank BIN, holder name, owner unit or SWIFT code; reopening a closed account) is a
pending `BankAccountChange` until a *different* central admin approves it: the approver may not be anyone who
prepared or amended the change. Until then the account is not public, not in any VietQR and not used to book
money (app.banking.services.USABLE); an approved account keeps its old details while a change waits. What does
not redirect money (the branch label, the feed provider and the name of its secret's environment variable) is
applied at once, and deactivating is immediate (it can only stop payments). Every step is audited.

Who: central admins only. Province staff are not the Front's account holders' administrators in this model (the
roles know no "province admin"), and a province's own account is registered by the centre on its request."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.banking.banks import bank_for
from app.banking.models import (
    BankAccountChange,
    ChangeKind,
    ChangeStatus,
    FeedProvider,
    OfficialBankAccount,
)
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.transaction import DomainError
from app.units.models import AdminUnit, UnitLevel

SENSITIVE = ("unit_id", "bank_bin", "bank_name", "account_number", "account_name", "swift_code")
DIRECT = ("branch", "feed_provider", "feed_secret_env")
_ACCOUNT_NUMBER = re.compile(r"[0-9A-Za-z]{1,19}")  # what a VietQR payload may carry
_SWIFT = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


class BankingError(DomainError):
    """A refused account change; the message is Vietnamese."""


@dataclass
class AccountInput:
    unit_id: int | None
    bank_bin: str
    account_number: str
    account_name: str
    branch: str = ""
    swift_code: str = ""
    feed_provider: str = ""
    feed_secret_env: str = ""


def _clean(session: Session, data: AccountInput) -> dict[str, Any]:
    """The values to store, checked; BankingError names the field."""
    bank = bank_for((data.bank_bin or "").strip())
    if bank is None:
        raise BankingError(N_("Ngân hàng: chưa chọn hoặc mã BIN không có trong danh sách."), field="bank_bin")
    number = re.sub(r"[\s.\-]", "", data.account_number or "")
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise BankingError(
            N_("Số tài khoản: chỉ gồm chữ số (hoặc chữ cái không dấu), tối đa 19 ký tự."),
            field="account_number",
        )
    holder = " ".join((data.account_name or "").split())
    if not holder:
        raise BankingError(N_("Chủ tài khoản: chưa nhập."), field="account_name")
    if len(holder) > 255:
        raise BankingError(N_("Chủ tài khoản: tối đa 255 ký tự."), field="account_name")
    swift = (data.swift_code or "").strip().upper()
    if swift and not _SWIFT.fullmatch(swift):
        raise BankingError(N_("Mã SWIFT/BIC: 8 hoặc 11 ký tự (ví dụ BFTVVNVX)."), field="swift_code")
    try:
        provider = FeedProvider(data.feed_provider or "")
    except ValueError:
        raise BankingError(N_("Nguồn dữ liệu giao dịch: không hợp lệ."), field="feed_provider") from None
    env = (data.feed_secret_env or "").strip()
    if provider != FeedProvider.NONE and not _ENV_NAME.fullmatch(env):
        raise BankingError(
            N_(
                "Tên biến môi trường chứa khóa bí mật: chữ in hoa, số và dấu _ (ví dụ BANKFEED_SEPAY_SECRET). "
                "Không nhập chính khóa bí mật."
            ),
            field="feed_secret_env",
        )
    if data.unit_id is not None:
        unit = session.get(AdminUnit, data.unit_id)
        if (
            unit is None
            or unit.valid_to is not None
            or unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE)
        ):
            raise BankingError(N_("Đơn vị sở hữu: không hợp lệ."), field="unit_id")
    return {
        "unit_id": data.unit_id,
        "bank_bin": bank.bin,
        "bank_name": bank.short_name,
        "account_number": number,
        "account_name": holder,
        "swift_code": swift,
        "branch": " ".join((data.branch or "").split())[:255],
        "feed_provider": provider.value,
        "feed_secret_env": env if provider != FeedProvider.NONE else "",
    }


def _user(actor: Actor) -> int:
    if actor.user_id is None:
        raise BankingError(N_("Chỉ cán bộ đã đăng nhập mới thay đổi được tài khoản chính thức."))
    return actor.user_id


def _values(account: OfficialBankAccount, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: (v.value if isinstance(v := getattr(account, n), FeedProvider) else v) for n in names}


def _check_duplicate(session: Session, values: dict[str, Any], account_id: int | None) -> None:
    q = select(OfficialBankAccount.id).where(
        OfficialBankAccount.bank_bin == values["bank_bin"],
        OfficialBankAccount.account_number == values["account_number"],
        OfficialBankAccount.is_active.is_(True),
    )
    if account_id is not None:
        q = q.where(OfficialBankAccount.id != account_id)
    if session.execute(q.limit(1)).first() is not None:
        raise BankingError(
            N_("Tài khoản này (cùng ngân hàng và số tài khoản) đã được đăng ký."), field="account_number"
        )


def pending_change(session: Session, account_id: int) -> BankAccountChange | None:
    return session.execute(
        select(BankAccountChange).where(
            BankAccountChange.account_id == account_id, BankAccountChange.status == ChangeStatus.PENDING
        )
    ).scalar_one_or_none()


def propose_account(session: Session, actor: Actor, data: AccountInput) -> BankAccountChange:
    """A new account, registered unapproved, with its pending change for a second central admin."""
    from app.ledger.services import main_fund

    user_id = _user(actor)
    values = _clean(session, data)
    _check_duplicate(session, values, None)
    account = OfficialBankAccount(fund_id=main_fund(session).id, approved=False, is_active=True, **values)
    session.add(account)
    session.flush()
    change = BankAccountChange(
        account_id=account.id,
        kind=ChangeKind.CREATE,
        status=ChangeStatus.PENDING,
        proposed={n: values[n] for n in SENSITIVE},
        previous={},
        prepared_by_id=user_id,
        participant_ids=[user_id],
    )
    session.add(change)
    session.flush()
    record(
        session,
        actor,
        "bank_account.propose",
        "official_bank_account",
        account.id,
        new=values,
        unit_id=account.unit_id,
    )
    return change


def edit_account(
    session: Session, actor: Actor, account: OfficialBankAccount, data: AccountInput
) -> BankAccountChange | None:
    """Apply what does not redirect money at once; put the rest in the account's pending change (a new one, or
    the waiting one amended, its author then a participant who may not approve it). Returns the pending
    change when the edit made or amended one."""
    user_id = _user(actor)
    values = _clean(session, data)
    _check_duplicate(session, values, account.id)
    direct_old = _values(account, DIRECT)
    direct_new = {n: values[n] for n in DIRECT}
    if direct_new != direct_old:
        for n in DIRECT:
            setattr(account, n, FeedProvider(values[n]) if n == "feed_provider" else values[n])
        record(
            session, actor, "bank_account.update", "official_bank_account", account.id,
            old=direct_old, new=direct_new, unit_id=account.unit_id,
        )  # fmt: skip
    proposed = {n: values[n] for n in SENSITIVE}
    change = pending_change(session, account.id)
    if change is None:
        current = _values(account, SENSITIVE)
        if proposed == current:
            return None
        change = BankAccountChange(
            account_id=account.id,
            kind=ChangeKind.UPDATE,
            status=ChangeStatus.PENDING,
            proposed=proposed,
            previous=current,
            prepared_by_id=user_id,
            participant_ids=[user_id],
        )
        session.add(change)
        session.flush()
        record(
            session, actor, "bank_account.change_proposed", "official_bank_account", account.id,
            old=current, new=proposed, unit_id=account.unit_id,
        )  # fmt: skip
        return change
    if proposed == change.proposed:
        return change
    old = dict(change.proposed)
    change.proposed = proposed
    if user_id not in change.participant_ids:
        change.participant_ids = [*change.participant_ids, user_id]
    if change.kind == ChangeKind.CREATE:  # not public yet: the row shows what is proposed
        for n in SENSITIVE:
            setattr(account, n, proposed[n])
    record(
        session, actor, "bank_account.change_amended", "official_bank_account", account.id,
        old=old, new=proposed, unit_id=account.unit_id,
    )  # fmt: skip
    return change


def approve_change(session: Session, actor: Actor, change: BankAccountChange) -> OfficialBankAccount:
    """The second central admin's approval: the account (or its new details) becomes what donors see."""
    user_id = _user(actor)
    if change.status != ChangeStatus.PENDING:
        raise BankingError(N_("Thay đổi này đã được xử lý."))
    if user_id in change.participant_ids:
        raise BankingError(
            N_(
                "Người chuẩn bị hoặc sửa thay đổi không được tự phê duyệt; cần một quản trị viên Trung ương khác."
            )
        )
    account = change.account
    values = dict(change.proposed)
    if change.kind != ChangeKind.REACTIVATE:
        _check_duplicate(session, values, account.id)
    before = _values(account, SENSITIVE) | {"approved": account.approved, "is_active": account.is_active}
    for n in SENSITIVE:
        setattr(account, n, values[n])
    account.approved = True
    account.is_active = True
    account.approved_at = utcnow()
    account.approved_by_id = user_id
    change.status = ChangeStatus.APPROVED
    change.decided_by_id = user_id
    change.decided_at = account.approved_at
    session.flush()
    record(
        session, actor, "bank_account.approve", "official_bank_account", account.id,
        old=before, new=values | {"approved": True, "is_active": True, "change": change.id},
        unit_id=account.unit_id,
    )  # fmt: skip
    return account


def reject_change(session: Session, actor: Actor, change: BankAccountChange, reason: str) -> None:
    """Refuse (or, by its author, withdraw) a pending change; a refused new account is closed."""
    user_id = _user(actor)
    if change.status != ChangeStatus.PENDING:
        raise BankingError(N_("Thay đổi này đã được xử lý."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise BankingError(N_("Lý do: chưa nhập."), field="reason")
    change.status = ChangeStatus.REJECTED
    change.decided_by_id = user_id
    change.decided_at = utcnow()
    change.decision_note = reason[:1000]
    account = change.account
    if change.kind == ChangeKind.CREATE:
        account.is_active = False
    session.flush()
    record(
        session, actor, "bank_account.reject", "official_bank_account", account.id,
        new={"change": change.id, "reason": reason}, unit_id=account.unit_id,
    )  # fmt: skip


def deactivate(session: Session, actor: Actor, account: OfficialBankAccount, reason: str) -> None:
    """Stop showing an account at once (no second person needed: it can only stop payments)."""
    _user(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BankingError(N_("Lý do ngừng sử dụng: chưa nhập."), field="reason")
    if not account.is_active:
        raise BankingError(N_("Tài khoản đã ngừng sử dụng."))
    account.is_active = False
    change = pending_change(session, account.id)
    if change is not None and change.kind == ChangeKind.CREATE:
        change.status = ChangeStatus.REJECTED
        change.decided_by_id = actor.user_id
        change.decided_at = utcnow()
        change.decision_note = reason[:1000]
    session.flush()
    record(
        session, actor, "bank_account.deactivate", "official_bank_account", account.id,
        old={"is_active": True}, new={"is_active": False, "reason": reason}, unit_id=account.unit_id,
    )  # fmt: skip


def request_reactivation(session: Session, actor: Actor, account: OfficialBankAccount) -> BankAccountChange:
    """Reopening a closed account is a pending change like a new one."""
    user_id = _user(actor)
    if account.is_active:
        raise BankingError(N_("Tài khoản đang được sử dụng."))
    if pending_change(session, account.id) is not None:
        raise BankingError(N_("Tài khoản đã có một thay đổi đang chờ phê duyệt."))
    current = _values(account, SENSITIVE)
    _check_duplicate(session, current, account.id)
    change = BankAccountChange(
        account_id=account.id,
        kind=ChangeKind.REACTIVATE,
        status=ChangeStatus.PENDING,
        proposed=current,
        previous=current,
        prepared_by_id=user_id,
        participant_ids=[user_id],
    )
    session.add(change)
    session.flush()
    record(
        session, actor, "bank_account.reactivation_proposed", "official_bank_account", account.id,
        new={"change": change.id}, unit_id=account.unit_id,
    )  # fmt: skip
    return change


def input_from(account: OfficialBankAccount) -> dict[str, Any]:
    """An account's values as the form shows them (the pending change's proposal where one waits)."""
    return asdict(
        AccountInput(
            unit_id=account.unit_id,
            bank_bin=account.bank_bin,
            account_number=account.account_number,
            account_name=account.account_name,
            branch=account.branch,
            swift_code=account.swift_code,
            feed_provider=account.feed_provider.value,
            feed_secret_env=account.feed_secret_env,
        )
    )
