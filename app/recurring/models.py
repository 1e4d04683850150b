"""Monthly gifts (ủng hộ hằng tháng, issue 19 item 5): a donor gives the same amount each month by a standing transfer
(lệnh chuyển tiền định kỳ) that always carries the same reference.

The money side is a pledge of twelve monthly instalments (app.pledges): its reference is the standing order's fixed
memo, each month's transfer pays the instalment due (app.pledges.services.amount_due), the monthly reminder e-mail
is the pledge's instalment reminder. Paused: Pledge.reminders_paused_at (neither reminded nor lapsed); stopped: the
pledge cancelled through the pledge state machine. This record only says the pledge is a monthly gift and how."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import Model
from app.pledges.models import Pledge, PledgeStatus


class GiftState(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"  # the twelve months received


GIFT_STATE_LABELS = {
    GiftState.ACTIVE: "Đang ủng hộ",
    GiftState.PAUSED: "Tạm dừng",
    GiftState.STOPPED: "Đã dừng",
    GiftState.COMPLETED: "Đã đủ 12 tháng",
}


class MonthlyGift(Model):
    __tablename__ = "monthly_gifts"
    __table_args__ = (
        CheckConstraint("monthly_vnd > 0", name="monthly_positive"),
        CheckConstraint("day_of_month BETWEEN 1 AND 28", name="day_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), nullable=False, unique=True)
    monthly_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    day_of_month: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    pledge: Mapped[Pledge] = relationship()

    @property
    def state(self) -> GiftState:
        if self.pledge.status in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED):
            return GiftState.STOPPED
        if self.pledge.status == PledgeStatus.FULFILLED:
            return GiftState.COMPLETED
        return GiftState.PAUSED if self.pledge.reminders_paused_at is not None else GiftState.ACTIVE

    @property
    def state_label(self) -> str:
        return GIFT_STATE_LABELS[self.state]
