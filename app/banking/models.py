"""Official bank accounts of the Front's committees, which donors transfer to, and the two-person changes that
make them official (issue 17 item 7)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, str_enum
from app.core.messages import N_
from app.extensions import Model
from app.units.models import AdminUnit


class FeedProvider(enum.StrEnum):
    NONE = ""
    SEPAY = "sepay"
    CASSO = "casso"
    DIRECT = "direct"  # our own signed JSON format, for a bank's direct API


FEED_PROVIDER_LABELS = {
    FeedProvider.NONE: N_("Không (chỉ nhập sao kê)"),
    FeedProvider.SEPAY: "SePay",
    FeedProvider.CASSO: "Casso",
    FeedProvider.DIRECT: N_("API trực tiếp của ngân hàng (JSON có chữ ký)"),
}


class OfficialBankAccount(TimestampMixin, Model):
    """The account of a unit's Ban vận động Quỹ "Vì người nghèo" (unit None: the central committee).

    Only an `approved` and active account is shown to donors, put in a VietQR or used to book money: an account
    registered in the staff UI stays unapproved until a second central admin approves it
    (app.banking.changes). Rows written by trusted paths (the demo, SQL by the operators, tests) default to
    approved."""

    __tablename__ = "official_bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    bank_bin: Mapped[str] = mapped_column(String(6), nullable=False)  # NAPAS BIN, e.g. 970436 Vietcombank
    bank_name: Mapped[str] = mapped_column(String(120), nullable=False)
    account_number: Mapped[str] = mapped_column(String(30), nullable=False)
    account_name: Mapped[str] = mapped_column(String(255), nullable=False)
    branch: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Donors abroad: the bank's SWIFT/BIC for an international transfer to this account.
    swift_code: Mapped[str] = mapped_column(String(11), default="", server_default="", nullable=False)
    # Real-time feed (app.bankfeed): the provider, and the NAME of the environment variable holding the shared
    # secret (never the secret itself).
    feed_provider: Mapped[FeedProvider] = mapped_column(
        str_enum(FeedProvider, "feed_provider"), default=FeedProvider.NONE, server_default="", nullable=False
    )
    feed_secret_env: Mapped[str] = mapped_column(String(64), default="", server_default="", nullable=False)
    approved: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), nullable=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[AdminUnit | None] = relationship()

    @property
    def usable(self) -> bool:
        return self.approved and self.is_active

    @property
    def bank_full_name(self) -> str:
        """The bank's full name (for a transfer from abroad), else the short name stored."""
        from app.banking.banks import bank_for

        bank = bank_for(self.bank_bin)
        return bank.name if bank is not None else self.bank_name


class ChangeKind(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REACTIVATE = "reactivate"


CHANGE_KIND_LABELS = {
    ChangeKind.CREATE: "Đăng ký tài khoản mới",
    ChangeKind.UPDATE: N_("Thay đổi thông tin tài khoản"),
    ChangeKind.REACTIVATE: N_("Mở lại tài khoản"),
}


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CHANGE_STATUS_LABELS = {
    ChangeStatus.PENDING: N_("Chờ phê duyệt"),
    ChangeStatus.APPROVED: N_("Đã phê duyệt"),
    ChangeStatus.REJECTED: N_("Đã từ chối"),
}


class BankAccountChange(TimestampMixin, Model):
    """A change to what donors are told to pay into (a new account, its number, BIN, holder, owner unit or SWIFT
    code), waiting for a second central admin: the approver differs from every participant (who prepared the
    change and who amended it)."""

    __tablename__ = "bank_account_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("official_bank_accounts.id"), nullable=False, index=True
    )
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "bank_change_kind"), nullable=False)
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, "bank_change_status"), default=ChangeStatus.PENDING, nullable=False, index=True
    )
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    participant_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    account: Mapped[OfficialBankAccount] = relationship()
