"""The needs registry: poor households' housing (and other) needs, their funding, disbursement and construction.

Personal data (head_name, the encrypted identifiers, situation) is for staff of the household's area only;
public pages use head_initials, the hamlet/commune, stage, amounts and publishable photos — nothing else.
Field names here are a contract with app/matching: never rename a committed field.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
from app.ledger.models import Purpose
from app.units.models import AdminUnit, Hamlet, LegacyUnit

BigId = BigInteger().with_variant(Integer, "sqlite")


class PovertyStatus(enum.StrEnum):
    POOR = "poor"
    NEAR_POOR = "near_poor"
    SPECIAL_HARDSHIP = "special_hardship"  # hoàn cảnh đặc biệt khó khăn (not on the poor list)


POVERTY_LABELS = {
    PovertyStatus.POOR: N_("Hộ nghèo"),
    PovertyStatus.NEAR_POOR: "Hộ cận nghèo",
    PovertyStatus.SPECIAL_HARDSHIP: N_("Hoàn cảnh đặc biệt khó khăn"),
}


class NeedKind(enum.StrEnum):
    NEW_HOUSE = "new_house"
    REPAIR = "repair"
    LIVELIHOOD = "livelihood"
    EDUCATION = "education"
    HEALTH = "health"


NEED_KIND_LABELS = {
    NeedKind.NEW_HOUSE: N_("Xây mới nhà ở"),
    NeedKind.REPAIR: N_("Sửa chữa nhà ở"),
    NeedKind.LIVELIHOOD: N_("Hỗ trợ sinh kế"),
    NeedKind.EDUCATION: N_("Hỗ trợ học tập"),
    NeedKind.HEALTH: N_("Hỗ trợ y tế"),
}

# The ledger purpose each kind of need is paid from.
KIND_PURPOSE = {
    NeedKind.NEW_HOUSE: Purpose.HOUSING,
    NeedKind.REPAIR: Purpose.HOUSING,
    NeedKind.LIVELIHOOD: Purpose.LIVELIHOOD,
    NeedKind.EDUCATION: Purpose.EDUCATION,
    NeedKind.HEALTH: Purpose.HEALTH,
}


class NeedStatus(enum.StrEnum):
    PROPOSED = "proposed"  # entered by the commune, awaiting the province
    APPROVED = "approved"  # approved by the province: eligible for matching
    FUNDED = "funded"  # fully funded by allocations (need_fundings)
    STARTED = "started"  # construction / support started
    COMPLETED = "completed"  # construction completed
    HANDED_OVER = "handed_over"  # house handed over to the household
    REJECTED = "rejected"  # refused by the province (reason recorded)


NEED_STATUS_LABELS = {
    NeedStatus.PROPOSED: N_("Xã đề xuất"),
    NeedStatus.APPROVED: N_("Tỉnh đã duyệt"),
    NeedStatus.FUNDED: N_("Đã bố trí kinh phí"),
    NeedStatus.STARTED: N_("Đang xây dựng"),
    NeedStatus.COMPLETED: N_("Đã hoàn thành"),
    NeedStatus.HANDED_OVER: N_("Đã bàn giao"),
    NeedStatus.REJECTED: N_("Không được duyệt"),
}

# Statuses in which the need is eligible for new funding by the matching engine.
MATCHABLE_STATUSES = (NeedStatus.APPROVED,)


class HouseholdNeed(Model):
    """One household's need in one campaign, from the commune's review of poor/near-poor households."""

    __tablename__ = "household_needs"
    __table_args__ = (
        CheckConstraint("estimated_cost_vnd > 0", name="cost_positive"),
        CheckConstraint("secured_vnd >= 0", name="secured_nonneg"),
        CheckConstraint("requested_vnd > 0", name="requested_positive"),
        CheckConstraint("requested_vnd + secured_vnd <= estimated_cost_vnd", name="requested_within_cost"),
        CheckConstraint("funded_vnd >= 0 AND funded_vnd <= requested_vnd", name="funded_within_requested"),
        CheckConstraint("disbursed_vnd >= 0 AND disbursed_vnd <= funded_vnd", name="disbursed_within_funded"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("campaign_id", "citizen_id_digest", name="uq_household_needs_campaign_citizen"),
        Index("ix_household_needs_campaign_status", "campaign_id", "status"),
        Index("ix_household_needs_commune_status", "commune_id", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key; public house cards use it in their URL (/cong-khai/nha/<id>)."""
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    """The campaign whose registry this need belongs to (priority rules are per campaign)."""
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False)
    """Current (post-2025) commune, admin_units.id: the area that owns the need and receives its allocation."""
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("hamlets.id"), index=True)
    """Hamlet (thôn/tổ dân phố) of the commune; shown on the public card."""
    legacy_commune_id: Mapped[int | None] = mapped_column(ForeignKey("legacy_units.id"))
    """Optional pre-2025 commune (legacy_units) where the household was assessed."""
    head_name: Mapped[str] = mapped_column(String(255), nullable=False)
    """Full name of the head of household — personal data, staff of the area only, never public."""
    head_initials: Mapped[str] = mapped_column(String(40), nullable=False)
    """Initials computed with app.core.text.initials ("N.V.A."): the only name shown publicly."""
    search_key: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """fold(head_name + hamlet) for diacritic-insensitive staff search; staff only."""
    citizen_id_enc: Mapped[str | None] = mapped_column(Text)
    """Citizen ID (CCCD, 12 digits), Fernet-encrypted (app.needs.crypto); decrypted only on demand, audited."""
    citizen_id_digest: Mapped[str | None] = mapped_column(String(64))
    """Keyed HMAC-SHA256 of the citizen ID (blind index): refuses the same household twice in a campaign."""
    phone_enc: Mapped[str | None] = mapped_column(Text)
    """Phone number, Fernet-encrypted; staff of the area only, audited on decryption."""
    address_enc: Mapped[str | None] = mapped_column(Text)
    """Exact address, Fernet-encrypted; staff of the area only, audited on decryption."""
    household_size: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Number of people in the household."""
    poverty_status: Mapped[PovertyStatus] = mapped_column(
        str_enum(PovertyStatus, "need_poverty_status"), nullable=False
    )
    """poor / near_poor / special_hardship, from the commune's official review (rà soát)."""
    merit_family: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Family of a person with merit to the revolution (gia đình có công)."""
    ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Household of an ethnic minority — sensitive, never public."""
    elderly_alone: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Elderly person living alone."""
    disability: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """A member with a disability — health data, never public."""
    single_parent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Single parent raising children."""
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "need_purpose"), nullable=False)
    """Ledger purpose the need is paid from (housing for new_house/repair; see KIND_PURPOSE)."""
    need_kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "need_kind"), nullable=False)
    """new_house / repair / livelihood / education / health."""
    situation: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Staff note on the current housing/situation; may hold sensitive detail — never public."""
    estimated_cost_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Estimated total cost in whole đồng."""
    secured_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """Funding already secured from other sources = sum of need_funding_sources (kept in sync by services)."""
    requested_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Support asked from the fund (e.g. 60.000.000 new house, 30.000.000 repair); <= cost - secured."""
    funded_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """Sum of active need_fundings (kept in sync by record/revoke_need_funding); remaining = requested - funded."""
    disbursed_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """Sum of need_disbursements not reversed; never above funded_vnd."""
    status: Mapped[NeedStatus] = mapped_column(
        str_enum(NeedStatus, "need_status"), nullable=False, default=NeedStatus.PROPOSED
    )
    """Workflow: proposed -> approved -> funded -> started -> completed -> handed_over; or rejected."""
    rejection_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why the province rejected the need (staff only)."""
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Commune staff member who entered/proposed the need."""
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Province staff member who approved or rejected it."""
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the province approved or rejected it."""
    approved_on: Mapped[date | None] = mapped_column(Date)
    """Stage date: approved by the province."""
    started_on: Mapped[date | None] = mapped_column(Date)
    """Stage date: construction started (late-flag clock starts here)."""
    completed_on: Mapped[date | None] = mapped_column(Date)
    """Stage date: construction completed."""
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    """Stage date: house handed over."""
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("need_import_batches.id"), index=True)
    """The spreadsheet import that created it, if any."""
    support_limit_vnd: Mapped[int | None] = mapped_column(BigInteger)
    """The program's support limit for this kind of need in the province when the need was last entered or edited
    (support_limits); None when no limit applies."""
    limit_override_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why the support asked exceeds the limit (required then; the approver sees it); empty otherwise."""
    poverty_standard_id: Mapped[int | None] = mapped_column(ForeignKey("poverty_standards.id"))
    """The poverty standard (2022–2025, 2026–2030) under which the household was listed (poverty_standards)."""
    poverty_list_year: Mapped[int | None] = mapped_column(Integer)
    """Year of the poor/near-poor list (rà soát) that made the household eligible."""
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Bumped on every edit of the need (data or status); matching freezes a snapshot and compares it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When the need was entered."""
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    """When the need last changed."""

    commune: Mapped[AdminUnit] = relationship(foreign_keys=[commune_id])
    hamlet: Mapped[Hamlet | None] = relationship()
    legacy_commune: Mapped[LegacyUnit | None] = relationship()
    poverty_standard: Mapped[PovertyStandard | None] = relationship()
    sources: Mapped[list[NeedFundingSource]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="NeedFundingSource.id"
    )

    @property
    def remaining_vnd(self) -> int:
        """Support still to be funded."""
        return self.requested_vnd - self.funded_vnd

    @property
    def status_label(self) -> str:
        return NEED_STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return NEED_KIND_LABELS[self.need_kind]

    @property
    def poverty_label(self) -> str:
        return POVERTY_LABELS[self.poverty_status]


class SourceKind(enum.StrEnum):
    STATE = "state"  # state programme (e.g. Chương trình xóa nhà tạm, nhà dột nát)
    OWN = "own"  # the household's own money / labour
    SPONSOR = "sponsor"  # another sponsor
    OTHER = "other"


SOURCE_KIND_LABELS = {
    SourceKind.STATE: N_("Ngân sách/chương trình Nhà nước"),
    SourceKind.OWN: N_("Hộ gia đình tự có"),
    SourceKind.SPONSOR: N_("Nhà tài trợ khác"),
    SourceKind.OTHER: N_("Nguồn khác"),
}


class NeedFundingSource(Model):
    """Funding already secured for a need outside the fund: state programme, own money, other sponsors."""

    __tablename__ = "need_funding_sources"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(
        ForeignKey("household_needs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    """The need this source helps fund."""
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "need_source_kind"), nullable=False)
    """state / own / sponsor / other."""
    name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """Name of the programme or sponsor (e.g. "Chương trình 1719")."""
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Amount secured, whole đồng."""

    need: Mapped[HouseholdNeed] = relationship(back_populates="sources")

    @property
    def kind_label(self) -> str:
        return SOURCE_KIND_LABELS[self.kind]


