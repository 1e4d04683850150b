"""Donors: businesses (by tax code), households, individuals and organisations."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, str_enum
from app.extensions import Model
from app.units.models import AdminUnit


class DonorKind(enum.StrEnum):
    BUSINESS = "business"
    HOUSEHOLD = "household"
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


DONOR_KIND_LABELS = {
    DonorKind.BUSINESS: "Doanh nghiệp",
    DonorKind.HOUSEHOLD: "Hộ gia đình",
    DonorKind.INDIVIDUAL: "Cá nhân",
    DonorKind.ORGANISATION: "Cơ quan, tổ chức",
}


class PublicDisplay(enum.StrEnum):
    FULL_NAME = "full_name"
    ANONYMOUS = "anonymous"


ANONYMOUS_NAME = "Nhà hảo tâm"


class Donor(TimestampMixin, Model):
    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DonorKind] = mapped_column(str_enum(DonorKind, "donor_kind"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tax_code: Mapped[str | None] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    contact_person: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    # ISO 3166-1 alpha-2; a donor abroad gives a country instead of a province and commune (issue 19.4)
    country: Mapped[str] = mapped_column(String(2), default="VN", server_default="VN", nullable=False)
    public_display: Mapped[PublicDisplay] = mapped_column(
        str_enum(PublicDisplay, "donor_public_display"), default=PublicDisplay.FULL_NAME, nullable=False
    )
    search_key: Mapped[str] = mapped_column(String(255), default="", nullable=False)

    province: Mapped[AdminUnit | None] = relationship(foreign_keys=[province_id])
    commune: Mapped[AdminUnit | None] = relationship(foreign_keys=[commune_id])

    @property
    def public_name(self) -> str:
        return ANONYMOUS_NAME if self.public_display == PublicDisplay.ANONYMOUS else self.name

    @property
    def kind_label(self) -> str:
        return DONOR_KIND_LABELS[self.kind]
