"""Pledges (đăng ký ủng hộ): what a donor promised; money received is a Contribution."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.models import Campaign
from app.core.db import TimestampMixin, UTCDateTime, str_enum
from app.core.messages import N_
from app.donors.models import Donor
from app.extensions import Model
from app.ledger.models import Purpose
from app.units.models import AdminUnit


class PledgeStatus(enum.StrEnum):
    PLEDGED = "pledged"
    PARTLY_PAID = "partly_paid"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


PLEDGE_STATUS_LABELS = {
    PledgeStatus.PLEDGED: N_("Đã đăng ký"),
    PledgeStatus.PARTLY_PAID: N_("Đã nộp một phần"),
    PledgeStatus.FULFILLED: N_("Đã hoàn thành"),
    PledgeStatus.CANCELLED: "Đã hủy",
    PledgeStatus.LAPSED: "Quá hạn, không thực hiện",
}


class PledgeKind(enum.StrEnum):
    MONEY = "money"
    IN_KIND = "in_kind"


class PledgeSchedule(enum.StrEnum):
    NOW = "now"  # all at once
    INSTALMENTS = "instalments"


class PaymentMethod(enum.StrEnum):
    """How the donor intends to pay (staff are told about offline ones)."""

    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CASH = "cash"  # at the Front's office: paid offline
    IN_KIND = "in_kind"  # goods handed over: offline


PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: "Chuyển khoản ngân hàng",
    PaymentMethod.CARD: "Thẻ quốc tế",
    PaymentMethod.CASH: "Tiền mặt tại cơ quan Mặt trận",
    PaymentMethod.IN_KIND: "Hiện vật",
}
OFFLINE_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.IN_KIND})


class Pledge(TimestampMixin, Model):
    __tablename__ = "pledges"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(19), unique=True, nullable=False)  # the bank transfer note
    # The public form's idempotency key (a hidden field drawn per page view): a repeated submission of the same
    # page returns this pledge instead of recording another (issue 19.4)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    receiving_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    earmark_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(
        str_enum(Purpose, "pledge_purpose"), nullable=False, default=Purpose.UNRESTRICTED
    )
    status: Mapped[PledgeStatus] = mapped_column(
        str_enum(PledgeStatus, "pledge_status"), nullable=False, default=PledgeStatus.PLEDGED
    )
    is_anonymous: Mapped[bool] = mapped_column(default=False, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    kind: Mapped[PledgeKind] = mapped_column(
        str_enum(PledgeKind, "pledge_kind"),
        nullable=False,
        default=PledgeKind.MONEY,
        server_default=PledgeKind.MONEY.value,
    )
    schedule: Mapped[PledgeSchedule] = mapped_column(
        str_enum(PledgeSchedule, "pledge_schedule"),
        nullable=False,
        default=PledgeSchedule.NOW,
        server_default=PledgeSchedule.NOW.value,
    )
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "pledge_payment_method"),
        nullable=False,
        default=PaymentMethod.BANK_TRANSFER,
        server_default=PaymentMethod.BANK_TRANSFER.value,
    )
    due_on: Mapped[date | None] = mapped_column(Date)  # "all now": when the money is expected
    in_kind_description: Mapped[str | None] = mapped_column(Text)
    in_kind_quantity: Mapped[str | None] = mapped_column(String(120))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # cancelled or lapsed
    close_reason: Mapped[str] = mapped_column(Text, default="", nullable=False, server_default="")
    # Contact given with the pledge (who to write to); the donor record may be shared by several pledges.
    contact_email: Mapped[str | None] = mapped_column(String(255), index=True)
    overdue_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Automatic lapsing (pledges.lapse_overdue_pledges): when the task lapsed it, when the donor was told (once
    # per lapse), and when staff last reopened it or money revived it (a new grace period starts then).
    auto_lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lapse_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set (and committed) just before the mail goes, so a task delivered twice never mails twice.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who speaks for a business (issue 19.1): a pledge typed under a tax code already on file is recorded with
    # a donor record of what was typed and names the business on file here until the business (its verified
    # users, by a signed one-click link) or staff (with a reason) confirm it; then donor_id becomes that
    # business and this is cleared. registered_by: "đăng ký bởi" (the person and contact who typed it).
    claimed_donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    registered_by: Mapped[str] = mapped_column(String(255), default="", nullable=False, server_default="")
    # The language of the page the pledge was made on: its confirmation, reminders and receipts e-mails speak it.
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi", nullable=False)
    # The last account-link e-mail sent for this pledge: one per hour, whoever asks (issue 19.1).
    claim_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The donor paused a monthly gift (app.recurring): its instalments are neither reminded nor lapsed meanwhile;
    # resuming re-dates the unpaid ones from the next month (issue 19.5).
    reminders_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
    donor: Mapped[Donor] = relationship(foreign_keys=[donor_id])
    claimed_donor: Mapped[Donor | None] = relationship(foreign_keys=[claimed_donor_id])
    receiving_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[receiving_unit_id])
    earmark_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[earmark_unit_id])
    instalments: Mapped[list[PledgeInstalment]] = relationship(
        back_populates="pledge", order_by="PledgeInstalment.seq", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return PLEDGE_STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return "Hiện vật" if self.kind == PledgeKind.IN_KIND else "Tiền"

    @property
    def payment_method_label(self) -> str:
        return PAYMENT_METHOD_LABELS[self.payment_method]

    @property
    def is_open(self) -> bool:
        return self.status in (PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID)


class PledgeInstalment(Model):
    """One dated part of a pledge paid in instalments; the instalments of a pledge sum to its amount."""

    __tablename__ = "pledge_instalments"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        UniqueConstraint("pledge_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    pledge: Mapped[Pledge] = relationship(back_populates="instalments")
