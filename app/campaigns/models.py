"""Campaigns: a year's "Ngày vì người nghèo" drive for a scope (national, a province or a commune)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
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

from app.core.db import TimestampMixin, str_enum
from app.core.messages import N_
from app.extensions import Model
from app.ledger.models import Fund
from app.units.models import AdminUnit


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: N_("Dự thảo"),
    CampaignStatus.ACTIVE: N_("Đang vận động"),
    CampaignStatus.CLOSED: N_("Đã kết thúc"),
}


class Campaign(TimestampMixin, Model):
    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    scope_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_units.id"), index=True
    )  # None = national
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), nullable=False, default=CampaignStatus.DRAFT
    )
    # Set only while active: a unique value per scope makes "one active campaign per scope" a constraint.
    active_scope_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    goal_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    plan_reference: Mapped[str] = mapped_column(
        String(255), default="", nullable=False
    )  # e.g. Kế hoạch 01/KH-MTTW-BVĐ
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Per-campaign options other packages read: household display mode, acknowledgement trigger …
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)

    fund: Mapped[Fund] = relationship()
    scope_unit: Mapped[AdminUnit | None] = relationship()
    goals: Mapped[list[CampaignGoal]] = relationship(back_populates="campaign", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return CAMPAIGN_STATUS_LABELS[self.status]

    @property
    def scope_name(self) -> str:
        return self.scope_unit.name if self.scope_unit else "Toàn quốc"


class CampaignGoal(Model):
    """The amount a campaign aims to raise in one unit."""

    __tablename__ = "campaign_goals"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id"),
        CheckConstraint("goal_vnd >= 0", name="goal_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    goal_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)

    campaign: Mapped[Campaign] = relationship(back_populates="goals")
    unit: Mapped[AdminUnit] = relationship()
