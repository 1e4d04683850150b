"""Periodic reports (sơ kết 6 tháng, tổng kết năm) produced in the background."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.models import Campaign
from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model
from app.units.models import AdminUnit


class ReportKind(enum.StrEnum):
    HALF_YEAR = "half_year"  # sơ kết 6 tháng
    YEAR = "year"  # tổng kết năm


REPORT_KIND_LABELS = {ReportKind.HALF_YEAR: "Sơ kết 6 tháng", ReportKind.YEAR: "Tổng kết năm"}


class ReportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


REPORT_STATUS_LABELS = {
    ReportStatus.QUEUED: N_("Đang chờ"),
    ReportStatus.RUNNING: N_("Đang lập"),
    ReportStatus.DONE: N_("Đã xong"),
    ReportStatus.FAILED: "Lỗi",
}


class ReportJob(Model):
    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, "report_kind"), nullable=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)  # None: national
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), nullable=False, default=ReportStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)  # percent
    figures: Mapped[dict | None] = mapped_column(JSON)
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The document as the Front files it: number, place, date, recipients (nơi nhận), signer (app.reports.render).
    details: Mapped[dict | None] = mapped_column(JSON)
    # A tổng kết published on the public annual report page: SHA-256 of its canonical figures, Ed25519-signed.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    content_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[AdminUnit | None] = relationship()

    @property
    def kind_label(self) -> str:
        return REPORT_KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[self.status]


class ReviewResult(enum.StrEnum):
    STILL_POOR = "still_poor"
    NEAR_POOR = "near_poor"
    OUT_OF_POVERTY = "out_of_poverty"


REVIEW_RESULT_LABELS = {
    ReviewResult.STILL_POOR: "Vẫn là hộ nghèo",
    ReviewResult.NEAR_POOR: "Hộ cận nghèo",
    ReviewResult.OUT_OF_POVERTY: "Thoát nghèo",
}


class PovertyReview(Model):
    """The result of a year's poverty review (rà soát hộ nghèo, QĐ 24/2021/QĐ-TTg) for a household the fund helped:
    one per household need and year, recorded by the area's staff (issue 18.10)."""

    __tablename__ = "poverty_reviews"
    __table_args__ = (UniqueConstraint("need_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    result: Mapped[ReviewResult] = mapped_column(
        str_enum(ReviewResult, "poverty_review_result"), nullable=False
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PovertyTarget(Model):
    """A unit's own poverty-reduction target for a year, as data (e.g. Khánh Hòa's resolution 24-NQ/TU): how many
    households helped should leave the poor list, with the instrument that sets it (issue 18.10)."""

    __tablename__ = "poverty_targets"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    exits_target: Mapped[int] = mapped_column(Integer, nullable=False)  # households leaving the poor list
    legal_basis: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    unit: Mapped[AdminUnit] = relationship()
