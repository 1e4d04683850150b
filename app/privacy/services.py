"""Privacy services (issue 21.10): notices, consents, the donor's rights (see, export, correct, withdraw,
erase), the registers. Plain functions taking a session and an Actor; they flush, the caller commits.
Articles implemented: docs/PRIVACY.md."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.accounts.models import Role, User
from app.audit.services import entry_values, record, record_rows
from app.certificates.models import Certificate
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.signals import money_moved
from app.core.spreadsheet import SafeCSVWriter
from app.core.text import nfc
from app.core.transaction import DomainError
from app.donors import services as donor_services
from app.donors.models import Donor, DonorKind, PublicDisplay
from app.pledges.models import Pledge
from app.privacy.models import (
    Consent,
    ErasureRequest,
    ErasureStatus,
    Incident,
    IncidentStatus,
    PrivacyNotice,
    ProcessingActivity,
    Purpose,
    SubjectType,
)

# Decree 13/2023/NĐ-CP Art. 16(5) (from memory): data are deleted within 72 hours of the subject's request.
# Law 91/2025/QH15 (in force 01/01/2026) keeps the right to deletion (Art. 4, Art. 14/16) and leaves the time
# limit to its implementing decree; we keep the stricter 72 hours until that decree says otherwise.
ERASURE_DEADLINE = timedelta(hours=72)
DEFAULT_NOTICE_VERSION = "2026-01"


class PrivacyError(DomainError):
    """A refused privacy action; the message is Vietnamese."""


def public_changed(session: Session) -> None:
    """A name on the public pages changed: renew the public page cache's version once this session commits
    (the same signal the ledger sends; app.core.page_cache listens)."""
    money_moved.send(session, transaction=None)


# ------------------------------------------------------------------------------------------------ notices
def current_notice(session: Session, locale: str = "vi") -> PrivacyNotice | None:
    """The notice in force today in `locale` (Vietnamese when there is none in that language)."""
    for loc in dict.fromkeys((locale, "vi")):
        notice = session.execute(
            select(PrivacyNotice)
            .where(PrivacyNotice.locale == loc, PrivacyNotice.effective_on <= today_vn())
            .order_by(PrivacyNotice.effective_on.desc(), PrivacyNotice.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if notice is not None:
            return notice
    return None


def _notice_version_expr() -> ColumnElement[str]:
    """The version of the Vietnamese notice in force (current_notice's choice), as an SQL expression: a consent
    names it in its own INSERT, so recording a consent does not read the notice first."""
    return func.coalesce(
        select(PrivacyNotice.version)
        .where(PrivacyNotice.locale == "vi", PrivacyNotice.effective_on <= today_vn())
        .order_by(PrivacyNotice.effective_on.desc(), PrivacyNotice.id.desc())
        .limit(1)
        .scalar_subquery(),
        DEFAULT_NOTICE_VERSION,
    )


def notice_version(session: Session) -> str:
    """The version of the Vietnamese notice in force (the one a consent recorded now names)."""
    return session.execute(select(_notice_version_expr())).scalar_one()


# ------------------------------------------------------------------------------------------------ consents
def record_consent(
    session: Session,
    actor: Actor,
    *,
    subject_type: SubjectType,
    subject_id: int,
    purpose: Purpose,
    given: bool,
    source: str,
) -> None:
    """One decision of a subject for one purpose (record_consents with one decision)."""
    record_consents(
        session,
        actor,
        subject_type=subject_type,
        subject_id=subject_id,
        decisions=[(purpose, given)],
        source=source,
    )


_CONSENTS = Consent.__table__


def record_consents(
    session: Session,
    actor: Actor,
    *,
    subject_type: SubjectType,
    subject_id: int,
    decisions: list[tuple[Purpose, bool]],
    source: str,
    new_subject: bool = False,
    audit: list[dict[str, Any]] | None = None,
) -> None:
    """Decisions of a subject, one per purpose, under the notice in force (Decree 13/2023 Art. 11: consent
    is shown in a form that can be printed or copied, for a stated purpose; Law 91/2025 Art. 9). An earlier
    consent still standing for a purpose is marked withdrawn when the new decision says no. Each decision is a
    consent row and an audit entry. `new_subject`: the subject's record was created in this transaction (the
    public form's donor, app.pledges.services.insert_donor), so it has no earlier consent to withdraw.

    Several decisions (the pledge form asks two) share one withdrawal UPDATE and one INSERT, which names the
    notice in force itself (no read of the notice first) and returns it for the audit entries, written in one
    INSERT too, or collected by the caller (`audit`, app.audit.services.record_rows): on the public pledge
    submission (BENCHMARKS.md `gunicorn.pledge_submit`) the consents take 1 statement instead of 7 (two notice
    reads, a SELECT of earlier consents, two consent and two audit INSERTs; counted with
    tests/pledges/test_submit_statements.py)."""
    now = utcnow()
    refused = [purpose for purpose, given in decisions if not given]
    if refused and not new_subject:
        session.execute(
            update(Consent)
            .where(
                Consent.subject_type == subject_type,
                Consent.subject_id == subject_id,
                Consent.purpose.in_(refused),
                Consent.given.is_(True),
                Consent.withdrawn_at.is_(None),
            )
            .values(withdrawn_at=now)
            .execution_options(synchronize_session="fetch")
        )
    src = source[:80]
    versions = (
        session.execute(
            insert(_CONSENTS)
            .values(notice_version=_notice_version_expr())
            .returning(_CONSENTS.c.notice_version),
            [
                {
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "purpose": purpose,
                    "given": given,
                    "source": src,
                    "given_at": now,
                    "recorded_by_id": actor.user_id,
                }
                for purpose, given in decisions
            ],
        )
        .scalars()
        .all()
    )
    record_rows(
        session,
        [
            entry_values(
                actor,
                "privacy.consent",
                subject_type.value,
                subject_id,
                new={"purpose": purpose.value, "given": given, "notice_version": version, "source": src},
            )
            for (purpose, given), version in zip(decisions, versions, strict=True)
        ],
        into=audit,
    )


def consents_of(session: Session, subject_type: SubjectType, subject_id: int) -> list[Consent]:
    return list(
        session.execute(
            select(Consent)
            .where(Consent.subject_type == subject_type, Consent.subject_id == subject_id)
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        ).scalars()
    )


def record_pledge_consents(
    session: Session,
    actor: Actor,
    donor_id: int,
    *,
    publish_name: bool,
    contact: bool,
    new_donor: bool = False,
    audit: list[dict[str, Any]] | None = None,
) -> None:
    """What the public pledge form asked: the name published (the "display" choice) and being contacted.
    `new_donor`: the form made the donor record just now (record_consents' `new_subject`); `audit`: the
    caller writes the audit entries with its own (record_consents)."""
    record_consents(
        session,
        actor,
        subject_type=SubjectType.DONOR,
        subject_id=donor_id,
        decisions=[(Purpose.PUBLISH_NAME, publish_name), (Purpose.CONTACT, contact)],
        source="pledge_form",
        new_subject=new_donor,
        audit=audit,
    )


# ------------------------------------------------------------------------------------------------ the donor's own
def own_donor(session: Session, user: User) -> Donor:
    """The donor record a signed-in donor speaks for; a business's record only by its verified users."""
    if user.role != Role.DONOR or user.donor_id is None:
        raise PrivacyError(N_("Chỉ nhà tài trợ có tài khoản mới dùng được chức năng này."))
    donor = session.get_one(Donor, user.donor_id)
    if donor.kind in (DonorKind.BUSINESS, DonorKind.ORGANISATION) and not donor_services.speaks_for(
        session, user, donor.id
    ):
        raise PrivacyError(N_("Chỉ người dùng của doanh nghiệp đã xác minh mới thực hiện được yêu cầu này."))
    return donor


def set_publish_name(session: Session, actor: Actor, user: User, *, publish: bool) -> Donor:
    """Give or withdraw consent to publishing the donor's name (Decree 13/2023 Art. 12; Law 91/2025 Art. 12):
    withdrawn, the public list shows "Nhà hảo tâm" for every gift of this donor from now on."""
    donor = own_donor(session, user)
    old = donor.public_display
    donor.public_display = PublicDisplay.FULL_NAME if publish else PublicDisplay.ANONYMOUS
    contributions = list(
        session.execute(select(Contribution).where(Contribution.donor_id == donor.id)).scalars()
    )
    donor_services.republish(session, contributions, donor)
    record_consent(
        session,
        actor,
        subject_type=SubjectType.DONOR,
        subject_id=donor.id,
        purpose=Purpose.PUBLISH_NAME,
        given=publish,
        source="donor_account",
    )
    record(
        session,
        actor,
        "privacy.publish_name",
        "donor",
        donor.id,
        old={"public_display": old.value},
        new={"public_display": donor.public_display.value, "contributions": len(contributions)},
    )
    public_changed(session)
    return donor


def correct_own_details(
    session: Session, actor: Actor, user: User, *, name: str, contact_person: str, phone: str, address: str
) -> Donor:
    """The right to correct (Decree 13/2023 Art. 15; Law 91/2025 Art. 13): through the same path as a business's
    own edit (app.donors.services.correct_details, audited donor.update)."""
    donor = own_donor(session, user)
    old_name = donor.name
    donor_services.correct_details(
        session, actor, donor, name=name, contact_person=contact_person, phone=phone, address=address
    )
    if donor.name != old_name:
        public_changed(session)
    return donor


# ------------------------------------------------------------------------------------------------ see and export
def _row(obj: Any, fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        value = getattr(obj, f)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[f] = value
    return out


DONOR_FIELDS = [
    "id",
    "kind",
    "name",
    "tax_code",
    "address",
    "contact_person",
    "email",
    "phone",
    "country",
    "public_display",
    "created_at",
]
PLEDGE_FIELDS = [
    "id",
    "reference",
    "amount_vnd",
    "purpose",
    "status",
    "kind",
    "payment_method",
    "is_anonymous",
    "contact_email",
    "registered_by",
    "note",
    "created_at",
]
CONTRIBUTION_FIELDS = [
    "id",
    "receipt_no",
    "received_on",
    "amount_vnd",
    "channel",
    "purpose",
    "public_name",
    "is_anonymous",
    "pledge_reference",
    "status",
]
CONSENT_FIELDS = ["id", "purpose", "given", "notice_version", "source", "given_at", "withdrawn_at"]
CERTIFICATE_FIELDS = ["id", "serial", "kind", "recipient_name", "amount_vnd", "issued_on", "status"]


def data_held(session: Session, donor: Donor) -> dict[str, list[dict[str, Any]]]:
    """Everything held about one donor (the right to see and to be given one's data: Decree 13/2023 Art. 14;
    Law 91/2025 Art. 4), each section a list of rows. Only this donor's rows."""
    pledges = session.execute(select(Pledge).where(Pledge.donor_id == donor.id).order_by(Pledge.id)).scalars()
    contributions = session.execute(
        select(Contribution).where(Contribution.donor_id == donor.id).order_by(Contribution.id)
    ).scalars()
    certificates = session.execute(
        select(Certificate).where(Certificate.donor_id == donor.id).order_by(Certificate.id)
    ).scalars()
    consents = consents_of(session, SubjectType.DONOR, donor.id)
    return {
        "donor": [_row(donor, DONOR_FIELDS)],
        "pledges": [_row(p, PLEDGE_FIELDS) for p in pledges],
        "contributions": [_row(c, CONTRIBUTION_FIELDS) for c in contributions],
        "certificates": [_row(c, CERTIFICATE_FIELDS) for c in certificates],
        "consents": [_row(c, CONSENT_FIELDS) for c in consents],
    }


def export_zip(session: Session, actor: Actor, user: User) -> bytes:
    """The donor's data as one zip: du-lieu.json and one CSV per section (cells neutralised against formula
    injection, app.core.spreadsheet). Audited."""
    donor = own_donor(session, user)
    data = data_held(session, donor)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("du-lieu.json", json.dumps(data, ensure_ascii=False, indent=2))
        for section, rows in data.items():
            text = io.StringIO()
            writer = SafeCSVWriter(text, quoting=csv.QUOTE_MINIMAL)
            fields = list(rows[0]) if rows else []
            writer.writerow(fields)
            for r in rows:
                writer.writerow([r[f] for f in fields])
            zf.writestr(f"{section}.csv", "\ufeff" + text.getvalue())
    record(session, actor, "privacy.export", "donor", donor.id, new={"sections": list(data)})
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ erasure requests
def pending_request(session: Session, donor_id: int) -> ErasureRequest | None:
    return session.execute(
        select(ErasureRequest).where(
            ErasureRequest.donor_id == donor_id, ErasureRequest.status == ErasureStatus.PENDING
        )
    ).scalar_one_or_none()


def request_erasure(session: Session, actor: Actor, user: User, reason: str = "") -> ErasureRequest:
    """The donor asks for their data to be deleted: a request in the staff queue, due within the law's time limit
    (ERASURE_DEADLINE). Audited."""
    donor = own_donor(session, user)
    if pending_request(session, donor.id) is not None:
        raise PrivacyError(N_("Yêu cầu xóa dữ liệu của quý vị đang chờ xử lý."))
    now = utcnow()
    req = ErasureRequest(
        donor_id=donor.id,
        requested_by_id=user.id,
        requested_at=now,
        due_at=now + ERASURE_DEADLINE,
        reason=(nfc(reason) or "").strip()[:2000],
    )
    session.add(req)
    session.flush()
    record(
        session,
        actor,
        "privacy.erasure_requested",
        "donor",
        donor.id,
        new={"request": req.id, "due_at": req.due_at},
    )
    return req


def refuse_erasure(session: Session, actor: Actor, req: ErasureRequest, reason: str) -> ErasureRequest:
    """Staff refuse a request with the reason the donor will read (Decree 13/2023 Art. 16(3): deletion is not
    carried out where the law requires the data be kept)."""
    text = (nfc(reason) or "").strip()
    if len(text) < 5:
        raise PrivacyError(N_("Lý do: cần nhập lý do (ít nhất 5 ký tự)."), field="reason")
    if req.status != ErasureStatus.PENDING:
        raise PrivacyError(N_("Yêu cầu này đã được xử lý."))
    req.status = ErasureStatus.REFUSED
    req.decided_by_id = actor.user_id
    req.decided_at = utcnow()
    req.reason = text[:2000]
    session.flush()
    record(
        session,
        actor,
        "privacy.erasure_refused",
        "donor",
        req.donor_id,
        new={"request": req.id, "reason": text},
    )
    return req


def erasure_queue(session: Session) -> list[ErasureRequest]:
    return list(
        session.execute(
            select(ErasureRequest).order_by(
                (ErasureRequest.status != ErasureStatus.PENDING), ErasureRequest.due_at, ErasureRequest.id
            )
        ).scalars()
    )


# ------------------------------------------------------------------------------------------------ registers
ACTIVITY_FIELDS = ("name", "purpose", "data_categories", "subjects", "recipients", "retention", "legal_basis")


def save_activity(
    session: Session, actor: Actor, activity: ProcessingActivity | None, values: dict[str, str]
) -> ProcessingActivity:
    """A line of the register of processing added or edited (central admins). Audited."""
    clean = {f: (nfc(values.get(f, "")) or "").strip() for f in ACTIVITY_FIELDS}
    if not clean["name"]:
        raise PrivacyError(N_("Tên hoạt động xử lý: chưa nhập."), field="name")
    if not clean["purpose"]:
        raise PrivacyError(N_("Mục đích: chưa nhập."), field="purpose")
    if not clean["data_categories"]:
        raise PrivacyError(N_("Loại dữ liệu: chưa nhập."), field="data_categories")
    old = {f: getattr(activity, f) for f in ACTIVITY_FIELDS} if activity else None
    if activity is None:
        activity = ProcessingActivity(**clean)
        session.add(activity)
    else:
        for f, v in clean.items():
            setattr(activity, f, v)
    activity.updated_at = utcnow()
    activity.updated_by_id = actor.user_id
    session.flush()
    record(session, actor, "privacy.activity_saved", "processing_activity", activity.id, old=old, new=clean)
    return activity


def save_incident(
    session: Session,
    actor: Actor,
    incident: Incident | None,
    *,
    occurred_at: datetime,
    detected_at: datetime,
    description: str,
    subjects_affected: int,
    notified_authority_at: datetime | None,
    status: IncidentStatus,
) -> Incident:
    """An incident recorded or updated (central admins). The authority must be told within 72 hours
    (Incident.notify_by). Audited."""
    text = (nfc(description) or "").strip()
    if not text:
        raise PrivacyError(N_("Mô tả sự cố: chưa nhập."), field="description")
    if detected_at < occurred_at:
        raise PrivacyError(N_("Thời điểm phát hiện: không được trước thời điểm xảy ra."), field="detected_at")
    if subjects_affected < 0:
        raise PrivacyError(N_("Số chủ thể bị ảnh hưởng: không được âm."), field="subjects_affected")
    values = {
        "occurred_at": occurred_at,
        "detected_at": detected_at,
        "description": text,
        "subjects_affected": subjects_affected,
        "notified_authority_at": notified_authority_at,
        "status": status,
    }
    old = {k: getattr(incident, k) for k in values} if incident else None
    if incident is None:
        incident = Incident(created_by_id=actor.user_id, **values)
        session.add(incident)
    else:
        for k, v in values.items():
            setattr(incident, k, v)
    session.flush()
    record(session, actor, "privacy.incident_saved", "incident", incident.id, old=old, new=values)
    return incident
