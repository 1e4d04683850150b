"""Goods in and out of a unit's store (kho) — issue 18 item 7.

In-kind gifts are received as money is, through app.contributions.receive (a contribution of channel in_kind at its
estimated value, posted IN_KIND / IN_KIND_DONATIONS on the ledger). Here the goods themselves are followed:

- GoodsStock: one item of one store (unit, fund, purpose, item, unit of measure): quantity and value on hand.
  Changed only by app.goods.services under a row lock (FOR UPDATE, in id order).
- GoodsReceipt: goods of an in-kind contribution taken into the store (no second money-in: it names the
  contribution, whose value is already on the ledger). The receipts of one contribution never exceed its value.
- GoodsHandout (phiếu xuất kho / danh sách cấp phát): lines of item × quantity × value to households (needs of the
  unit) or to a project; prepared by one person, approved by another who neither prepared nor edited it
  (app.core.makerchecker, as payout orders), completed when the signed list is uploaded by one person and confirmed
  by another: the stock goes down and the ledger posts IN_KIND_HANDOUT (IN_KIND_OUT debited, IN_KIND credited).
  Undone only by a reversal (reverse_handout: the ledger's mirror transaction, the stock back).
The signed list is a proof document (image re-encoded without metadata, PDF kept): never public.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.extensions import Model
from app.ledger.models import Purpose
from app.units.models import AdminUnit

BigId = BigInteger().with_variant(Integer, "sqlite")


class Measure(enum.StrEnum):
    BAO = "bao"
    TAN = "tan"
    THUNG = "thung"
    CHIEC = "chiec"
    TAM = "tam"
    KG = "kg"


MEASURE_LABELS = {
    Measure.BAO: "bao",
    Measure.TAN: "tấn",
    Measure.THUNG: "thùng",
    Measure.CHIEC: "chiếc",
    Measure.TAM: "tấm",
    Measure.KG: "kg",
}


class GoodsStock(Model):
    """One item in one unit's store, with the quantity and value on hand."""

    __tablename__ = "goods_stocks"
    __table_args__ = (
        UniqueConstraint("fund_id", "unit_id", "purpose", "item_key", "measure", name="uq_goods_stocks_item"),
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        CheckConstraint("value_vnd >= 0", name="value_nonnegative"),
        CheckConstraint("quantity > 0 OR value_vnd = 0", name="no_value_without_goods"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    """The fund whose books hold the goods' value."""
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    """The unit whose store it is (the in-kind contribution's pool unit)."""
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "goods_purpose"), nullable=False)
    """The purpose of the gifts (their IN_KIND ledger account)."""
    item: Mapped[str] = mapped_column(String(120), nullable=False)
    """What it is, as first written (e.g. "Xi măng PCB40")."""
    item_key: Mapped[str] = mapped_column(String(120), nullable=False)
    """The item folded (app.core.text.fold), so "Xi măng" and "xi mang" are one item."""
    measure: Mapped[Measure] = mapped_column(str_enum(Measure, "goods_measure"), nullable=False)
    """Unit of measure: bao, tấn, thùng, chiếc, tấm, kg."""
    quantity: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """On hand: received − handed out."""
    value_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """Estimated value on hand, whole đồng: received − handed out."""

    unit: Mapped[AdminUnit] = relationship()

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.measure]


class GoodsReceipt(Model):
    """Goods of an in-kind contribution taken into a store."""

    __tablename__ = "goods_receipts"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value_vnd > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    stock_id: Mapped[int] = mapped_column(ForeignKey("goods_stocks.id"), nullable=False, index=True)
    """The store item it went into."""
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), nullable=False, index=True)
    """The in-kind contribution (already on the ledger at its estimated value)."""
    quantity: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """How many (in the item's unit of measure)."""
    value_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Their share of the contribution's estimated value."""
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    """Day taken into the store."""
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Staff note (not public)."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who recorded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When."""

    stock: Mapped[GoodsStock] = relationship()


class HandoutStatus(enum.StrEnum):
    PENDING = "pending"  # prepared or changed: awaiting a second person's approval
    APPROVED = "approved"  # approved: awaiting the signed list
    DONE = "done"  # signed list confirmed: stock out, ledger posted
    CANCELLED = "cancelled"
    REVERSED = "reversed"  # completed, then undone by a reversal


