"""Agency collections (thu theo danh sách cơ quan, issue 19 item 5): an agency (cơ quan, đơn vị) collects "one
day's salary" from its staff and sends ONE transfer with a list. The collection is an ordinary pledge (its
reference, its QR, its statuses, its excess rule) whose money app.contributions.receive splits into one
contribution per staff line (Contribution.agency_line_id); each line has a lookup code the agency hands out."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.donors.models import Donor
from app.extensions import Model


class AgencyStatus(enum.StrEnum):
    REGISTERED = "registered"  # e-mail not yet confirmed
    VERIFIED = "verified"  # e-mail confirmed: may upload its list
    PREVIEW = "preview"  # a list checked and kept, waiting for the agency's confirmation
    CONFIRMED = "confirmed"  # list fixed, pledge and lookup codes made


AGENCY_STATUS_LABELS = {
    AgencyStatus.REGISTERED: "Chờ xác nhận e-mail",
    AgencyStatus.VERIFIED: "Chờ tải danh sách",
    AgencyStatus.PREVIEW: "Chờ xác nhận danh sách",
    AgencyStatus.CONFIRMED: "Đã chốt danh sách",
}


class AgencyCollection(Model):
    """One agency's collection: who registered it and, once its list is confirmed, the pledge it pays."""

    __tablename__ = "agency_collections"
    __table_args__ = (CheckConstraint("total_vnd >= 0", name="total_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The donor record and the pledge are made when the list is confirmed (app.pledges.services.insert_donor and
    # insert_pledge, so a tax code already on file is handled as for any business pledge).
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tax_code: Mapped[str | None] = mapped_column(String(20))
    contact_person: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[AgencyStatus] = mapped_column(
        str_enum(AgencyStatus, "agency_status"), nullable=False, default=AgencyStatus.REGISTERED
    )
    total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    donor: Mapped[Donor | None] = relationship()
    lines: Mapped[list[AgencyLine]] = relationship(
        back_populates="collection", order_by="AgencyLine.seq", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return AGENCY_STATUS_LABELS[self.status]


class AgencyLine(Model):
    """One staff member's line of the list. code: the lookup code handed out (set when the list is confirmed)."""

    __tablename__ = "agency_lines"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        UniqueConstraint("collection_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("agency_collections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    row_no: Mapped[int] = mapped_column(Integer, nullable=False)  # the spreadsheet row it came from
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    publish_name: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    code: Mapped[str | None] = mapped_column(String(8), unique=True)

    collection: Mapped[AgencyCollection] = relationship(back_populates="lines")
