"""Money out to a household with two people and proof (issue 18 items 1–3).

- PaymentDetails: where a household's money goes (a bank account, or cash handed to a recipient before a witness),
  encrypted like the household's identifiers (app.needs.crypto); staff see it masked, a reveal needs a typed,
  audited reason. Never on a public page or in an export other than the bank payment file itself.
- PayoutOrder: one tranche of a funded need, prepared by one person and approved by another who neither prepared
  it, edited it, edited the payment details nor edited the need (every editor recorded in payout_editors).
  Approval freezes the amount and the payment details' version; a later edit sends the order back for approval.
  Paying it calls app.needs.funding.disburse_need (the one ledger path for a tranche).
- PayoutBatch: approved bank orders exported together as a bank bulk-payment file (docs/PAYOUTS.md).
- PayoutProof: signed documents (phiếu chi, biên bản giao nhận, biên bản bàn giao nhà) per order or per
  construction stage; images re-encoded without metadata, PDFs kept as uploaded; never public.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model
from app.needs.models import TRANCHE_LABELS, HouseholdNeed, NeedStatus, TrancheKind

BigId = BigInteger().with_variant(Integer, "sqlite")


class PayMethod(enum.StrEnum):
    BANK = "bank"  # chuyển khoản vào tài khoản của hộ
    CASH = "cash"  # giao tiền mặt cho người nhận, có người làm chứng


PAY_METHOD_LABELS = {PayMethod.BANK: N_("Chuyển khoản"), PayMethod.CASH: N_("Tiền mặt (giao tận tay)")}


class PaymentDetails(Model):
    """How one household need is paid. Personal values are Fernet-encrypted; the last digits of the account and a
    keyed digest (to match a bank line without decrypting) are kept in clear."""

    __tablename__ = "payment_details"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, unique=True)
    """The household need paid this way (one set of details per need)."""
    method: Mapped[PayMethod] = mapped_column(str_enum(PayMethod, "payment_method"), nullable=False)
    """bank / cash."""
    bank_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    """Bank of the account (e.g. "Agribank"); bank only."""
    account_number_enc: Mapped[str | None] = mapped_column(Text)
    """Account number, encrypted (bank only)."""
    account_last4: Mapped[str] = mapped_column(String(4), default="", nullable=False)
    """Last four digits, for the masked display "…1234"."""
    account_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    """Keyed HMAC of the account number (blind index)."""
    holder_name_enc: Mapped[str | None] = mapped_column(Text)
    """Account holder's name, encrypted (bank only)."""
    recipient_name_enc: Mapped[str | None] = mapped_column(Text)
    """Who receives the cash, encrypted (cash only)."""
    witness_name_enc: Mapped[str | None] = mapped_column(Text)
    """Who witnesses the handover (e.g. the hamlet head), encrypted (cash only)."""
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Bumped on every change; an approved order freezes the version it was approved with."""
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who last changed the details."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When the details were first entered."""
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    """When they last changed."""

    @property
    def method_label(self) -> str:
        return PAY_METHOD_LABELS[self.method]

    @property
    def masked(self) -> str:
        if self.method == PayMethod.BANK:
            return f"{self.bank_name} …{self.account_last4}"
        return PAY_METHOD_LABELS[PayMethod.CASH]


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # prepared or changed: awaiting a second person's approval
    APPROVED = "approved"  # approved: amount and payment details frozen
    EXPORTED = "exported"  # in a bank payment file, awaiting the bank's debit
    PAID = "paid"  # paid: the tranche is disbursed on the ledger
    CANCELLED = "cancelled"
    REVERSED = "reversed"  # paid, then its tranche reversed (app.needs.funding.reverse_disbursement)


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING: N_("Chờ phê duyệt"),
    OrderStatus.APPROVED: N_("Đã phê duyệt"),
    OrderStatus.EXPORTED: N_("Đã xuất tệp ngân hàng"),
    OrderStatus.PAID: N_("Đã chi"),
    OrderStatus.CANCELLED: "Đã hủy",
    OrderStatus.REVERSED: "Đã hoàn chi (khoản chi bị đảo)",
}

OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.APPROVED, OrderStatus.EXPORTED)


