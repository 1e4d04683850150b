"""Issuing, verifying and revoking certificates; commendation rules and batches.

Services flush; the caller (view, task, CLI) commits. Mail is sent by tasks after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit_id
from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.certificates import authority, signing
from app.certificates.models import (
    KIND_RANK,
    SERIAL_PREFIX,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateKind,
    CertificateStatus,
    CommendationCandidate,
    CommendationRule,
    IssuerLevel,
    IssuerProfile,
)
from app.certificates.pdf import PrintData, render_many, render_pdf
from app.contributions.models import Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.mail import Attachment, Mail
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.sequences import next_numbers
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.core.web import public_url
from app.donors.models import ANONYMOUS_NAME, Donor, DonorKind
from app.ledger.models import PURPOSE_LABELS
from app.pledges.models import Pledge, PledgeStatus
from app.pledges.services import amount_paid
from app.units.models import AdminUnit, UnitLevel

COMMITTEE = "Ủy ban Mặt trận Tổ quốc Việt Nam"
CENTRAL_ISSUER = "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"
DEFAULT_ACHIEVEMENT = (
    "Đã có thành tích xuất sắc trong Cuộc vận động “Ngày vì người nghèo”, ủng hộ Quỹ “Vì người nghèo”."
)
ACK_MODES = ("fulfilled", "payment")
_TYPE_PREFIXES = ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu ")


class CertificateError(DomainError):
    """A refused certificate operation; the message is Vietnamese."""


# ----------------------------------------------------------------------------------------- issuers
@dataclass(frozen=True)
class Issuer:
    unit_id: int | None
    unit_key: str  # admin_units.id or "national": the key of the issuer profile
    code: str  # official unit code or "TW": part of serial numbers
    name: str  # "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa"
    place: str  # "Khánh Hòa"
    level: IssuerLevel


def issuer_for(session: Session, unit_id: int | None) -> Issuer:
    unit = session.get(AdminUnit, unit_id) if unit_id is not None else None
    if unit is None:
        return Issuer(None, "national", "TW", CENTRAL_ISSUER, "Hà Nội", IssuerLevel.CENTRAL)
    name = nfc(unit.name) or ""
    place = next((name[len(p) :] for p in _TYPE_PREFIXES if name.startswith(p)), name)
    level = IssuerLevel.PROVINCE if unit.level == UnitLevel.PROVINCE else IssuerLevel.COMMUNE
    return Issuer(
        unit.id, str(unit.id), str(unit.code), f"{COMMITTEE} {name[:1].lower()}{name[1:]}", place, level
    )


def signer_for(session: Session, issuer: Issuer) -> tuple[str, str, IssuerProfile | None]:
    """(name, title, profile) of who signs for an issuer: its profile, else its approver's name and title."""
    profile = session.execute(
        select(IssuerProfile).where(IssuerProfile.unit_key == issuer.unit_key)
    ).scalar_one_or_none()
    if profile is not None and profile.signer_name:
        return profile.signer_name, profile.signer_title, profile
    # No profile yet: the unit's approver, else a staff member of the unit who has a title (commune committees
    # often have no approver account), else a blank signature line under "Chủ tịch".
    q = select(User).where(User.is_active_account.is_(True))
    if issuer.unit_id:
        q = q.where(
            User.unit_id == issuer.unit_id,
            User.role.in_([Role.APPROVER, Role.COMMUNE_STAFF]),
            User.title != "",
        )
    else:
        q = q.where(User.role == Role.CENTRAL_ADMIN)
    users = session.execute(q.order_by(User.id)).scalars().all()
    user = next((u for u in users if u.role == Role.APPROVER), users[0] if users else None)
    if user is None:
        return "", "Chủ tịch", profile
    return user.full_name, user.title or "Chủ tịch", profile


def _check_png(data: bytes | None, label: str) -> None:
    """The bytes must decode as a PNG of a sensible size (the upload check only sniffs the header)."""
    if not data:
        return
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            width, height = img.size
            fmt = img.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CertificateError(N_("%(label)s: tệp PNG bị hỏng, không đọc được.", label=label)) from exc
    if fmt != "PNG":
        raise CertificateError(N_("%(label)s: chỉ nhận ảnh PNG.", label=label))
    if not (32 <= width <= 3000 and 32 <= height <= 3000):
        raise CertificateError(
            N_("%(label)s: kích thước ảnh phải từ 32 đến 3000 điểm ảnh mỗi chiều.", label=label)
        )


