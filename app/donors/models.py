"""Donors: businesses (by tax code), households, individuals and organisations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model
from app.units.models import AdminUnit


class DonorKind(enum.StrEnum):
    BUSINESS = "business"
    HOUSEHOLD = "household"
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


DONOR_KIND_LABELS = {
    DonorKind.BUSINESS: N_("Doanh nghiệp"),
    DonorKind.HOUSEHOLD: "Hộ gia đình",
    DonorKind.INDIVIDUAL: "Cá nhân",
    DonorKind.ORGANISATION: N_("Cơ quan, tổ chức"),
}


class PublicDisplay(enum.StrEnum):
    FULL_NAME = "full_name"
    ANONYMOUS = "anonymous"


ANONYMOUS_NAME = "Nhà hảo tâm"


class Donor(TimestampMixin, Model):
    __tablename__ = "donors"
    # Duplicate candidates by folded name within a commune (app.donors.merge).
    __table_args__ = (Index("ix_donors_name_commune", "search_key", "commune_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DonorKind] = mapped_column(str_enum(DonorKind, "donor_kind"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tax_code: Mapped[str | None] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    contact_person: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    # ISO 3166-1 alpha-2; a donor abroad gives a country instead of a province and commune (issue 19.4)
    country: Mapped[str] = mapped_column(String(2), default="VN", server_default="VN", nullable=False)
    # The language of the page the donor used (app.core.i18n.request_language): what is sent to them speaks it.
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi", nullable=False)
    public_display: Mapped[PublicDisplay] = mapped_column(
        str_enum(PublicDisplay, "donor_public_display"), default=PublicDisplay.FULL_NAME, nullable=False
    )
    search_key: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    # Who speaks for a business (issue 19.1): a tax code is an identifier, not a login. A record is verified
    # when staff checked it (with a reason, audited); only then do its users confirm pledges made in its name.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # One record per donor (issue 19.2): a hash of the national ID number (never the number itself), and the
    # record this one was merged into (a merged record is kept, so the merge can be undone).
    national_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)

    province: Mapped[AdminUnit | None] = relationship(foreign_keys=[province_id])
    commune: Mapped[AdminUnit | None] = relationship(foreign_keys=[commune_id])

    @property
    def public_name(self) -> str:
        return ANONYMOUS_NAME if self.public_display == PublicDisplay.ANONYMOUS else self.name

    @property
    def kind_label(self) -> str:
        return DONOR_KIND_LABELS[self.kind]


class DonorMerge(Model):
    """One merge of a duplicate donor record into the surviving one, with what is needed to undo it: the
    surviving record's fields before, the fields chosen, and the ids of every row moved (issue 19.2)."""

    __tablename__ = "donor_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    survivor_before: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    chosen: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    survivor: Mapped[Donor] = relationship(foreign_keys=[survivor_id])
    merged: Mapped[Donor] = relationship(foreign_keys=[merged_id])
