"""Official bank accounts of the Front's committees, which donors transfer to."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin
from app.extensions import Model
from app.units.models import AdminUnit


class OfficialBankAccount(TimestampMixin, Model):
    """The account of a unit's Ban vận động Quỹ "Vì người nghèo" (unit None: the central committee)."""

    __tablename__ = "official_bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    bank_bin: Mapped[str] = mapped_column(String(6), nullable=False)  # NAPAS BIN, e.g. 970436 Vietcombank
    bank_name: Mapped[str] = mapped_column(String(120), nullable=False)
    account_number: Mapped[str] = mapped_column(String(30), nullable=False)
    account_name: Mapped[str] = mapped_column(String(255), nullable=False)
    branch: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    unit: Mapped[AdminUnit | None] = relationship()
