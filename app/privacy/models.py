"""Privacy records (issue 21.10; legal basis and articles in docs/PRIVACY.md).

- PrivacyNotice: the text a person reads before giving data, versioned (version + locale + effective date);
  a consent names the version it was given under (Decree 13/2023/NĐ-CP Art. 11-13, Law 91/2025/QH15 Art. 9).
- Consent: one decision of one subject (a donor, a household of the registry, a user) for one purpose, with the
  form it came from; withdrawing keeps the row and sets withdrawn_at (the history is the proof).
- ErasureRequest: a donor's request to delete their data, queued for staff with the law's deadline; carried out
  by pseudonymisation (app.privacy.erasure) so the ledger and the public amounts stay.
- RetentionRule: how long each kind of data is kept, as data (the beat task privacy.apply_retention reads it).
- ProcessingActivity / Incident: the register of processing and the incident register staff keep.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, str_enum, utcnow
from app.extensions import Model


class SubjectType(enum.StrEnum):
    DONOR = "donor"
    HOUSEHOLD = "household"  # a household need of the registry (household_needs.id)
    USER = "user"


class Purpose(enum.StrEnum):
    PUBLISH_NAME = "publish_name"  # the donor's name on the public statement, API and certificates
    CONTACT = "contact"  # writing to the donor: confirmations, reminders, thanks
    REGISTRY_DATA = "registry_data"  # a household's data in the registry of needs


PURPOSE_LABELS = {
    Purpose.PUBLISH_NAME: "Công khai tên trên sao kê, giấy chứng nhận",
    Purpose.CONTACT: "Liên hệ (xác nhận, nhắc hạn, thư cảm ơn)",
    Purpose.REGISTRY_DATA: "Dữ liệu của hộ trong danh sách nhu cầu",
}


class PrivacyNotice(Model):
    __tablename__ = "privacy_notices"
    __table_args__ = (UniqueConstraint("version", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), nullable=False)
    locale: Mapped[str] = mapped_column(String(5), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Consent(Model):
    __tablename__ = "privacy_consents"
    __table_args__ = (Index("ix_privacy_consents_subject", "subject_type", "subject_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[SubjectType] = mapped_column(
        str_enum(SubjectType, "privacy_subject_type"), nullable=False
    )
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "privacy_purpose"), nullable=False)
    given: Mapped[bool] = mapped_column(Boolean, nullable=False)
    notice_version: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(
        String(80), nullable=False
    )  # the form: "pledge_form", "needs.create:…"
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def purpose_label(self) -> str:
        return PURPOSE_LABELS[self.purpose]


class ErasureStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


ERASURE_STATUS_LABELS = {
    ErasureStatus.PENDING: "Chờ xử lý",
    ErasureStatus.DONE: "Đã xóa (ẩn danh hóa)",
    ErasureStatus.REFUSED: "Từ chối",
}


class ErasureRequest(Model):
    __tablename__ = "privacy_erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), nullable=False, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[ErasureStatus] = mapped_column(
        str_enum(ErasureStatus, "privacy_erasure_status"), nullable=False, default=ErasureStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    pseudonym: Mapped[str] = mapped_column(String(255), default="", nullable=False)

    @property
    def status_label(self) -> str:
        return ERASURE_STATUS_LABELS[self.status]


class ErasedCertificateCode(Model):
    """A certificate's verification code that was valid when its recipient's name was pseudonymised: the
    signature covered the old name, which is gone, so the code is vouched for by its SHA-256 kept here (the
    printed paper keeps verifying; the page shows the pseudonym). See app.privacy.erasure."""

    __tablename__ = "privacy_erased_certificate_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), nullable=False, index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class RetentionAction(enum.StrEnum):
    PSEUDONYMISE = "pseudonymise"  # personal fields cleared, the record and its amounts kept
    DELETE = "delete"
    STORE_EXPIRY = "store_expiry"  # kept outside the database with an expiry (nothing for the task to do)
    KEEP = "keep"  # kept for the period by an append-only store; removed by an operator's archive procedure


class RetentionRule(Model):
    __tablename__ = "privacy_retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[RetentionAction] = mapped_column(
        str_enum(RetentionAction, "privacy_retention_action"), nullable=False
    )
    legal_basis: Mapped[str] = mapped_column(Text, default="", nullable=False)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class ProcessingActivity(Model):
    """One line of the register of processing activities (Decree 13/2023 Art. 24/Law 91/2025: the processing
    impact assessment file lists purposes, categories, recipients, retention and legal basis)."""

    __tablename__ = "privacy_processing_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    data_categories: Mapped[str] = mapped_column(Text, nullable=False)
    subjects: Mapped[str] = mapped_column(Text, default="", nullable=False)
    recipients: Mapped[str] = mapped_column(Text, default="", nullable=False)
    retention: Mapped[str] = mapped_column(Text, default="", nullable=False)
    legal_basis: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    CONTAINED = "contained"
    CLOSED = "closed"


INCIDENT_STATUS_LABELS = {
    IncidentStatus.OPEN: "Đang xử lý",
    IncidentStatus.CONTAINED: "Đã ngăn chặn",
    IncidentStatus.CLOSED: "Đã đóng",
}


class Incident(Model):
    """A personal data incident (breach): when, what, whom it touched, when the authority was told."""

    __tablename__ = "privacy_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    subjects_affected: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    notified_authority_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus, "privacy_incident_status"), nullable=False, default=IncidentStatus.OPEN
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def status_label(self) -> str:
        return INCIDENT_STATUS_LABELS[self.status]

    @property
    def notify_by(self) -> datetime:
        """72 hours after detection (Decree 13/2023/NĐ-CP Art. 23(1); Law 91/2025/QH15 keeps the 72 hours)."""
        from datetime import timedelta

        return self.detected_at + timedelta(hours=72)

    @property
    def notified_late(self) -> bool:
        if self.notified_authority_at is None:
            return utcnow() > self.notify_by
        return self.notified_authority_at > self.notify_by
