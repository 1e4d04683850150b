"""Door-to-door household collections: the per-household rows, import batches and the commune's display setting."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model
from app.units.models import AdminUnit, Hamlet

BigId = BigInteger().with_variant(Integer, "sqlite")


class HouseholdDisplay(enum.StrEnum):
    NAME = "name"  # the household head's name appears on public lists
    HAMLET = "hamlet"  # "Hộ gia đình – Thôn …"


DISPLAY_LABELS = {
    HouseholdDisplay.NAME: N_("Tên chủ hộ"),
    HouseholdDisplay.HAMLET: N_("“Hộ gia đình” kèm tên thôn/tổ dân phố"),
}


class CollectionSettings(Model):
    """A commune's choice of how household contributions are shown publicly (overrides the campaign's)."""

    __tablename__ = "collection_settings"

    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), primary_key=True)
    household_display: Mapped[HouseholdDisplay] = mapped_column(
        str_enum(HouseholdDisplay, "household_display"), nullable=False, default=HouseholdDisplay.HAMLET
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class BatchStatus(enum.StrEnum):
    PREVIEWED = "previewed"  # parsed and checked, waiting for the staff's decision
    QUEUED = "queued"  # committing in the background
    COMMITTED = "committed"
    REVERSED = "reversed"  # undone as a whole by a ledger reversal
    FAILED = "failed"
    CANCELLED = "cancelled"


BATCH_STATUS_LABELS = {
    BatchStatus.PREVIEWED: N_("Chờ xác nhận"),
    BatchStatus.QUEUED: N_("Đang ghi"),
    BatchStatus.COMMITTED: "Đã ghi nhận",
    BatchStatus.REVERSED: N_("Đã hủy cả lô"),
    BatchStatus.FAILED: N_("Lỗi khi ghi"),
    BatchStatus.CANCELLED: N_("Đã bỏ"),
}


class ImportBatch(Model):
    """One uploaded spreadsheet of household contributions: the kept file, its checks and its outcome."""

    __tablename__ = "collection_import_batches"
    __table_args__ = (
        CheckConstraint("total_vnd >= 0", name="total_nonneg"),
        CheckConstraint("processed_rows >= 0", name="processed_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "collection_batch_status"), nullable=False, default=BatchStatus.PREVIEWED
    )
    original_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    file_kind: Mapped[str] = mapped_column(String(8), nullable=False)
    stored_path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    total_rows: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    error_rows: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    errors: Mapped[list] = mapped_column(
        JSON, default=list, nullable=False
    )  # [{"row": 7, "messages": [...]}]
    skip_errors: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0, nullable=False)  # progress of the commit
    committed_rows: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    reversal_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    failure: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    commune: Mapped[AdminUnit] = relationship()

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.error_rows

    @property
    def status_label(self) -> str:
        return BATCH_STATUS_LABELS[self.status]

    @property
    def progress_percent(self) -> int:
        if self.status in (BatchStatus.COMMITTED, BatchStatus.REVERSED):
            return 100
        target = self.valid_rows if self.skip_errors else self.total_rows
        return min(100, round(100 * self.processed_rows / target)) if target else 0


class HouseholdRow(Model):
    """Who gave a recorded household contribution (the head's name stays here even when the public list
    shows only the hamlet), for duplicate checks and the collectors' signature lists."""

    __tablename__ = "household_collections"
    __table_args__ = (
        Index("ix_household_collections_dup", "campaign_id", "commune_id", "name_key", "hamlet_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), nullable=False, unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id"), nullable=False
    )  # the dup index covers it
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("hamlets.id"), nullable=False)
    head_name: Mapped[str] = mapped_column(String(255), nullable=False)
    name_key: Mapped[str] = mapped_column(String(255), nullable=False)
    collector_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    # No index: imports write hundreds of thousands of rows and nothing looks them up by batch here.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("collection_import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    hamlet: Mapped[Hamlet] = relationship()
