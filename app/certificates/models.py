"""Certificates: acknowledgement letters (thư cảm ơn) and commendations (giấy khen, bằng khen).

A certificate's PDF is not stored: it is rendered from the row on demand (download, e-mail, ceremony
batch), and the row's canonical data is what the verification code signs.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.models import Campaign
from app.core.db import UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.donors.models import Donor, DonorKind
from app.extensions import Model
from app.units.models import AdminUnit

BigId = BigInteger().with_variant(Integer, "sqlite")


class CertificateKind(enum.StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"  # thư cảm ơn
    GIAY_KHEN = "giay_khen"
    BANG_KHEN = "bang_khen"


CERTIFICATE_KIND_LABELS = {
    CertificateKind.ACKNOWLEDGEMENT: "Thư cảm ơn",
    CertificateKind.GIAY_KHEN: "Giấy khen",
    CertificateKind.BANG_KHEN: "Bằng khen",
}
SERIAL_PREFIX = {
    CertificateKind.ACKNOWLEDGEMENT: "TCT",
    CertificateKind.GIAY_KHEN: "GK",
    CertificateKind.BANG_KHEN: "BK",
}
# A higher rank wins when a donor meets several rules.
KIND_RANK = {CertificateKind.ACKNOWLEDGEMENT: 0, CertificateKind.GIAY_KHEN: 1, CertificateKind.BANG_KHEN: 2}


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class IssuerLevel(enum.StrEnum):
    COMMUNE = "commune"
    PROVINCE = "province"
    CENTRAL = "central"


ISSUER_LEVEL_LABELS = {
    IssuerLevel.COMMUNE: "Ủy ban MTTQ xã/phường",
    IssuerLevel.PROVINCE: "Ủy ban MTTQ tỉnh/thành phố",
    IssuerLevel.CENTRAL: "Ủy ban Trung ương MTTQ Việt Nam",
}


class BatchStatus(enum.StrEnum):
    PROPOSED = "proposed"  # candidate list built from the rules, waiting for an approver
    APPROVED = "approved"  # approved; issuance queued
    ISSUING = "issuing"
    ISSUED = "issued"
    REJECTED = "rejected"


BATCH_STATUS_LABELS = {
    BatchStatus.PROPOSED: N_("Chờ phê duyệt"),
    BatchStatus.APPROVED: N_("Đã duyệt, chờ cấp"),
    BatchStatus.ISSUING: N_("Đang cấp"),
    BatchStatus.ISSUED: N_("Đã cấp"),
    BatchStatus.REJECTED: "Không duyệt",
}


class IssuerProfile(Model):
    """Who signs for an issuing committee, with its optional seal and signature images (PNG)."""

    __tablename__ = "certificate_issuer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_key: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)  # unit id or "national"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    signer_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    signer_title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class CommendationRule(Model):
    """Per campaign: donors of `donor_kind` whose total over the campaign reaches `min_total_vnd` are proposed
    for a certificate of `kind` from a committee at `issuer_level`. Thresholds are data: none are official."""

    __tablename__ = "commendation_rules"
    __table_args__ = (CheckConstraint("min_total_vnd > 0", name="min_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    donor_kind: Mapped[DonorKind] = mapped_column(
        str_enum(DonorKind, "commendation_rule_donor_kind"), nullable=False
    )
    min_total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[CertificateKind] = mapped_column(
        str_enum(CertificateKind, "commendation_rule_kind"), nullable=False
    )
    issuer_level: Mapped[IssuerLevel] = mapped_column(
        str_enum(IssuerLevel, "commendation_rule_level"), nullable=False
    )
    achievement: Mapped[str] = mapped_column(Text, default="", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # The committee whose rule it is (the creator's unit; None: the Central Committee's): only its staff (and
    # central admins) disable it, and it applies to that unit's area only (issue 19.7).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[AdminUnit | None] = relationship()


class CertificateBatch(Model):
    """A commendation batch: candidates from the rules, approved together, issued in the background."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    issuer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "certificate_batch_status"), nullable=False, default=BatchStatus.PROPOSED
    )
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    decision_no: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    decision_date: Mapped[date | None] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    issued_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    emailed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    campaign: Mapped[Campaign] = relationship()
    issuer_unit: Mapped[AdminUnit | None] = relationship()

    @property
    def status_label(self) -> str:
        return BATCH_STATUS_LABELS[self.status]

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.issued_count * 100 // self.total)


class CommendationCandidate(Model):
    """One donor proposed in a batch, with the rule that matched and the total that met it."""

    __tablename__ = "commendation_candidates"
    __table_args__ = (UniqueConstraint("batch_id", "donor_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batches.id"), nullable=False, index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False)
    rule_id: Mapped[int] = mapped_column(ForeignKey("commendation_rules.id"), nullable=False)
    kind: Mapped[CertificateKind] = mapped_column(
        str_enum(CertificateKind, "commendation_candidate_kind"), nullable=False
    )
    total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    included: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    donor: Mapped[Donor] = relationship()
    rule: Mapped[CommendationRule] = relationship()


class Certificate(Model):
    """An issued letter or commendation: a snapshot of what was printed, signed by the verification code."""

    __tablename__ = "certificates"
    __table_args__ = (
        # Idempotency: one letter per contribution / pledge, one certificate per (batch, recipient).
        UniqueConstraint("subject_key"),
        UniqueConstraint("batch_id", "donor_id"),
        UniqueConstraint("serial"),
        CheckConstraint("amount_vnd >= 0", name="amount_nonneg"),
        Index("ix_certificates_issuer_issued", "issuer_unit_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[CertificateKind] = mapped_column(
        str_enum(CertificateKind, "certificate_kind"), nullable=False
    )
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, "certificate_status"), nullable=False, default=CertificateStatus.VALID
    )
    subject_key: Mapped[str] = mapped_column(
        String(80), nullable=False
    )  # "contribution:12", "pledge:3", "batch:4:donor:9"
    serial: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # verification code (signed)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    issuer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    issuer_name: Mapped[str] = mapped_column(String(255), nullable=False)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_batches.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(255), nullable=False)
    amount_vnd: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    purpose_text: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    campaign_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    achievement: Mapped[str] = mapped_column(Text, default="", nullable=False)
    place: Mapped[str] = mapped_column(String(120), nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    decision_no: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    decision_date: Mapped[date | None] = mapped_column(Date)
    signer_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    signer_title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    search_key: Mapped[str] = mapped_column(String(300), default="", nullable=False)  # folded name + serial
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    campaign: Mapped[Campaign] = relationship()
    donor: Mapped[Donor | None] = relationship()
    issuer_unit: Mapped[AdminUnit | None] = relationship()

    @property
    def kind_label(self) -> str:
        return CERTIFICATE_KIND_LABELS[self.kind]

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED
