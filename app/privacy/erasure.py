"""Erasure by pseudonymisation (issue 21.10): a donor who asked for deletion becomes "Nhà hảo tâm đã xóa dữ
liệu #<n>" everywhere, while every amount stays.

What changes: the donor record (name → the pseudonym; tax code, contacts, address, national ID hash, search words
cleared), its pledges (contact e-mail, "registered by", the donor's note), its contributions (published name and
search words follow the pseudonym through app.donors.services.republish; staff note and the sender's masked
account cleared), its certificates (recipient → the pseudonym, re-signed; the old verification code keeps
verifying through ErasedCertificateCode and the page shows the pseudonym; the signed PDF is not re-issued), the
donor's user accounts (closed: e-mail and name replaced, signed out everywhere).

What stays: the ledger (it never carried names), every contribution's amount, date, area, receipt number and
pledge reference, the pledges' amounts and statuses, the consent history (ids only), and the audit log, which the
database keeps append-only (triggers of migration 0001: no UPDATE or DELETE) and which holds the values of past
changes, names included, for its 10 years: the accounting records the
law requires be kept (Law on Accounting 88/2015/QH13 Art. 41: 10 years for accounting documents; Decree
13/2023/NĐ-CP Art. 16(3) and Law 91/2025/QH15: deletion does not apply where another law requires keeping).
Bank statement lines and bank feed payloads (the sender's name as the bank wrote it) are accounting documents:
kept, staff-only, deleted by retention. Known limit: a published daily root (app.transparency.opendata) hashed
the old public name; the open-data verifier reports that day as changed (docs/PRIVACY.md).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.certificates import signing
from app.certificates.models import Certificate
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.sequences import next_numbers
from app.core.text import fold
from app.donors import services as donor_services
from app.donors.models import Donor
from app.pledges.models import Pledge
from app.privacy.models import ErasedCertificateCode, ErasureRequest, ErasureStatus
from app.privacy.services import PrivacyError, public_changed

PSEUDONYM = "Nhà hảo tâm đã xóa dữ liệu #%(n)s"


def code_vouched(session: Session, certificate_id: int, code: str) -> bool:
    """A verification code that was valid when its certificate's recipient was pseudonymised."""
    digest = hashlib.sha256(code.strip().encode()).hexdigest()
    return (
        session.execute(
            select(ErasedCertificateCode.id).where(
                ErasedCertificateCode.certificate_id == certificate_id,
                ErasedCertificateCode.code_sha256 == digest,
            )
        ).first()
        is not None
    )


def pseudonymise_donor(session: Session, actor: Actor, donor: Donor) -> str:
    """Replace the donor's personal data everywhere by a numbered pseudonym; amounts untouched. Returns it."""
    n = next_numbers(session, "privacy:pseudonym", 1)[0]
    pseudonym = PSEUDONYM % {"n": n}
    donor.name = pseudonym
    donor.tax_code = None
    donor.address = ""
    donor.contact_person = ""
    donor.email = None
    donor.phone = None
    donor.national_id_hash = None
    donor.verified_at = None
    donor.search_key = fold(pseudonym)
    session.flush()

    pledges = list(
        session.execute(
            select(Pledge).where(or_(Pledge.donor_id == donor.id, Pledge.claimed_donor_id == donor.id))
        ).scalars()
    )
    for p in pledges:
        p.contact_email = None
        p.registered_by = ""
        p.note = ""

    contributions = list(
        session.execute(select(Contribution).where(Contribution.donor_id == donor.id)).scalars()
    )
    donor_services.republish(session, contributions, donor)
    for c in contributions:
        c.note = ""
        c.masked_account = None

    certificates = list(
        session.execute(select(Certificate).where(Certificate.donor_id == donor.id)).scalars()
    )
    for cert in certificates:
        if cert.code:
            session.add(
                ErasedCertificateCode(
                    certificate_id=cert.id, code_sha256=hashlib.sha256(cert.code.encode()).hexdigest()
                )
            )
        cert.recipient_name = pseudonym
        cert.code = signing.make_code(cert)
        cert.search_key = f"{fold(pseudonym)} {cert.serial.lower()}"[:300]

    users = list(session.execute(select(User).where(User.donor_id == donor.id)).scalars())
    for u in users:
        u.email = f"da-xoa-{u.id}@an-danh.invalid"
        u.full_name = pseudonym
        u.title = ""
        u.is_active_account = False
        u.password_hash = "!"  # noqa: S105 - never a valid hash: no password opens it
        u.session_version += 1

    session.flush()
    public_changed(session)
    record(
        session,
        actor,
        "privacy.pseudonymise",
        "donor",
        donor.id,
        new={
            "pseudonym": pseudonym,
            "pledges": len(pledges),
            "contributions": len(contributions),
            "certificates": len(certificates),
            "users": len(users),
        },
    )
    return pseudonym


def execute_erasure(session: Session, actor: Actor, req: ErasureRequest) -> ErasureRequest:
    """Staff carry out a donor's erasure request (the deletion right: Decree 13/2023/NĐ-CP Art. 16; Law
    91/2025/QH15 Art. 4 and 14): pseudonymisation, the request closed. Audited."""
    if req.status != ErasureStatus.PENDING:
        raise PrivacyError(N_("Yêu cầu này đã được xử lý."))
    donor = session.get_one(Donor, req.donor_id)
    req.pseudonym = pseudonymise_donor(session, actor, donor)
    req.status = ErasureStatus.DONE
    req.reason = ""  # the donor's own words go too
    req.decided_by_id = actor.user_id
    req.decided_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "privacy.erasure_done",
        "donor",
        donor.id,
        new={"request": req.id, "late": req.decided_at > req.due_at},
    )
    return req