HANDOUT_STATUS_LABELS = {
    HandoutStatus.PENDING: "Chờ phê duyệt",
    HandoutStatus.APPROVED: "Đã duyệt, chờ danh sách ký nhận",
    HandoutStatus.DONE: "Đã cấp phát",
    HandoutStatus.CANCELLED: "Đã hủy",
    HandoutStatus.REVERSED: "Đã đảo (hàng trả lại kho)",
}

OPEN_HANDOUTS = (HandoutStatus.PENDING, HandoutStatus.APPROVED)


class RecipientKind(enum.StrEnum):
    HOUSEHOLDS = "households"
    PROJECT = "project"


RECIPIENT_LABELS = {RecipientKind.HOUSEHOLDS: "Các hộ", RecipientKind.PROJECT: "Công trình / dự án"}


class GoodsHandout(Model):
    """A goods issue note (phiếu xuất kho) with its list of recipients (danh sách cấp phát)."""

    __tablename__ = "goods_handouts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key (PX-000123)."""
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    """The store's unit (staff of its area see and act on it)."""
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), nullable=False)
    """The fund whose books the value leaves."""
    recipient_kind: Mapped[RecipientKind] = mapped_column(
        str_enum(RecipientKind, "goods_recipient_kind"), nullable=False
    )
    """households / project."""
    project_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The project's public name (a project handout)."""
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    """Where the goods went (a project's commune; households: their lines' communes)."""
    status: Mapped[HandoutStatus] = mapped_column(
        str_enum(HandoutStatus, "goods_handout_status"), nullable=False, default=HandoutStatus.PENDING
    )
    """pending / approved / done / cancelled / reversed."""
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Staff note (not public)."""
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """The maker."""
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """The checker; cleared when an edit sends the handout back."""
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When approved."""
    list_path: Mapped[str | None] = mapped_column(String(255))
    """The signed list, relative to UPLOAD_DIR (never public)."""
    list_file_kind: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    """jpeg / png (re-encoded without metadata) / pdf."""
    list_sha256: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    """Checksum of the stored signed list."""
    list_original_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The uploader's file name."""
    list_uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who uploaded the signed list."""
    document_ref: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    """Number of the signed list / issue note."""
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who confirmed the signed list (not its uploader)."""
    handed_out_on: Mapped[date | None] = mapped_column(Date)
    """Day handed out."""
    ledger_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )
    """The IN_KIND_HANDOUT transaction posted on completion."""
    reversal_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )
    """Its reversal, if undone."""
    cancel_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why it was cancelled or reversed."""
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Bumped on every change."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When prepared."""
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    """When last changed."""

    unit: Mapped[AdminUnit] = relationship(foreign_keys=[unit_id])
    lines: Mapped[list[GoodsHandoutLine]] = relationship(
        back_populates="handout", order_by="GoodsHandoutLine.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"PX-{self.id:06d}"

    @property
    def status_label(self) -> str:
        return HANDOUT_STATUS_LABELS[self.status]

    @property
    def recipient_label(self) -> str:
        return RECIPIENT_LABELS[self.recipient_kind]

    @property
    def value_vnd(self) -> int:
        return sum(line.value_vnd for line in self.lines)


class GoodsHandoutLine(Model):
    """item × quantity × value, to one household need (households) or to the project."""

    __tablename__ = "goods_handout_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value_vnd >= 0", name="value_nonnegative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    handout_id: Mapped[int] = mapped_column(ForeignKey("goods_handouts.id"), nullable=False, index=True)
    """The handout."""
    stock_id: Mapped[int] = mapped_column(ForeignKey("goods_stocks.id"), nullable=False, index=True)
    """The store item handed out."""
    need_id: Mapped[int | None] = mapped_column(ForeignKey("household_needs.id"), index=True)
    """The household need it goes to (households); empty for a project."""
    quantity: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """How many."""
    value_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """Their value: the stock's average value when prepared, fixed when the handout is completed."""

    handout: Mapped[GoodsHandout] = relationship(back_populates="lines")
    stock: Mapped[GoodsStock] = relationship()


class HandoutEditor(Model):
    """Everyone who prepared or changed a handout: none of them may approve it."""

    __tablename__ = "goods_handout_editors"
    __table_args__ = (UniqueConstraint("handout_id", "user_id", name="uq_goods_handout_editors_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    handout_id: Mapped[int] = mapped_column(ForeignKey("goods_handouts.id"), nullable=False, index=True)
    """The handout."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    """Who prepared or changed it."""
    first_action: Mapped[str] = mapped_column(String(40), nullable=False)
    """prepare / edit."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When."""