def save_profile(
    session: Session,
    actor: Actor,
    unit_id: int | None,
    *,
    signer_name: str,
    signer_title: str,
    seal_png: bytes | None = None,
    signature_png: bytes | None = None,
    remove_images: bool = False,
) -> IssuerProfile:
    """Set who signs for a committee and its seal/signature images (already checked as PNG by the caller)."""
    issuer = issuer_for(session, unit_id)
    profile = session.execute(
        select(IssuerProfile).where(IssuerProfile.unit_key == issuer.unit_key)
    ).scalar_one_or_none()
    if profile is None:
        profile = IssuerProfile(unit_key=issuer.unit_key, unit_id=issuer.unit_id)
        session.add(profile)
    name, title = nfc(signer_name) or "", nfc(signer_title) or ""
    if not name or not title:
        raise CertificateError(N_("Người ký: cần nhập họ tên và chức vụ."))
    _check_png(seal_png, "Ảnh con dấu")
    _check_png(signature_png, "Ảnh chữ ký")
    profile.signer_name, profile.signer_title = name[:255], title[:255]
    if remove_images:
        profile.seal_png = profile.signature_png = None
    if seal_png:
        profile.seal_png = seal_png
    if signature_png:
        profile.signature_png = signature_png
    session.flush()
    record(
        session,
        actor,
        "certificate.signer",
        "issuer_profile",
        profile.id,
        unit_id=issuer.unit_id,
        new={
            "signer_name": name,
            "signer_title": title,
            "seal": bool(profile.seal_png),
            "signature": bool(profile.signature_png),
        },
    )
    return profile


# ----------------------------------------------------------------------------------------- creation
def _serials(session: Session, kind: CertificateKind, issuer: Issuer, year: int, count: int) -> list[str]:
    prefix = SERIAL_PREFIX[kind]
    numbers = next_numbers(session, f"certificate:{prefix}:{issuer.code}:{year}", count)
    return [f"{prefix}-{issuer.code}-{year}-{n:06d}" for n in numbers]


def _finish(session: Session, certs: list[Certificate]) -> None:
    """Give new (flushed) certificates their signed verification codes and search keys."""
    for cert in certs:
        cert.code = signing.make_code(cert)
        cert.search_key = f"{fold(cert.recipient_name)} {cert.serial.lower()}"[:300]
    session.flush()


def _existing(session: Session, subject_key: str) -> Certificate | None:
    return session.execute(
        select(Certificate).where(Certificate.subject_key == subject_key)
    ).scalar_one_or_none()


def _create_one(session: Session, actor: Actor, subject_key: str, **fields: object) -> Certificate:
    """Insert one certificate for subject_key, or return the one that exists (also under a race)."""
    found = _existing(session, subject_key)
    if found is not None:
        return found
    kind: CertificateKind = fields["kind"]  # type: ignore[assignment]
    issuer: Issuer = fields.pop("issuer")  # type: ignore[assignment]
    issued_on: date = fields.get("issued_on") or today_vn()  # type: ignore[assignment]
    name, title, _profile = signer_for(session, issuer)
    try:
        with session.begin_nested():
            cert = Certificate(
                subject_key=subject_key,
                serial=_serials(session, kind, issuer, issued_on.year, 1)[0],
                issuer_unit_id=issuer.unit_id,
                issuer_name=issuer.name,
                place=issuer.place,
                issued_on=issued_on,
                signer_name=name,
                signer_title=title,
                **{k: v for k, v in fields.items() if k != "issued_on"},
            )
            session.add(cert)
            session.flush()
            _finish(session, [cert])
    except IntegrityError:
        found = _existing(session, subject_key)
        if found is None:
            raise
        return found
    record(
        session,
        actor,
        "certificate.issue",
        "certificate",
        cert.id,
        unit_id=issuer.unit_id,
        new={
            "serial": cert.serial,
            "kind": kind,
            "recipient": cert.recipient_name,
            "amount_vnd": cert.amount_vnd,
        },
    )
    return cert


def acknowledge_mode(campaign: Campaign) -> str:
    mode = (campaign.settings or {}).get("acknowledge_on", "fulfilled")
    return mode if mode in ACK_MODES else "fulfilled"


def _ack_fields(campaign: Campaign, donor: Donor | None, public_name: str, amount: int, purpose) -> dict:  # type: ignore[no-untyped-def]
    return dict(
        kind=CertificateKind.ACKNOWLEDGEMENT,
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        donor_id=donor.id if donor else None,
        recipient_name=public_name,
        amount_vnd=amount,
        purpose_text=PURPOSE_LABELS.get(purpose, ""),
    )


