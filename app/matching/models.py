"""Matching proposals: an engine run frozen with the data it was computed from, and its approval."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.DRAFT: N_("Bản nháp"),
    ProposalStatus.SUBMITTED: N_("Chờ phê duyệt"),
    ProposalStatus.APPROVED: N_("Đã phê duyệt"),
    ProposalStatus.REJECTED: N_("Bị từ chối"),
    ProposalStatus.SUPERSEDED: N_("Đã thay thế"),
}


class MatchingProposal(Model):
    """One run of the matching engine over a scope (a province or a commune; None = national)."""

    __tablename__ = "matching_proposals"
    __table_args__ = (
        CheckConstraint("total_vnd >= 0", name="total_nonnegative"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> prepared_by_id", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "matching_proposal_status"), nullable=False, default=ProposalStatus.DRAFT
    )
    method: Mapped[str] = mapped_column(String(20), nullable=False, default="exact")
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # pools the proposal was computed against: [{unit_id, level, purpose, balance_vnd, label}]
    pool_snapshot: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    config: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    total_priority: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    solve_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[ProposalLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalLine.rank"
    )

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUS_LABELS[self.status]


class ProposalLine(Model):
    """One need in a proposal: included (funded by the proposal) or not, with its frozen data and explanation."""

    __tablename__ = "matching_proposal_lines"
    __table_args__ = (CheckConstraint("amount_vnd >= 0", name="amount_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("matching_proposals.id", ondelete="CASCADE"), nullable=False, index=True
    )
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, index=True)
    need_version: Mapped[int] = mapped_column(Integer, nullable=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False)
    snapshot: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    score: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    included: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    draws: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    explanation: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    funding_id: Mapped[int | None] = mapped_column(Integer)
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    proposal: Mapped[MatchingProposal] = relationship(back_populates="lines")