class PriorityRule(Model):
    """The weight of one priority criterion in one campaign (published on /cong-khai/tieu-chi-uu-tien)."""

    __tablename__ = "priority_rules"
    __table_args__ = (
        UniqueConstraint("campaign_id", "criterion"),
        CheckConstraint("weight >= 0 AND weight <= 1000", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    """Primary key."""
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    """Campaign the rule applies to."""
    criterion: Mapped[str] = mapped_column(String(40), nullable=False)
    """Criterion code, one of app.needs.priority.CRITERIA (poor, near_poor, merit_family, huyen_ngheo …)."""
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    """Points a need gains when it meets the criterion (0 disables it)."""
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    """Vietnamese label shown to staff and the public."""
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    """When the weight last changed."""


class FundingStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class NeedFunding(Model):
    """Money of the fund allocated to one need (posted by an approved matching proposal). The one source of
    truth for "how much was allocated to this house" and, through draws, from which pools."""

    __tablename__ = "need_fundings"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_need_fundings_need_status", "need_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False)
    """The need funded."""
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Amount allocated to the need = sum of draws."""
    ledger_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), index=True
    )
    """The ledger ALLOCATION transaction that moved the money (one transaction may fund many needs)."""
    proposal_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The matching proposal (app.matching) that produced it; plain integer, no FK (matching migrates later)."""
    draws: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    """Pool breakdown: [{"pool_unit_id": int|None, "purpose": str, "amount_vnd": int}, …]."""
    status: Mapped[FundingStatus] = mapped_column(
        str_enum(FundingStatus, "need_funding_status"), nullable=False, default=FundingStatus.ACTIVE
    )
    """active / revoked."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who posted it (the proposal's approver)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When it was recorded."""
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When it was revoked."""
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who revoked it."""
    revoke_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Why it was revoked."""
    revocation_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    """The ledger transaction that reversed the allocation, if the caller posted one."""

    need: Mapped[HouseholdNeed] = relationship()


class TrancheKind(enum.StrEnum):
    ADVANCE = "advance"  # tạm ứng khi khởi công
    PROGRESS = "progress"  # theo tiến độ
    FINAL = "final"  # thanh toán khi hoàn thành


TRANCHE_LABELS = {
    TrancheKind.ADVANCE: N_("Tạm ứng khi khởi công"),
    TrancheKind.PROGRESS: N_("Theo tiến độ"),
    TrancheKind.FINAL: N_("Thanh toán khi hoàn thành"),
}


class NeedDisbursement(Model):
    """One tranche paid out to a household, with its document reference, posted to the ledger."""

    __tablename__ = "need_disbursements"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, index=True)
    """The need paid."""
    tranche: Mapped[TrancheKind] = mapped_column(str_enum(TrancheKind, "need_tranche_kind"), nullable=False)
    """advance / progress / final."""
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Amount paid, whole đồng."""
    document_ref: Mapped[str] = mapped_column(String(120), nullable=False)
    """Reference of the supporting document (phiếu chi, biên bản giao nhận …)."""
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    """Day of payment."""
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Staff note."""
    ledger_transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"), nullable=False, index=True
    )
    """The ledger DISBURSEMENT transaction."""
    reversal_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    """Set when the tranche was reversed (a mistake undone by a reversal)."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who recorded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When it was recorded."""

    @property
    def tranche_label(self) -> str:
        return TRANCHE_LABELS[self.tranche]


class NeedPhoto(Model):
    """A construction photo, stored under UPLOAD_DIR and served to staff by a view; public only if publishable."""

    __tablename__ = "need_photos"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    need_id: Mapped[int] = mapped_column(ForeignKey("household_needs.id"), nullable=False, index=True)
    """The need photographed."""
    stage: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus, "need_photo_stage"), nullable=False)
    """Stage the photo documents (approved / started / completed / handed_over)."""
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    """Path relative to UPLOAD_DIR (random name); never under static."""
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    """png / jpeg (sniffed from content)."""
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    """Checksum of the stored bytes."""
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    """Size in bytes."""
    caption: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """Short caption (shown publicly if publishable: must not name the household)."""
    taken_on: Mapped[date | None] = mapped_column(Date)
    """Day the photo was taken."""
    publishable: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Staff marked it fit for the public card (no faces/identifiers)."""
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who uploaded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When it was uploaded."""


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"
    IMPORTED = "imported"