def acknowledge_contribution(session: Session, actor: Actor, contribution_id: int) -> Certificate | None:
    """The thank-you letter for one payment, as its campaign sets: for each payment, or (the default) once
    the pledge it belongs to is fulfilled. A gift without a pledge is thanked on its own. Idempotent.
    Returns None when nothing is due (no donor to thank, reversed, pledge not yet fulfilled)."""
    c = session.get(Contribution, contribution_id)
    if c is None or c.status != ContributionStatus.RECORDED or c.donor_id is None:
        return None
    campaign = c.campaign
    if c.pledge_id is not None and acknowledge_mode(campaign) == "fulfilled":
        return acknowledge_pledge(session, actor, c.pledge_id)
    fields = _ack_fields(campaign, c.donor, c.public_name, c.amount_vnd, c.purpose)
    return _create_one(
        session,
        actor,
        f"contribution:{c.id}",
        issuer=issuer_for(session, c.receiving_unit_id),
        contribution_id=c.id,
        pledge_id=c.pledge_id,
        issued_on=c.received_on,
        **fields,
    )


def acknowledge_pledge(session: Session, actor: Actor, pledge_id: int) -> Certificate | None:
    """The thank-you letter for a fulfilled pledge (amount: what was received against it). In "payment" mode
    each of its payments is thanked instead; returns the latest letter. Idempotent."""

    pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        return None
    if acknowledge_mode(pledge.campaign) == "payment":
        latest = None
        for cid in session.execute(
            select(Contribution.id)
            .where(Contribution.pledge_id == pledge.id, Contribution.status == ContributionStatus.RECORDED)
            .order_by(Contribution.id)
        ).scalars():
            latest = acknowledge_contribution(session, actor, cid) or latest
        return latest
    if pledge.status != PledgeStatus.FULFILLED:
        return None
    paid = amount_paid(session, pledge.id)
    last_day = session.execute(
        select(func.max(Contribution.received_on)).where(
            Contribution.pledge_id == pledge.id, Contribution.status == ContributionStatus.RECORDED
        )
    ).scalar_one()
    donor = pledge.donor

    public_name = ANONYMOUS_NAME if pledge.is_anonymous else donor.public_name
    fields = _ack_fields(pledge.campaign, donor, public_name, paid, pledge.purpose)
    return _create_one(
        session,
        actor,
        f"pledge:{pledge.id}",
        issuer=issuer_for(session, pledge.receiving_unit_id),
        pledge_id=pledge.id,
        issued_on=last_day or today_vn(),
        **fields,
    )


