"""Pledges (đăng ký ủng hộ): what a donor promised; money received is a Contribution."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.models import Campaign
from app.core.db import TimestampMixin, str_enum
from app.donors.models import Donor
from app.extensions import db
from app.ledger.models import Purpose


class PledgeStatus(enum.StrEnum):
    PLEDGED = "pledged"
    PARTLY_PAID = "partly_paid"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


PLEDGE_STATUS_LABELS = {PledgeStatus.PLEDGED: "Đã đăng ký", PledgeStatus.PARTLY_PAID: "Đã nộp một phần",
                        PledgeStatus.FULFILLED: "Đã hoàn thành", PledgeStatus.CANCELLED: "Đã hủy",
                        PledgeStatus.LAPSED: "Quá hạn, không thực hiện"}


class Pledge(TimestampMixin, db.Model):
    __tablename__ = "pledges"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(19), unique=True, nullable=False)  # the bank transfer note
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    receiving_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    earmark_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "pledge_purpose"), nullable=False,
                                             default=Purpose.UNRESTRICTED)
    status: Mapped[PledgeStatus] = mapped_column(str_enum(PledgeStatus, "pledge_status"), nullable=False,
                                                 default=PledgeStatus.PLEDGED)
    is_anonymous: Mapped[bool] = mapped_column(default=False, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    campaign: Mapped[Campaign] = relationship()
    donor: Mapped[Donor] = relationship()

    @property
    def status_label(self) -> str:
        return PLEDGE_STATUS_LABELS[self.status]
