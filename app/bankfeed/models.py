"""Bank feed notifications (one row per bank transaction, whatever the number of deliveries) and the days of an
account reconciled against the bank's statement file."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model

BigId = BigInteger().with_variant(Integer, "sqlite")


class FeedStatus(enum.StrEnum):
    QUEUED = "queued"  # stored by the webhook; the task bankfeed.record_pending records it (services.record_pending)
    RECEIVED = "received"  # a credit recorded through receive()
    DEBIT = "debit"  # money out: stored for payouts and reconciliation, posts nothing
    UNKNOWN_ACCOUNT = "unknown_account"  # the account number is no official account: refused from money-in
    PENDING = "pending"  # the task could not record it (no active campaign, a refusal): its note says why, for staff


FEED_STATUS_LABELS = {
    FeedStatus.QUEUED: "Đang chờ ghi nhận",
    FeedStatus.RECEIVED: "Đã ghi nhận",
    FeedStatus.DEBIT: N_("Ghi nợ (tiền ra)"),
    FeedStatus.UNKNOWN_ACCOUNT: "Tài khoản không thuộc danh sách chính thức",
    FeedStatus.PENDING: "Chờ xử lý",
}


class BankFeedTransaction(Model):
    """One bank transaction notified by a feed provider (SePay, Casso, a bank's direct API).

    Unique on (provider, provider transaction id) and on (account number, the bank's own reference): a provider's
    retry and the same transfer notified under a second id are one row. `raw_payload` and `memo` are staff-only
    evidence, never published."""

    __tablename__ = "bank_feed_transactions"
    __table_args__ = (
        UniqueConstraint("provider", "provider_txn_id"),
        UniqueConstraint("account_number", "bank_reference"),
        Index("ix_bank_feed_transactions_account_time", "bank_account_id", "txn_at"),
        # The recording task's queue: only the rows still queued (a handful), read in id order.
        Index(
            "ix_bank_feed_transactions_queued",
            "id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    provider_txn_id: Mapped[str] = mapped_column(String(100), nullable=False)
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(30), nullable=False)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("official_bank_accounts.id"))
    is_credit: Mapped[bool] = mapped_column(nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    txn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    memo: Mapped[str] = mapped_column(Text, default="", nullable=False)
    counterparty_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    counterparty_account: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    running_balance_vnd: Mapped[int | None] = mapped_column(BigInteger)
    raw_payload: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    status: Mapped[FeedStatus] = mapped_column(str_enum(FeedStatus, "bank_feed_status"), nullable=False)
    note: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"))
    contribution_id: Mapped[int | None] = mapped_column(BigInteger)
    statement_line_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def status_label(self) -> str:
        return FEED_STATUS_LABELS[self.status]


class ReconciliationDay(Model):
    """An account's day reconciled: the explanation staff gave for each difference between the statement file and
    the feed ({difference key: reason}), and when the day was closed."""

    __tablename__ = "bank_reconciliation_days"
    __table_args__ = (UniqueConstraint("bank_account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("official_bank_accounts.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    explanations: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
