"""Contributions: money (or goods) actually received, whatever the channel. Each posts to the ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.models import Campaign
from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.donors.models import Donor, DonorKind
from app.extensions import Model
from app.ledger.models import Purpose
from app.units.models import AdminUnit, Hamlet

BigId = BigInteger().with_variant(Integer, "sqlite")


class Channel(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CASH = "cash"
    HOUSEHOLD_COLLECTION = "household_collection"  # collected door to door by hamlet heads
    IN_KIND = "in_kind"


CHANNEL_LABELS = {
    Channel.BANK_TRANSFER: N_("Chuyển khoản"),
    Channel.CARD: N_("Thẻ"),
    Channel.CASH: "Tiền mặt",
    Channel.HOUSEHOLD_COLLECTION: N_("Thu tại hộ gia đình"),
    Channel.IN_KIND: "Hiện vật",
}


class ContributionStatus(enum.StrEnum):
    RECORDED = "recorded"
    REVERSED = "reversed"


class Contribution(Model):
    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        UniqueConstraint("receiving_unit_key", "receipt_no"),
        Index("ix_contributions_campaign_received", "campaign_id", "received_on"),
        Index("ix_contributions_unit_received", "receiving_unit_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "contribution_channel"), nullable=False)
    donor_kind: Mapped[DonorKind] = mapped_column(
        str_enum(DonorKind, "contribution_donor_kind"), nullable=False
    )
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)  # for in kind: the estimated value
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)  # the day in Vietnam's time zone
    receiving_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))  # None: central level
    receiving_unit_key: Mapped[str] = mapped_column(
        String(20), nullable=False
    )  # "56" or "national", for numbering
    earmark_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "contribution_purpose"), nullable=False)
    pool_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    public_name: Mapped[str] = mapped_column(String(255), nullable=False)
    # Set when the contribution's day is published (app.transparency.opendata, root format 2): the day's hash
    # holds SHA-256(salt, name), not the name. A name changed after publication (app.donors.services.republish)
    # loses its salt and keeps the commitment, so the day still verifies and the old name cannot be guessed back.
    name_salt: Mapped[str | None] = mapped_column(String(32))
    name_commitment: Mapped[str | None] = mapped_column(String(64))
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    receipt_no: Mapped[str] = mapped_column(String(40), nullable=False)
    pledge_reference: Mapped[str | None] = mapped_column(String(19), index=True)
    bank_txn_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    masked_account: Mapped[str | None] = mapped_column(String(40))  # the sender's account, masked
    bank_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_bank_accounts.id")
    )  # the official account the money arrived in (published masked, with its bank and unit)
    in_kind_description: Mapped[str | None] = mapped_column(Text)
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("hamlets.id"), index=True)
    collector_name: Mapped[str | None] = mapped_column(String(255))
    import_batch_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The staff line of an agency collection this money pays (app.agencies; set by receive() only).
    agency_line_id: Mapped[int | None] = mapped_column(ForeignKey("agency_lines.id"), index=True)
    source: Mapped[str] = mapped_column(
        String(80), default="", nullable=False
    )  # e.g. "stripe:cs_…", "statement:12:345"
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[ContributionStatus] = mapped_column(
        str_enum(ContributionStatus, "contribution_status"),
        nullable=False,
        default=ContributionStatus.RECORDED,
    )
    ledger_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), index=True
    )
    reversal_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    search_key: Mapped[str] = mapped_column(Text, default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)  # staff-only; never published
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    campaign: Mapped[Campaign] = relationship()
    donor: Mapped[Donor | None] = relationship()
    receiving_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[receiving_unit_id])
    earmark_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[earmark_unit_id])
    hamlet: Mapped[Hamlet | None] = relationship()

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


class TransferStatus(enum.StrEnum):
    PROPOSED = "proposed"
    DONE = "done"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # its receipt was reversed


TRANSFER_STATUS_LABELS = {
    TransferStatus.PROPOSED: "Đề xuất",
    TransferStatus.DONE: N_("Đã chuyển"),
    TransferStatus.REJECTED: "Không chuyển",
    TransferStatus.WITHDRAWN: N_("Đã rút (biên nhận đã hủy)"),
}


class FundTransferProposal(Model):
    """Money passed between two areas' pools of a fund, approved by both sides (app.ledger.transfers).

    Two origins: app.contributions.receive creates one when another area's pledge is paid into this unit's bank
    account (booked here, to be passed on to the pledge's area; contribution_id set); staff propose one to move
    money between levels (province → commune, commune/province → central, province → province). Either way it is
    carried out only when an approver of the sending side and one of the receiving side, both different from the
    preparer and from each other, have approved: then one ledger TRANSFER posts both sides together."""

    __tablename__ = "fund_transfer_proposals"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(
            "from_approved_by_id IS NULL OR created_by_id IS NULL OR from_approved_by_id <> created_by_id",
            name="from_approver_not_preparer",
        ),
        CheckConstraint(
            "to_approved_by_id IS NULL OR created_by_id IS NULL OR to_approved_by_id <> created_by_id",
            name="to_approver_not_preparer",
        ),
        CheckConstraint(
            "to_approved_by_id IS NULL OR from_approved_by_id IS NULL OR to_approved_by_id <> from_approved_by_id",
            name="two_approvers",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    """The receipt whose money is to be passed on (None: a transfer staff proposed)."""
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"))
    """The fund whose pools it moves (None on older rows: the contribution's campaign's fund)."""
    from_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_units.id"), index=True
    )  # None: central
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "fund_transfer_purpose"), nullable=False)
    status: Mapped[TransferStatus] = mapped_column(
        str_enum(TransferStatus, "fund_transfer_status"), nullable=False, default=TransferStatus.PROPOSED
    )
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who prepared it (neither side's approver may be this person)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    from_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Approver of the sending side."""
    from_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Approver of the receiving side."""
    to_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    """The ledger TRANSFER that carried it out (both sides' pools in one transaction)."""
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who carried it out (the second approver) or rejected it."""
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why it was rejected."""

    contribution: Mapped[Contribution | None] = relationship()
    from_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[to_unit_id])

    @property
    def status_label(self) -> str:
        return TRANSFER_STATUS_LABELS[self.status]