class PayoutOrder(Model):
    """One tranche to pay to a household need (lệnh chi)."""

    __tablename__ = "payout_orders"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_payout_orders_need_status", "need_id", "status"),
        Index("ix_payout_orders_commune_status", "commune_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key; the transfer description carries it as CT-PO-000123."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False)
    """The funded need paid."""
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False)
    """The need's commune (the area whose staff see the order)."""
    tranche: Mapped[TrancheKind] = mapped_column(str_enum(TrancheKind, "payout_tranche_kind"), nullable=False)
    """advance / progress / final (as a NeedDisbursement)."""
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Amount to pay, whole đồng."""
    method: Mapped[PayMethod] = mapped_column(str_enum(PayMethod, "payout_method"), nullable=False)
    """bank / cash, from the payment details when prepared or edited."""
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Staff note."""
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "payout_status"), nullable=False, default=OrderStatus.PENDING
    )
    """pending / approved / exported / paid / cancelled."""
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who prepared the order (the maker)."""
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who approved it (the checker); cleared when an edit sends it back."""
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When it was approved."""
    approved_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    """The amount frozen by the approval."""
    approved_details_version: Mapped[int | None] = mapped_column(Integer)
    """The payment details' version frozen by the approval."""
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    """The bank payment file the order went out in."""
    cash_proof_id: Mapped[int | None] = mapped_column(BigId)
    """Cash: the signed receipt (payout_proofs.id: phiếu chi / biên bản) the payment was confirmed with; no foreign
    key, as payout_proofs already refers to the order."""
    paid_on: Mapped[date | None] = mapped_column(Date)
    """Day paid (the bank's booking day, or the cash handover's)."""
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Cash: who confirmed the signed receipt (not its uploader). Bank: empty (the bank's debit)."""
    bank_reference: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """Bank: the debit line's description that matched."""
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("need_disbursements.id"), unique=True)
    """The NeedDisbursement (and its ledger transaction) that paid it."""
    cancel_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why it was cancelled."""
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Bumped on every change."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When it was prepared."""
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    """When it last changed."""

    need: Mapped[HouseholdNeed] = relationship()

    @property
    def reference(self) -> str:
        return reference_code(self.id)

    @property
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS[self.status]

    @property
    def method_label(self) -> str:
        return PAY_METHOD_LABELS[self.method]

    @property
    def tranche_label(self) -> str:
        return TRANCHE_LABELS[self.tranche]


def reference_code(order_id: int) -> str:
    """The code put in the transfer description, by which the bank's debit is matched back to the order."""
    return f"CT-PO-{order_id:06d}"


class PayoutEditor(Model):
    """Everyone who prepared or changed an order (one row per person and order): none of them may approve it."""

    __tablename__ = "payout_editors"
    __table_args__ = (UniqueConstraint("order_id", "user_id", name="uq_payout_editors_order_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    order_id: Mapped[int] = mapped_column(ForeignKey("payout_orders.id"), nullable=False, index=True)
    """The order."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    """The person who prepared or changed it."""
    first_action: Mapped[str] = mapped_column(String(40), nullable=False)
    """prepare / edit (what the person first did)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When."""


class DetailsEditor(Model):
    """Everyone who entered or changed a need's payment details: none of them may approve its orders."""

    __tablename__ = "payment_details_editors"
    __table_args__ = (UniqueConstraint("details_id", "user_id", name="uq_payment_details_editors_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    details_id: Mapped[int] = mapped_column(ForeignKey("payment_details.id"), nullable=False, index=True)
    """The payment details."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    """The person who entered or changed them."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When first."""


class PayoutBatch(Model):
    """Approved bank orders exported together as one bank payment file."""

    __tablename__ = "payout_batches"
    __table_args__ = (CheckConstraint("total_vnd > 0", name="total_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    paying_account_id: Mapped[int] = mapped_column(ForeignKey("official_bank_accounts.id"), nullable=False)
    """The official account the file is uploaded to and the money leaves from."""
    order_count: Mapped[int] = mapped_column(Integer, nullable=False)
    """Orders in the file."""
    total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Sum of the orders' amounts."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who exported it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When."""


class ProofKind(enum.StrEnum):
    RECEIPT = "receipt"  # phiếu chi có chữ ký người nhận
    CASH_RECORD = "cash_record"  # biên bản giao nhận tiền mặt (người nhận, người làm chứng)
    HANDOVER = "handover"  # biên bản bàn giao nhà
    STAGE_PHOTO = "stage_photo"  # ảnh chụp giai đoạn làm chứng từ (không công khai)
    OTHER = "other"


PROOF_KIND_LABELS = {
    ProofKind.RECEIPT: N_("Phiếu chi (có chữ ký người nhận)"),
    ProofKind.CASH_RECORD: N_("Biên bản giao nhận tiền mặt"),
    ProofKind.HANDOVER: N_("Biên bản bàn giao nhà"),
    ProofKind.STAGE_PHOTO: N_("Ảnh chứng từ giai đoạn"),
    ProofKind.OTHER: N_("Chứng từ khác"),
}

SIGNED_PROOFS = (ProofKind.RECEIPT, ProofKind.CASH_RECORD)


class PayoutProof(Model):
    """A proof document kept for audit under UPLOAD_DIR: never public, served to staff of the area only."""

    __tablename__ = "payout_proofs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, index=True)
    """The need it documents."""
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payout_orders.id"), index=True)
    """The order it proves, if any."""
    stage: Mapped[NeedStatus | None] = mapped_column(str_enum(NeedStatus, "payout_proof_stage"))
    """The construction stage it documents, if any (started / completed / handed_over)."""
    kind: Mapped[ProofKind] = mapped_column(str_enum(ProofKind, "payout_proof_kind"), nullable=False)
    """receipt / cash_record / handover / stage_photo / other."""
    file_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    """jpeg / png (re-encoded without metadata) or pdf (kept as uploaded), sniffed from the content."""
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    """Path relative to UPLOAD_DIR (random name)."""
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    """Checksum of the stored bytes."""
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    """Size in bytes."""
    original_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The uploader's filename (metadata only)."""
    document_ref: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    """Number of the document (số phiếu chi …)."""
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who uploaded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When."""

    @property
    def kind_label(self) -> str:
        return PROOF_KIND_LABELS[self.kind]
