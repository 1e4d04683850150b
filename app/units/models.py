"""Administrative units: current (2025 two-level), legacy (pre-2025), their lineage, designations and hamlets."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, str_enum
from app.core.messages import N_
from app.extensions import Model


class UnitLevel(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"  # legacy units only: districts were abolished on 1/7/2025
    COMMUNE = "commune"


class AdminUnit(Model):
    """A current unit (province, or commune/ward/special zone) keyed by its official code and version."""

    __tablename__ = "admin_units"
    __table_args__ = (UniqueConstraint("level", "code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, "unit_level"), nullable=False)
    code: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    division_type: Mapped[str] = mapped_column(String(40), nullable=False)
    codename: Mapped[str] = mapped_column(String(120), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    code_source: Mapped[str] = mapped_column(String(80), nullable=False)
    search_key: Mapped[str] = mapped_column(String(120), nullable=False, default="")

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<AdminUnit {self.level} {self.code} {self.name}>"

    @property
    def province_id(self) -> int:
        return self.id if self.level == UnitLevel.PROVINCE else (self.parent_id or self.id)

    @property
    def full_name(self) -> str:
        if self.level == UnitLevel.COMMUNE and self.parent is not None:
            return f"{self.name}, {self.parent.name}"
        return self.name

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class LegacyUnit(Model):
    """A pre-2025 unit (province, district, commune); older lists and designations are keyed to these."""

    __tablename__ = "legacy_units"
    __table_args__ = (UniqueConstraint("level", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, "legacy_unit_level"), nullable=False)
    code: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    division_type: Mapped[str] = mapped_column(String(40), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("legacy_units.id"), index=True)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)

    parent: Mapped[LegacyUnit | None] = relationship(remote_side=[id])


class UnitLineage(Model):
    """Old commune -> new commune (many-to-many); a new commune can span several old districts."""

    __tablename__ = "unit_lineage"

    legacy_unit_id: Mapped[int] = mapped_column(ForeignKey("legacy_units.id"), primary_key=True)
    admin_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), primary_key=True, index=True)
    is_partly_merged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class AreaDesignation(Model):
    """A targeting designation (poor district, special-difficulty commune …) with its legal basis and dates."""

    __tablename__ = "area_designations"
    __table_args__ = (UniqueConstraint("kind", "legacy_unit_id", "admin_unit_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    legacy_unit_id: Mapped[int | None] = mapped_column(ForeignKey("legacy_units.id"), index=True)
    admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(255), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    legacy_unit: Mapped[LegacyUnit | None] = relationship()
    admin_unit: Mapped[AdminUnit | None] = relationship()

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


DESIGNATION_LABELS = {
    "huyen_ngheo": N_("Huyện nghèo"),
    "xa_dbkk": N_("Xã đặc biệt khó khăn"),
    "xa_dbkk_bai_ngang": N_("Xã đặc biệt khó khăn vùng bãi ngang ven biển"),
    "vung_dtts": N_("Vùng đồng bào dân tộc thiểu số và miền núi"),
}


class Hamlet(TimestampMixin, Model):
    """A thôn, buôn, làng or tổ dân phố of a commune; kept by the commune's staff (no package lists them)."""

    __tablename__ = "hamlets"
    __table_args__ = (UniqueConstraint("commune_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, default=N_("thôn"))
    search_key: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    commune: Mapped[AdminUnit] = relationship()
