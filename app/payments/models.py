"""Card payments, webhooks and bank statements (the official accounts they belong to live in app.banking)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.banking.models import OfficialBankAccount
from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_, NP_
from app.extensions import Model

# ---------------------------------------------------------------------------------------------- card payments
BigId = BigInteger().with_variant(Integer, "sqlite")


class CardPaymentStatus(enum.StrEnum):
    OPEN = "open"  # Checkout Session created, donor not back yet
    PROCESSING = "processing"  # completed, but the payment method settles later (async)
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"  # wholly or partly refunded


CARD_STATUS_LABELS = {
    CardPaymentStatus.OPEN: N_("Đang chờ thanh toán"),
    CardPaymentStatus.PROCESSING: N_("Đang xử lý"),
    CardPaymentStatus.PAID: N_("Đã thanh toán"),
    CardPaymentStatus.FAILED: N_("Thanh toán thất bại"),
    CardPaymentStatus.EXPIRED: N_("Phiên thanh toán đã hết hạn"),
    CardPaymentStatus.REFUNDED: N_("Đã hoàn tiền"),
}


class CardPayment(Model):
    """One Checkout Session (Stripe or the local test gateway) for a pledge."""

    __tablename__ = "card_payments"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("refunded_vnd >= 0", name="refunded_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), nullable=False, index=True)
    gateway: Mapped[str] = mapped_column(String(20), nullable=False)  # stripe | test
    session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    refunded_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    checkout_url: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[CardPaymentStatus] = mapped_column(
        str_enum(CardPaymentStatus, "card_payment_status"), nullable=False, default=CardPaymentStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def status_label(self) -> str:
        return CARD_STATUS_LABELS[self.status]


class WebhookEvent(Model):
    """Every gateway event processed, once: the unique event id makes a re-delivery a no-op."""

    __tablename__ = "payment_webhook_events"
    __table_args__ = (UniqueConstraint("gateway", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20), nullable=False)
    event_id: Mapped[str] = mapped_column(String(255), nullable=False)
    event_type: Mapped[str] = mapped_column(String(80), nullable=False)
    object_id: Mapped[str] = mapped_column(String(255), default="", nullable=False, index=True)
    outcome: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CardRefund(Model):
    """The refunded total Stripe reported for a PaymentIntent (charge.refunded carries the cumulative
    amount_refunded). Kept even when the refund arrives before the payment it refunds, so that the
    late completion never makes refunded money appear."""

    __tablename__ = "card_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_intent_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    amount_refunded_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# ---------------------------------------------------------------------------------------------- bank statements
class StatementStatus(enum.StrEnum):
    DRAFT = "draft"  # uploaded and parsed; waiting for fixes or confirmation
    IMPORTED = "imported"
    DISCARDED = "discarded"


class BankStatement(Model):
    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(
        ForeignKey("official_bank_accounts.id"), nullable=False, index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_units.id"), index=True
    )  # the account's unit
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    preset: Mapped[str] = mapped_column(String(40), nullable=False)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # custom column mapping
    fixes: Mapped[dict] = mapped_column(
        JSON, default=dict, nullable=False
    )  # {file row: {"date":…, "amount":…}}
    skipped_rows: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    opening_balance_vnd: Mapped[int | None] = mapped_column(BigInteger)
    original_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    file_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    file_path: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[StatementStatus] = mapped_column(
        str_enum(StatementStatus, "statement_status"), nullable=False, default=StatementStatus.DRAFT
    )
    lines_total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    lines_new: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    lines_already: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    lines_matched: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    credits_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    debits_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    balance_report: Mapped[str] = mapped_column(Text, default="", nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How the preset was chosen: {"chosen": key, "by": "auto" | "staff", "scores": [PresetScore.as_dict()…]}
    detection: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    # The file parsed once at upload (and again after each correction or mapping): counts, totals, errors,
    # balance breaks, page furniture and the first lines. The draft page reads this, never the file.
    preview: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    bank_account: Mapped[OfficialBankAccount] = relationship()


class StatementImportProgress(Model):
    """How far a background import has got. Written from the import through a connection of its own (the
    import's transaction only commits at the end), so no foreign key: the statement's row is locked meanwhile."""

    __tablename__ = "statement_import_progress"

    statement_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(
        String(20), default="queued", nullable=False
    )  # queued/running/failed/done
    lines_done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    lines_total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class LineStatus(enum.StrEnum):
    UNMATCHED = "unmatched"
    MATCHED = "matched"  # recorded against a pledge
    RECEIPTED = "receipted"  # recorded as a gift without pledge
    IGNORED = "ignored"  # not a donation (staff decision)
    DEBIT = "debit"  # money out: kept for balance checks, never a donation


LINE_STATUS_LABELS = {
    LineStatus.UNMATCHED: "Chờ xử lý",
    LineStatus.MATCHED: NP_("line", "Đã ghép đăng ký"),
    LineStatus.RECEIPTED: NP_("line", "Đã ghi biên nhận"),
    LineStatus.IGNORED: "Bỏ qua",
    LineStatus.DEBIT: "Ghi nợ",
}


class StatementLine(Model):
    """A line of a bank statement, kept once per bank account whatever the number of imports.

    Identity: (bank account, fingerprint of date-time, direction, amount, reference, memo, counterparty,
    occurrence). Identical lines in one statement get occurrences 1, 2, 3…, so an overlapping export
    merges without dropping or doubling a line."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        UniqueConstraint("bank_account_id", "fingerprint", "occurrence"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_statement_lines_queue", "bank_account_id", "status"),
        Index(
            "ix_statement_lines_account_time", "bank_account_id", "txn_at"
        ),  # an account's day (0017_recon)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("official_bank_accounts.id"), nullable=False)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), nullable=False, index=True)
    fingerprint: Mapped[str] = mapped_column(String(40), nullable=False)
    occurrence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    file_row: Mapped[int] = mapped_column(Integer, nullable=False)
    row_no: Mapped[str] = mapped_column(String(20), default="", nullable=False)  # STT where printed
    txn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    has_time: Mapped[bool] = mapped_column(default=False, nullable=False)
    is_credit: Mapped[bool] = mapped_column(nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reference: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    memo: Mapped[str] = mapped_column(
        Text, default="", nullable=False
    )  # staff-only evidence, never published
    counterparty: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    status: Mapped[LineStatus] = mapped_column(str_enum(LineStatus, "statement_line_status"), nullable=False)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    proposed_pledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledges.id"), index=True
    )  # at most one open line per pledge (importing.one_proposal_per_pledge looks them up by it)
    proposal_reason: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    contribution_id: Mapped[int | None] = mapped_column(BigInteger)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        return LINE_STATUS_LABELS[self.status]