class NeedImportBatch(Model):
    """A spreadsheet of needs uploaded by commune staff: previewed first, then imported all or nothing."""

    __tablename__ = "need_import_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    """Campaign the rows are imported into."""
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), nullable=False, index=True)
    """Commune the rows belong to."""
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    """Stored file, relative to UPLOAD_DIR."""
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    """csv / xlsx."""
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    """Checksum of the stored file."""
    original_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The uploader's filename (metadata only)."""
    row_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    """Rows read."""
    error_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    """Rows with errors at preview."""
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, "need_import_status"), nullable=False, default=ImportStatus.PREVIEW
    )
    """preview / imported."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who uploaded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When it was uploaded."""
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When it was imported."""


class ReviewChange(Model):
    """One change to an item that needs a second person's approval (a household need, a matching proposal):
    who made it, what it did and, per field, the value before and after (display strings, no identifiers).
    The approver must differ from every author of the item's changes (app.needs.review)."""

    __tablename__ = "review_changes"
    __table_args__ = (Index("ix_review_changes_item", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    """Primary key."""
    item_type: Mapped[str] = mapped_column(String(40), nullable=False)
    """household_need / matching_proposal."""
    item_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Id of the need or proposal."""
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    """create / edit / submit / approve / reject."""
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    """Who made the change (None: the system, e.g. an import job without a user)."""
    changes: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    """{field: [old, new]} as shown to the approver (amounts formatted, flags Có/Không, identifiers masked)."""
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    """Free note (an override's reason, a rejection's reason)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    """When the change was made."""


class PovertyStandard(Model):
    """A national multidimensional poverty standard and the years it governs (versioned data, not code)."""

    __tablename__ = "poverty_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    """Primary key."""
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    """E.g. "2022-2025", "2026-2030"."""
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    """E.g. "Chuẩn nghèo đa chiều giai đoạn 2022–2025"."""
    legal_basis: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The instrument, e.g. "Nghị định 07/2021/NĐ-CP ngày 27/01/2021"."""
    lists_from: Mapped[int] = mapped_column(Integer, nullable=False)
    """First list year (rà soát) made under it."""
    lists_to: Mapped[int | None] = mapped_column(Integer)
    """Last list year made under it (None: still in force)."""


class SupportLimit(Model):
    """The most a program supports one household for one purpose (build / repair) in one province or nationally,
    with its legal basis and the days it is in force. Applied when a need is entered and when matching allocates;
    a need above it carries a reason (limit_override_reason) that its approver sees."""

    __tablename__ = "support_limits"
    __table_args__ = (
        CheckConstraint("max_vnd > 0", name="max_positive"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        Index("ix_support_limits_lookup", "need_kind", "province_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    """Primary key."""
    program_code: Mapped[str] = mapped_column(String(40), nullable=False)
    """Short code of the program, e.g. "xoa-nha-tam-2024-2025"."""
    program_name: Mapped[str] = mapped_column(String(255), nullable=False)
    """Vietnamese name shown to staff, e.g. "Chương trình xóa nhà tạm, nhà dột nát 2024–2025"."""
    need_kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "support_limit_need_kind"), nullable=False)
    """new_house (build) / repair."""
    province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    """The province that set it (None: the national level; a province's own limit takes precedence)."""
    max_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    """Most support from the fund per household, whole đồng."""
    legal_basis: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    """The instrument setting the level (number, date), or a note that it is still to be confirmed."""
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    """First day in force."""
    valid_to: Mapped[date | None] = mapped_column(Date)
    """Last day in force (None: open-ended)."""