def unacknowledged(session: Session, limit: int = 1000) -> tuple[list[int], list[int]]:
    """(contribution ids, pledge ids) that should have a letter and do not: what the sweep catches up on."""
    contributions: list[int] = []
    pledges: list[int] = []
    has_letter_c = select(Certificate.id).where(Certificate.contribution_id == Contribution.id).exists()
    has_letter_p = (
        select(Certificate.id)
        .where(Certificate.pledge_id == Pledge.id, Certificate.contribution_id.is_(None))
        .exists()
    )
    for campaign in session.execute(select(Campaign)).scalars():
        mode = acknowledge_mode(campaign)
        q = select(Contribution.id).where(
            Contribution.campaign_id == campaign.id,
            Contribution.status == ContributionStatus.RECORDED,
            Contribution.donor_id.is_not(None),
            ~has_letter_c,
        )
        if mode == "fulfilled":
            q = q.where(Contribution.pledge_id.is_(None))
            pledges += (
                session.execute(
                    select(Pledge.id)
                    .where(
                        Pledge.campaign_id == campaign.id,
                        Pledge.status == PledgeStatus.FULFILLED,
                        ~has_letter_p,
                    )
                    .order_by(Pledge.id)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
        contributions += session.execute(q.order_by(Contribution.id).limit(limit)).scalars().all()
    return contributions[:limit], pledges[:limit]


# ----------------------------------------------------------------------------------------- output
def verification_url(cert: Certificate) -> str:
    """The address printed (and in the QR code) on the certificate: its public verification page."""
    return public_url("certificates.verify", code=cert.code)


def issuer_images(session: Session, issuer_unit_id: int | None) -> tuple[bytes | None, bytes | None]:
    """(seal, signature) PNGs of an issuing committee, if uploaded."""
    key = str(issuer_unit_id) if issuer_unit_id else "national"
    row = session.execute(
        select(IssuerProfile.seal_png, IssuerProfile.signature_png).where(IssuerProfile.unit_key == key)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def print_data(
    session: Session, cert: Certificate, images: tuple[bytes | None, bytes | None] | None = None
) -> PrintData:
    seal, signature = images if images is not None else issuer_images(session, cert.issuer_unit_id)
    return PrintData(
        kind=str(cert.kind),
        issuer_name=cert.issuer_name,
        recipient_name=cert.recipient_name,
        amount_vnd=cert.amount_vnd,
        place=cert.place,
        issued_on=cert.issued_on,
        serial=cert.serial,
        verify_url=verification_url(cert),
        purpose_text=cert.purpose_text,
        campaign_name=cert.campaign_name,
        achievement=cert.achievement,
        decision_no=cert.decision_no,
        decision_date=cert.decision_date,
        signer_name=cert.signer_name,
        signer_title=cert.signer_title,
        seal_png=seal,
        signature_png=signature,
    )


def certificate_pdf(
    session: Session, cert: Certificate, images: tuple[bytes | None, bytes | None] | None = None
) -> bytes:
    return render_pdf(print_data(session, cert, images))


def batch_pdf(session: Session, batch: CertificateBatch) -> bytes:
    """Every certificate of a batch in one PDF, in candidate order (for the ceremony)."""
    images = issuer_images(session, batch.issuer_unit_id)
    certs = session.execute(
        select(Certificate).where(Certificate.batch_id == batch.id).order_by(Certificate.id)
    ).scalars()
    return render_many(
        (print_data(session, c, images) for c in certs),
        f"{batch.title or 'Đợt khen thưởng'} – {batch.decision_no}",
    )


def filename_for(cert: Certificate) -> str:
    return f"{cert.serial}.pdf"


# ----------------------------------------------------------------------------------------- verification
@dataclass(frozen=True)
class Verification:
    certificate: Certificate | None
    valid: bool  # signature matches and the certificate exists
    revoked: bool


def by_serial(session: Session, typed: str) -> Certificate | None:
    """The certificate with the printed number typed in (spaces and case forgiven, the number's leading zeros
    optional): BK-56-2026-000001."""
    parts = [p.strip() for p in typed.strip().upper().split("-")]
    if len(parts) != 4 or not parts[3].isdigit():
        return None
    serial = f"{parts[0]}-{parts[1]}-{parts[2]}-{int(parts[3]):06d}"
    return session.execute(select(Certificate).where(Certificate.serial == serial)).scalar_one_or_none()


def verify_code(session: Session, code: str) -> Verification:
    parsed = signing.parse_code(code)
    if parsed is None:
        return Verification(None, False, False)
    cert_id, signature = parsed
    cert = session.get(Certificate, cert_id)
    if cert is None:
        return Verification(None, False, False)
    if not signing.signature_valid(cert, signature):
        # The recipient asked for their data to be deleted: the signature covered the old name, the code was
        # valid then and is vouched for (app.privacy.erasure); the page shows the pseudonym.
        from app.privacy.erasure import code_vouched

        if not code_vouched(session, cert.id, code):
            return Verification(None, False, False)
    return Verification(cert, True, cert.status == CertificateStatus.REVOKED)


def _require_role(session: Session, actor: Actor, *roles: Role) -> User:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or (user.role not in roles and user.role != Role.CENTRAL_ADMIN):
        raise CertificateError(N_("Chỉ người phê duyệt mới được thực hiện thao tác này."))
    return user


def revoke(session: Session, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Revoke a certificate (approver only); the reason shows on the verification page."""
    _require_role(session, actor, Role.APPROVER)
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise CertificateError(N_("Không tìm thấy giấy chứng nhận."))
    reason = nfc(reason) or ""
    if len(reason) < 5:
        raise CertificateError(N_("Lý do thu hồi: cần nhập lý do (ít nhất 5 ký tự)."))
    if cert.status == CertificateStatus.REVOKED:
        raise CertificateError(N_("Giấy chứng nhận này đã bị thu hồi trước đó."))
    cert.status = CertificateStatus.REVOKED
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor.user_id
    cert.revoked_reason = reason[:2000]
    session.flush()
    record(
        session,
        actor,
        "certificate.revoke",
        "certificate",
        cert.id,
        unit_id=cert.issuer_unit_id,
        old={"status": CertificateStatus.VALID},
        new={"status": CertificateStatus.REVOKED, "reason": reason},
    )
    return cert


# ----------------------------------------------------------------------------------------- commendations
def _rule_owner(session: Session, actor: Actor, campaign: Campaign) -> tuple[User | None, int | None]:
    """(user, unit) a new rule belongs to: the creator's unit (a central admin's rules are the Central
    Committee's: None). A system actor (demo, CLI) makes the campaign's own committee's rule."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        return None, campaign.scope_unit_id
    if user.role == Role.CENTRAL_ADMIN:
        return user, None
    return user, user.unit_id


def add_rule(
    session: Session,
    actor: Actor,
    campaign_id: int,
    *,
    donor_kind: DonorKind,
    min_total_vnd: int,
    kind: CertificateKind,
    issuer_level: IssuerLevel,
    achievement: str = "",
) -> CommendationRule:
    """A commendation rule of the creator's committee (issue 19.7): the form must be one the issuing level may
    award (app.certificates.authority, Law 06/2022/QH15 Art. 72, 74, 79, 80), the campaign must be the
    creator's own area's (province staff cannot add a rule to the national campaign) and the issuing level
    no higher than the creator's committee."""
    if kind == CertificateKind.ACKNOWLEDGEMENT:
        raise CertificateError(N_("Loại khen thưởng: chỉ chọn Giấy khen hoặc Bằng khen."))
    if not isinstance(min_total_vnd, int) or min_total_vnd <= 0:
        raise CertificateError(N_("Mức tối thiểu: phải là số tiền lớn hơn 0."))
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CertificateError(N_("Cuộc vận động: không tồn tại."))
    refused = authority.refusal(issuer_level, kind)
    if refused is not None:
        raise CertificateError(refused)
    user, unit_id = _rule_owner(session, actor, campaign)
    if user is not None and user.role != Role.CENTRAL_ADMIN:
        if campaign.scope_unit_id is None or not can_access_unit_id(session, user, campaign.scope_unit_id):
            raise CertificateError(
                N_(
                    "Cuộc vận động: chỉ Ủy ban Trung ương đặt quy tắc khen thưởng cho cuộc vận động toàn quốc; "
                    "quý vị chỉ đặt quy tắc cho cuộc vận động của địa bàn mình."
                )
            )
        own = session.get(AdminUnit, unit_id) if unit_id is not None else None
        own_level = (
            IssuerLevel.PROVINCE
            if own is not None and own.level == UnitLevel.PROVINCE
            else IssuerLevel.COMMUNE
        )
        if issuer_level == IssuerLevel.CENTRAL or (
            own_level == IssuerLevel.COMMUNE and issuer_level != IssuerLevel.COMMUNE
        ):
            raise CertificateError(N_("Cấp khen thưởng: cao hơn cấp của Ủy ban quý vị."))
    rule = CommendationRule(
        campaign_id=campaign_id,
        donor_kind=donor_kind,
        min_total_vnd=min_total_vnd,
        kind=kind,
        issuer_level=issuer_level,
        achievement=(nfc(achievement) or "")[:2000],
        unit_id=unit_id,
        created_by_id=actor.user_id,
    )
    session.add(rule)
    session.flush()
    record(
        session,
        actor,
        "certificate.rule",
        "commendation_rule",
        rule.id,
        new={
            "campaign_id": campaign_id,
            "donor_kind": donor_kind,
            "min_total_vnd": min_total_vnd,
            "kind": kind,
            "issuer_level": issuer_level,
            "unit_id": unit_id,
        },
        unit_id=unit_id,
    )
    return rule


def may_change_rule(session: Session, user: User, rule: CommendationRule) -> bool:
    """Only the committee whose rule it is (and the province over a commune's rule, central admins over all)."""
    return can_access_unit_id(session, user, rule.unit_id)


def deactivate_rule(session: Session, actor: Actor, rule_id: int) -> CommendationRule:
    rule = session.get(CommendationRule, rule_id)
    if rule is None:
        raise CertificateError(N_("Không tìm thấy quy tắc."))
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is not None and not may_change_rule(session, user, rule):
        raise CertificateError(N_("Quy tắc này do Ủy ban khác đặt: quý vị không tắt được."))
    rule.active = False
    session.flush()
    record(
        session,
        actor,
        "certificate.rule_off",
        "commendation_rule",
        rule.id,
        new={"active": False},
        unit_id=rule.unit_id,
    )
    return rule


def _rule_applies(session: Session, issuer: Issuer) -> ColumnElement[bool]:
    """Rules that reach an issuer: the Central Committee's, its own committee's and its province's."""
    owners: list[int] = []
    unit = session.get(AdminUnit, issuer.unit_id) if issuer.unit_id is not None else None
    while unit is not None:
        owners.append(unit.id)
        unit = unit.parent
    return or_(CommendationRule.unit_id.is_(None), CommendationRule.unit_id.in_(owners))


def _area_unit_ids(session: Session, issuer: Issuer) -> list[int] | None:
    if issuer.unit_id is None:
        return None
    if issuer.level == IssuerLevel.PROVINCE:
        return [
            issuer.unit_id,
            *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == issuer.unit_id)).scalars(),
        ]
    return [issuer.unit_id]


def propose_batch(
    session: Session, actor: Actor, campaign_id: int, issuer_unit_id: int | None, title: str = ""
) -> CertificateBatch:
    """Apply the campaign's active rules at the issuer's level to the money its area received; every donor
    meeting a rule (the highest one wins) becomes a candidate, unless already commended by this issuer."""
    issuer = issuer_for(session, issuer_unit_id)
    rules = (
        session.execute(
            select(CommendationRule).where(
                CommendationRule.campaign_id == campaign_id,
                CommendationRule.active.is_(True),
                CommendationRule.issuer_level == issuer.level,
                _rule_applies(session, issuer),
            )
        )
        .scalars()
        .all()
    )
    if not rules:
        raise CertificateError(N_("Cuộc vận động chưa có quy tắc khen thưởng nào cho cấp này."))
    area = _area_unit_ids(session, issuer)
    totals_q = (
        select(Contribution.donor_id, Donor.kind, func.sum(Contribution.amount_vnd))
        .join(Donor, Donor.id == Contribution.donor_id)
        .where(Contribution.campaign_id == campaign_id, Contribution.status == ContributionStatus.RECORDED)
        .group_by(Contribution.donor_id, Donor.kind)
    )
    if area is not None:
        totals_q = totals_q.where(Contribution.receiving_unit_id.in_(area))
    already = set(
        session.execute(
            select(Certificate.donor_id).where(
                Certificate.campaign_id == campaign_id,
                Certificate.batch_id.is_not(None),
                Certificate.issuer_unit_id.is_(None)
                if issuer.unit_id is None
                else Certificate.issuer_unit_id == issuer.unit_id,
                Certificate.status == CertificateStatus.VALID,
            )
        ).scalars()
    )
    pending = set(
        session.execute(
            select(CommendationCandidate.donor_id)
            .join(CertificateBatch, CertificateBatch.id == CommendationCandidate.batch_id)
            .where(
                CertificateBatch.campaign_id == campaign_id,
                CertificateBatch.status.in_(
                    [BatchStatus.PROPOSED, BatchStatus.APPROVED, BatchStatus.ISSUING]
                ),
                CertificateBatch.issuer_unit_id.is_(None)
                if issuer.unit_id is None
                else CertificateBatch.issuer_unit_id == issuer.unit_id,
            )
        ).scalars()
    )
    campaign = session.get_one(Campaign, campaign_id)
    batch = CertificateBatch(
        campaign_id=campaign_id,
        issuer_unit_id=issuer.unit_id,
        created_by_id=actor.user_id,
        title=(nfc(title) or f"Khen thưởng – {campaign.name}")[:255],
    )
    session.add(batch)
    session.flush()
    rows = []
    for donor_id, donor_kind, total in session.execute(totals_q):
        if donor_id in already or donor_id in pending:
            continue
        best = None
        for rule in rules:
            if (
                rule.donor_kind == donor_kind
                and total >= rule.min_total_vnd
                and (
                    best is None
                    or (KIND_RANK[rule.kind], rule.min_total_vnd) > (KIND_RANK[best.kind], best.min_total_vnd)
                )
            ):
                best = rule
        if best is not None:
            rows.append(
                dict(
                    batch_id=batch.id,
                    donor_id=donor_id,
                    rule_id=best.id,
                    kind=best.kind,
                    total_vnd=int(total),
                    included=True,
                )
            )
    if rows:
        session.execute(CommendationCandidate.__table__.insert(), rows)
    batch.total = len(rows)
    session.flush()
    record(
        session,
        actor,
        "certificate.batch_propose",
        "certificate_batch",
        batch.id,
        unit_id=issuer.unit_id,
        new={"campaign_id": campaign_id, "candidates": len(rows)},
    )
    return batch


def approve_batch(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    decision_no: str,
    decision_date: date,
    excluded_candidate_ids: list[int] | None = None,
) -> CertificateBatch:
    """An approver of the issuer's area approves the candidate list (minus the excluded) under a decision
    number; the caller queues issuance after the commit. The proposer may not approve their own batch."""
    user = _require_role(session, actor, Role.APPROVER)
    batch = session.get(CertificateBatch, batch_id, with_for_update=True)
    if batch is None:
        raise CertificateError(N_("Không tìm thấy đợt khen thưởng."))
    if batch.status != BatchStatus.PROPOSED:
        raise CertificateError(N_("Đợt này không còn chờ phê duyệt."))
    if batch.created_by_id is not None and batch.created_by_id == user.id:
        raise CertificateError(
            N_("Người lập danh sách không được tự phê duyệt; cần một người phê duyệt khác.")
        )
    decision_no = nfc(decision_no) or ""
    if not decision_no:
        raise CertificateError(N_("Số quyết định: cần nhập số quyết định khen thưởng."))
    if decision_date is None:
        raise CertificateError(N_("Ngày quyết định: cần nhập ngày."))
    excluded = set(excluded_candidate_ids or [])
    if excluded:
        for cand in session.execute(
            select(CommendationCandidate).where(
                CommendationCandidate.batch_id == batch.id, CommendationCandidate.id.in_(excluded)
            )
        ).scalars():
            cand.included = False
    batch.total = session.execute(
        select(func.count())
        .select_from(CommendationCandidate)
        .where(CommendationCandidate.batch_id == batch.id, CommendationCandidate.included.is_(True))
    ).scalar_one()
    if batch.total == 0:
        raise CertificateError(N_("Danh sách trống: không có ai để khen thưởng."))
    batch.decision_no, batch.decision_date = decision_no[:80], decision_date
    batch.status = BatchStatus.APPROVED
    batch.approved_by_id, batch.approved_at = user.id, utcnow()
    session.flush()
    record(
        session,
        actor,
        "certificate.batch_approve",
        "certificate_batch",
        batch.id,
        unit_id=batch.issuer_unit_id,
        old={"status": BatchStatus.PROPOSED},
        new={
            "status": BatchStatus.APPROVED,
            "decision_no": decision_no,
            "total": batch.total,
            "excluded": sorted(excluded),
        },
    )
    return batch


def reject_batch(session: Session, actor: Actor, batch_id: int) -> CertificateBatch:
    _require_role(session, actor, Role.APPROVER)
    batch = session.get(CertificateBatch, batch_id)
    if batch is None or batch.status != BatchStatus.PROPOSED:
        raise CertificateError(N_("Đợt này không còn chờ phê duyệt."))
    batch.status = BatchStatus.REJECTED
    session.flush()
    record(
        session,
        actor,
        "certificate.batch_reject",
        "certificate_batch",
        batch.id,
        unit_id=batch.issuer_unit_id,
        new={"status": BatchStatus.REJECTED},
    )
    return batch


def pending_candidate_ids(session: Session, batch_id: int) -> list[int]:
    """Included candidates of a batch without their certificate yet, in order."""
    issued = select(Certificate.donor_id).where(Certificate.batch_id == batch_id)
    return list(
        session.execute(
            select(CommendationCandidate.id)
            .where(
                CommendationCandidate.batch_id == batch_id,
                CommendationCandidate.included.is_(True),
                CommendationCandidate.donor_id.not_in(issued),
            )
            .order_by(CommendationCandidate.id)
        ).scalars()
    )


def issue_chunk(session: Session, actor: Actor, batch_id: int, candidate_ids: list[int]) -> list[int]:
    """Issue the certificates of some candidates of an approved batch; those already issued are skipped, so a
    re-delivered chunk does nothing twice (and the unique (batch, donor) constraint backs this up).
    Returns the ids of the certificates created."""
    batch = session.get(CertificateBatch, batch_id)
    if batch is None or batch.status not in (BatchStatus.APPROVED, BatchStatus.ISSUING, BatchStatus.ISSUED):
        return []
    if batch.status == BatchStatus.APPROVED:
        batch.status = BatchStatus.ISSUING
    issued = select(Certificate.donor_id).where(Certificate.batch_id == batch_id)
    candidates = (
        session.execute(
            select(CommendationCandidate)
            .where(
                CommendationCandidate.batch_id == batch_id,
                CommendationCandidate.id.in_(candidate_ids),
                CommendationCandidate.included.is_(True),
                CommendationCandidate.donor_id.not_in(issued),
            )
            .order_by(CommendationCandidate.id)
        )
        .scalars()
        .all()
    )
    if not candidates:
        return []
    issuer = issuer_for(session, batch.issuer_unit_id)
    signer_name, signer_title, _ = signer_for(session, issuer)
    issued_on = batch.decision_date or today_vn()
    campaign = batch.campaign
    donors = {
        d.id: d
        for d in session.execute(
            select(Donor).where(Donor.id.in_([c.donor_id for c in candidates]))
        ).scalars()
    }
    rules = {
        r.id: r
        for r in session.execute(
            select(CommendationRule).where(CommendationRule.id.in_({c.rule_id for c in candidates}))
        ).scalars()
    }
    by_kind: dict[CertificateKind, list[CommendationCandidate]] = {}
    for cand in candidates:
        by_kind.setdefault(cand.kind, []).append(cand)
    created: list[Certificate] = []
    for kind, cands in by_kind.items():
        for cand, serial in zip(
            cands, _serials(session, kind, issuer, issued_on.year, len(cands)), strict=True
        ):
            donor = donors[cand.donor_id]
            cert = Certificate(
                kind=kind,
                subject_key=f"batch:{batch_id}:donor:{donor.id}",
                serial=serial,
                campaign_id=batch.campaign_id,
                campaign_name=campaign.name,
                issuer_unit_id=issuer.unit_id,
                issuer_name=issuer.name,
                place=issuer.place,
                issued_on=issued_on,
                donor_id=donor.id,
                batch_id=batch_id,
                recipient_name=donor.public_name,
                amount_vnd=cand.total_vnd,
                achievement=rules[cand.rule_id].achievement or DEFAULT_ACHIEVEMENT,
                decision_no=batch.decision_no,
                decision_date=batch.decision_date,
                signer_name=signer_name,
                signer_title=signer_title,
            )
            session.add(cert)
            created.append(cert)
    session.flush()
    _finish(session, created)
    record(
        session,
        actor,
        "certificate.batch_chunk",
        "certificate_batch",
        batch_id,
        unit_id=batch.issuer_unit_id,
        new={"issued": len(created), "first_serial": created[0].serial, "last_serial": created[-1].serial},
    )
    return [c.id for c in created]


def refresh_progress(session: Session, batch_id: int) -> CertificateBatch | None:
    """Recount issued certificates (a count, not an increment: a re-run chunk cannot inflate it)."""
    batch = session.get(CertificateBatch, batch_id, populate_existing=True)
    if batch is None:
        return None
    batch.issued_count = session.execute(
        select(func.count()).select_from(Certificate).where(Certificate.batch_id == batch_id)
    ).scalar_one()
    batch.emailed_count = session.execute(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.batch_id == batch_id, Certificate.emailed_at.is_not(None))
    ).scalar_one()
    if batch.issued_count >= batch.total and batch.status in (BatchStatus.APPROVED, BatchStatus.ISSUING):
        batch.status = BatchStatus.ISSUED
        batch.finished_at = utcnow()
    session.flush()
    return batch


# ----------------------------------------------------------------------------------------- e-mail
KIND_SUBJECT = {
    CertificateKind.ACKNOWLEDGEMENT: N_("Thư cảm ơn"),
    CertificateKind.GIAY_KHEN: N_("Giấy khen"),
    CertificateKind.BANG_KHEN: N_("Bằng khen"),
}


def certificate_mail(session: Session, cert: Certificate, to: str) -> Mail:
    """The certificate's e-mail with its PDF (app.notifications sends it, event "certificate_issued", in the
    recipient's language; the PDF itself is an official document and stays Vietnamese)."""
    what = _(KIND_SUBJECT[cert.kind])
    name = cert.donor.name if cert.donor is not None else cert.recipient_name
    values = {
        "issuer": cert.issuer_name,
        "what": what.lower(),
        "serial": cert.serial,
        "campaign": cert.campaign_name,
    }
    if cert.amount_vnd:
        sent = _(
            "%(issuer)s trân trọng gửi Quý vị %(what)s số %(serial)s ghi nhận số tiền %(amount)s trong Cuộc vận "
            "động “%(campaign)s”.",
            amount=format_vnd(cert.amount_vnd),
            **values,
        )
    else:
        sent = _(
            "%(issuer)s trân trọng gửi Quý vị %(what)s số %(serial)s trong Cuộc vận động “%(campaign)s”.",
            **values,
        )
    body = "\n\n".join(
        [
            _("Kính gửi %(name)s,", name=name),
            sent,
            _("Bản PDF được đính kèm. Mọi người có thể xác minh giấy này tại:")
            + "\n"
            + verification_url(cert),
            _("Trân trọng cảm ơn tấm lòng của Quý vị đối với người nghèo."),
        ]
    )
    return Mail(
        to=[to],
        subject=_("%(what)s – %(issuer)s", what=what, issuer=cert.issuer_name),
        body=body + "\n",
        attachments=[Attachment(filename_for(cert), certificate_pdf(session, cert))],
    )


def mail_certificate(
    session: Session, cert: Certificate, images: tuple[bytes | None, bytes | None] | None = None
) -> bool:
    """Tell the donor (once: marks emailed_at) on the channels the donor chose (app.notifications): the e-mail
    carries the PDF, an SMS the verification link. `images` is no longer used here: the PDF is drawn when the
    e-mail is delivered."""
    return bool(mail_certificates(session, [cert]))


def mail_certificates(session: Session, certs: Sequence[Certificate]) -> int:
    """`mail_certificate` for many (a chunk of a batch): one `notify_many` writes every message and queues their
    delivery in batches, and every certificate is marked in the same transaction, so the caller's one commit
    makes both true together and a retried task tells nobody twice. Returns how many donors were told."""
    from app.notifications.models import Event, Notification
    from app.notifications.services import Context, notify_many

    todo = [c for c in certs if c.emailed_at is None and c.donor is not None]
    if not todo:
        return 0
    made = notify_many(
        session,
        [
            (
                cert.donor,
                Event.CERTIFICATE_ISSUED,
                Context(
                    "certificate",
                    cert.id,
                    {
                        "what": KIND_SUBJECT[cert.kind],
                        "serial": cert.serial,
                        "link": verification_url(cert),
                    },
                ),
            )
            for cert in todo
        ],
    )
    now = utcnow()
    for cert in todo:
        cert.emailed_at = now
    session.flush()
    if not made:
        return 0
    told = set(session.execute(select(Notification.subject_id).where(Notification.id.in_(made))).scalars())
    return sum(cert.id in told for cert in todo)
