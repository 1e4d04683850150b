"""The fund ledger: append-only double-entry postings in whole đồng.

Sign convention: a posting's amount is positive for a debit and negative for a credit; the postings
of one transaction sum to zero. Every account kind here except DONATIONS is debit-normal.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model

BigId = BigInteger().with_variant(Integer, "sqlite")


class Purpose(enum.StrEnum):
    HOUSING = "housing"
    LIVELIHOOD = "livelihood"
    EDUCATION = "education"
    HEALTH = "health"
    UNRESTRICTED = "unrestricted"


PURPOSE_LABELS = {
    Purpose.HOUSING: N_("Nhà ở (nhà Đại đoàn kết)"),
    Purpose.LIVELIHOOD: N_("Sinh kế"),
    Purpose.EDUCATION: N_("Học tập"),
    Purpose.HEALTH: N_("Y tế"),
    Purpose.UNRESTRICTED: N_("Không chỉ định"),
}


class AccountKind(enum.StrEnum):
    DONATIONS = "donations"  # credit-normal: what donors gave (income)
    UNALLOCATED = "unallocated"  # received and not yet allocated: a pool, by unit and purpose
    ALLOCATED = "allocated"  # allocated to needs in a unit, not yet paid out
    DISBURSED = "disbursed"  # paid out to beneficiaries
    IN_KIND = "in_kind"  # goods received, at estimated value; never allocatable as money
    IN_KIND_DONATIONS = "in_kind_donations"  # credit-normal counterpart of IN_KIND
    IN_KIND_OUT = (
        "in_kind_out"  # goods handed out from a store (app.goods), at the value they left the store with
    )


CREDIT_NORMAL = frozenset({AccountKind.DONATIONS, AccountKind.IN_KIND_DONATIONS})


class TransactionKind(enum.StrEnum):
    RECEIPT = "receipt"
    IN_KIND_RECEIPT = "in_kind_receipt"
    IN_KIND_HANDOUT = (
        "in_kind_handout"  # goods handed out from a store: IN_KIND_OUT debited, IN_KIND credited
    )
    ALLOCATION = "allocation"
    DISBURSEMENT = "disbursement"
    TRANSFER = "transfer"
    REVERSAL = "reversal"


class Fund(Model):
    """A fund with its own books, e.g. Quỹ "Vì người nghèo" (kept apart from Quỹ Cứu trợ)."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(255), default="", nullable=False)


class LedgerAccount(Model):
    """One account: (fund, unit or national, kind, purpose). balance_vnd caches the sum of its postings,
    updated only by the posting service under a row lock; verify_ledger() checks it."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('donations', 'in_kind_donations') OR balance_vnd >= 0", name="debit_normal_nonnegative"
        ),
        CheckConstraint(
            "kind NOT IN ('donations', 'in_kind_donations') OR balance_vnd <= 0",
            name="credit_normal_nonpositive",
        ),
        Index("ix_ledger_accounts_fund_kind_unit", "fund_id", "kind", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_units.id"), index=True
    )  # None: national level
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "ledger_account_kind"), nullable=False)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "ledger_purpose"), nullable=False)
    balance_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)

    @staticmethod
    def make_key(fund_id: int, unit_id: int | None, kind: AccountKind, purpose: Purpose) -> str:
        return f"{fund_id}:{unit_id or 'national'}:{kind.value}:{purpose.value}"


class LedgerTransaction(Model):
    """A balanced set of postings. Never updated or deleted; a mistake is undone by a reversal."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    kind: Mapped[TransactionKind] = mapped_column(
        str_enum(TransactionKind, "ledger_transaction_kind"), nullable=False
    )
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    memo: Mapped[str] = mapped_column(Text, default="", nullable=False)
    source_type: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    postings: Mapped[list[LedgerPosting]] = relationship(
        back_populates="transaction", order_by="LedgerPosting.id"
    )

    __table_args__ = (
        Index("ix_ledger_transactions_source", "source_type", "source_id"),
        Index("ix_ledger_transactions_day_id", "occurred_on", "id"),  # the public ledger's keyset pages
    )


class LedgerPosting(Model):
    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint("amount_vnd <> 0", name="nonzero"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"), nullable=False, index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), nullable=False, index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


class LedgerCheck(Model):
    """One run of the consistency verifier (app.ledger.verify), kept for the staff home page's alert."""

    __tablename__ = "ledger_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    problem_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    problems: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # [Problem.as_dict(), …]
    counts: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # rows checked, per kind
    seconds: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)


class YearClose(Model):
    """A closed year of a fund's books (app.ledger.yearend): for a province (with its communes) or, unit_id None,
    the whole fund. No posting dated on or before 31/12 of `year` may touch the accounts it covers afterwards;
    each account's balance at that date is carried into the next year as its opening balance (OpeningBalance)."""

    __tablename__ = "ledger_year_closes"
    __table_args__ = (UniqueConstraint("fund_id", "scope_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)  # None: whole fund
    scope_key: Mapped[str] = mapped_column(String(20), nullable=False)  # "all" or the province's id
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    account_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    on_hand_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)  # unallocated + allocated
    in_kind_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    report_job_id: Mapped[int | None] = mapped_column(ForeignKey("report_jobs.id"))


class OpeningBalance(Model):
    """One account's balance carried from a closed year into the next (year = the year it opens). Append-only."""

    __tablename__ = "ledger_opening_balances"
    __table_args__ = (UniqueConstraint("account_id", "year"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    close_id: Mapped[int] = mapped_column(ForeignKey("ledger_year_closes.id"), nullable=False, index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "ledger_account_kind"), nullable=False)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "ledger_purpose"), nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
