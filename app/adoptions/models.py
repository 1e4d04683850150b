"""A business adopting a commune (đỡ đầu, issue 19 item 5): a multi-year commitment earmarked to that commune.

The money side is an ordinary pledge (one instalment a year, earmarked to the commune; app.pledges), so reminders,
statuses, the QR and the excess rule are the pledges'. This record says what the pledge is: which business adopts
which commune from which year for how many years, and is what the public commune page and the business's dashboard
read to show the commune's progress (app.adoptions.services.progress)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.donors.models import Donor
from app.extensions import Model
from app.pledges.models import Pledge
from app.units.models import AdminUnit


class CommuneAdoption(Model):
    __tablename__ = "commune_adoptions"
    __table_args__ = (
        CheckConstraint("yearly_vnd > 0", name="yearly_positive"),
        CheckConstraint("years BETWEEN 1 AND 10", name="years_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), nullable=False, unique=True)
    start_year: Mapped[int] = mapped_column(Integer, nullable=False)
    years: Mapped[int] = mapped_column(Integer, nullable=False)
    yearly_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    donor: Mapped[Donor] = relationship()
    commune: Mapped[AdminUnit] = relationship()
    pledge: Mapped[Pledge] = relationship()

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1
