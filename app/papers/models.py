"""Papers a business files: the sponsorship confirmation record (biên bản xác nhận tài trợ), per gift or
per calendar year and receiving committee. Each record is a fixed snapshot, signed (its verification code is
computed from it): when the gifts it covers change (a reversal, a later gift of the same year), a new record
with a new number replaces it and the old one says so on its verification page."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.donors.models import Donor
from app.extensions import Model

BigId = BigInteger().with_variant(Integer, "sqlite")


class SponsorshipRecord(Model):
    __tablename__ = "sponsorship_records"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(
            "(contribution_id IS NULL) <> (year IS NULL)", name="gift_or_year"
        ),  # one gift, or one year of gifts
        Index("ix_sponsorship_records_donor_year", "donor_id", "year", "issuer_unit_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)  # BBTT-56-2026-000001
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    issuer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    issuer_unit_key: Mapped[str] = mapped_column(String(20), nullable=False)  # "56" or "national"
    issuer_name: Mapped[str] = mapped_column(String(255), nullable=False)
    place: Mapped[str] = mapped_column(String(120), nullable=False)
    donor_name: Mapped[str] = mapped_column(String(255), nullable=False)
    tax_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    donor_address: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    donor_representative: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    purpose_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    form_text: Mapped[str] = mapped_column(
        String(255), default="", nullable=False
    )  # "Bằng tiền (chuyển khoản)"
    # [{"id", "receipt_no", "received_on", "channel", "bank_ref", "amount_vnd"}…] in date order
    payments: Mapped[list[dict[str, object]]] = mapped_column(JSON, nullable=False)
    rule_key: Mapped[str] = mapped_column(String(40), nullable=False)  # app.papers.rules
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    signer_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    signer_title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("sponsorship_records.id"))
    mail_to: Mapped[str | None] = mapped_column(String(255))
    mail_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    donor: Mapped[Donor] = relationship()

    @property
    def is_yearly(self) -> bool:
        return self.year is not None

    @property
    def contribution_ids(self) -> list[int]:
        return [int(str(p["id"])) for p in self.payments]
