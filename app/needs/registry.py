"""The needs registry: entry, edit and review of a household's need, and revealing its identifiers.

Conventions: functions take a session and an Actor, flush, and leave the commit to the caller; refusals are
NeedError with a Vietnamese message naming the field; every money or status change is audited. Audit entries
never contain identifiers or the head's full name (the audit log is visible to more people than the registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.identifiers import IdentifierError, normalize_phone
from app.core.messages import N_, joined
from app.core.money import format_vnd
from app.core.text import fold, initials, nfc
from app.core.transaction import DomainError
from app.needs import crypto, limits, review
from app.needs.models import (
    KIND_PURPOSE,
    HouseholdNeed,
    NeedFundingSource,
    NeedKind,
    NeedStatus,
    PovertyStatus,
    SourceKind,
)
from app.units.models import AdminUnit, Hamlet, UnitLevel

PROVINCE_ROLES = (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)


EDITABLE_STATUSES = (NeedStatus.PROPOSED, NeedStatus.APPROVED, NeedStatus.REJECTED)


class NeedError(DomainError):
    """A refused registry operation; the message is Vietnamese and names the field."""


@dataclass
class SourceInput:
    kind: SourceKind
    name: str
    amount_vnd: int


@dataclass
class NeedInput:
    """What commune staff enter for a household (form or spreadsheet row)."""

    commune_id: int
    head_name: str
    poverty_status: PovertyStatus
    need_kind: NeedKind
    estimated_cost_vnd: int
    requested_vnd: int
    hamlet_id: int | None = None
    legacy_commune_id: int | None = None
    citizen_id: str | None = None
    phone: str | None = None
    address: str | None = None
    household_size: int = 1
    merit_family: bool = False
    ethnic_minority: bool = False
    elderly_alone: bool = False
    disability: bool = False
    single_parent: bool = False
    situation: str = ""
    sources: list[SourceInput] = field(default_factory=list)
    limit_override_reason: str = ""
    """Why the support asked exceeds the program's limit (required then)."""
    poverty_list_year: int | None = None
    """Year of the poor/near-poor list that made the household eligible; its standard is looked up (data)."""
    support_limit_vnd: int | None = field(default=None, init=False)
    """Set by clean_input: the limit in force for the need (None: none)."""
    poverty_standard_id: int | None = field(default=None, init=False)
    """Set by clean_input from poverty_list_year."""


def clean_input(
    session: Session, data: NeedInput, *, campaign_id: int, need_id: int | None = None
) -> tuple[NeedInput, list[str]]:
    """Normalise and validate; returns the cleaned input and a list of Vietnamese errors naming each field."""
    errors: list[str] = []
    data.head_name = nfc(data.head_name) or ""
    if not data.head_name:
        errors.append(N_("Họ tên chủ hộ: chưa nhập."))
    elif len(data.head_name) > 255:
        errors.append(N_("Họ tên chủ hộ: quá dài."))
    commune = session.get(AdminUnit, data.commune_id) if data.commune_id else None
    if commune is None or commune.level != UnitLevel.COMMUNE:
        errors.append(N_("Xã/phường: không hợp lệ."))
    if data.hamlet_id is not None:
        hamlet = session.get(Hamlet, data.hamlet_id)
        if hamlet is None or hamlet.commune_id != data.commune_id:
            errors.append(N_("Thôn/tổ dân phố: không thuộc xã đã chọn."))
    if data.citizen_id:
        try:
            data.citizen_id = crypto.normalize_citizen_id(data.citizen_id)
        except ValueError as exc:
            errors.append(exc.args[0] if len(exc.args) == 1 else str(exc))  # an N_ message
        else:
            digest = crypto.citizen_digest(data.citizen_id)
            q = select(HouseholdNeed.id).where(
                HouseholdNeed.campaign_id == campaign_id, HouseholdNeed.citizen_id_digest == digest
            )
            if need_id is not None:
                q = q.where(HouseholdNeed.id != need_id)
            if session.execute(q).first():
                errors.append(N_("Số CCCD: hộ này đã có trong danh sách của cuộc vận động."))
    else:
        data.citizen_id = None
    if data.phone:
        try:
            data.phone = normalize_phone(data.phone)
        except IdentifierError as exc:
            errors.append(exc.args[0] if len(exc.args) == 1 else str(exc))  # an N_ message
    else:
        data.phone = None
    data.address = nfc(data.address) or None
    data.situation = nfc(data.situation) or ""
    if not 1 <= (data.household_size or 0) <= 50:
        errors.append(N_("Số nhân khẩu: phải từ 1 đến 50."))
    secured = 0
    for i, s in enumerate(data.sources, start=1):
        s.name = nfc(s.name) or ""
        if s.amount_vnd <= 0:
            errors.append(N_("Nguồn đã có #%(n)s: số tiền phải lớn hơn 0.", n=i))
        secured += max(s.amount_vnd, 0)
    if data.estimated_cost_vnd <= 0:
        errors.append(N_("Dự toán kinh phí: phải lớn hơn 0."))
    if data.requested_vnd <= 0:
        errors.append(N_("Đề nghị Quỹ hỗ trợ: phải lớn hơn 0."))
    elif data.estimated_cost_vnd > 0 and data.requested_vnd + secured > data.estimated_cost_vnd:
        errors.append(
            N_(
                "Đề nghị Quỹ hỗ trợ: không được vượt quá dự toán trừ nguồn đã có (%(amount)s).",
                amount=format_vnd(max(data.estimated_cost_vnd - secured, 0)),
            )
        )
    errors += _program_rules(session, data, campaign_id, commune_ok=commune is not None)
    return data, errors


def _program_rules(session: Session, data: NeedInput, campaign_id: int, *, commune_ok: bool) -> list[str]:
    """The program's support limit (an override needs a reason) and the poverty list's year and standard."""
    errors: list[str] = []
    data.limit_override_reason = nfc(data.limit_override_reason or "").strip()
    campaign = session.get(Campaign, campaign_id)
    limit = (
        limits.limit_for_need(session, campaign, data.commune_id, data.need_kind)
        if campaign is not None and commune_ok
        else None
    )
    data.support_limit_vnd = limit.max_vnd if limit else None
    if limit is None or data.requested_vnd <= limit.max_vnd:
        data.limit_override_reason = ""
    elif not data.limit_override_reason:
        program = f"{limit.program_name} – {limit.legal_basis}" if limit.legal_basis else limit.program_name
        errors.append(
            N_(
                "Đề nghị Quỹ hỗ trợ: vượt mức hỗ trợ tối đa %(amount)s của %(program)s. Nếu cần hỗ trợ cao hơn, "
                "ghi lý do vượt mức để cấp tỉnh xem xét.",
                amount=format_vnd(limit.max_vnd),
                program=program,
            )
        )
    elif len(data.limit_override_reason) > 1000:
        errors.append(N_("Lý do vượt mức hỗ trợ: tối đa 1000 ký tự."))
    data.poverty_standard_id = None
    if data.poverty_list_year is not None:
        if not 2000 <= data.poverty_list_year <= 2100:
            errors.append(N_("Năm danh sách hộ nghèo: không hợp lệ."))
        else:
            standard = limits.standard_for_year(session, data.poverty_list_year)
            data.poverty_standard_id = standard.id if standard else None
    return errors


def _apply(need: HouseholdNeed, data: NeedInput) -> None:
    hamlet_name = ""
    need.commune_id = data.commune_id
    need.hamlet_id = data.hamlet_id
    need.legacy_commune_id = data.legacy_commune_id
    need.head_name = data.head_name
    need.head_initials = initials(data.head_name)
    if need.hamlet is not None and need.hamlet.id == data.hamlet_id:
        hamlet_name = need.hamlet.name
    need.search_key = fold(f"{data.head_name} {hamlet_name}")[:255]
    need.citizen_id_enc = crypto.encrypt(data.citizen_id)
    need.citizen_id_digest = crypto.citizen_digest(data.citizen_id)
    need.phone_enc = crypto.encrypt(data.phone)
    need.address_enc = crypto.encrypt(data.address)
    need.household_size = data.household_size
    need.poverty_status = data.poverty_status
    for flag in ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent"):
        setattr(need, flag, bool(getattr(data, flag)))
    need.need_kind = data.need_kind
    need.purpose = KIND_PURPOSE[data.need_kind]
    need.situation = data.situation
    need.estimated_cost_vnd = data.estimated_cost_vnd
    need.requested_vnd = data.requested_vnd
    need.sources = [
        NeedFundingSource(kind=s.kind, name=s.name, amount_vnd=s.amount_vnd) for s in data.sources
    ]
    need.secured_vnd = sum(s.amount_vnd for s in data.sources)
    need.support_limit_vnd = data.support_limit_vnd
    need.limit_override_reason = data.limit_override_reason
    need.poverty_list_year = data.poverty_list_year
    need.poverty_standard_id = data.poverty_standard_id


def _public_fields(need: HouseholdNeed) -> dict:
    """What the audit log may hold about a need: no name, no identifiers, no sensitive flags."""
    return {
        "commune_id": need.commune_id,
        "hamlet_id": need.hamlet_id,
        "status": need.status,
        "need_kind": need.need_kind,
        "estimated_cost_vnd": need.estimated_cost_vnd,
        "secured_vnd": need.secured_vnd,
        "requested_vnd": need.requested_vnd,
        "version": need.version,
    }


def create_need(
    session: Session, actor: Actor, campaign: Campaign, data: NeedInput, *, import_batch_id: int | None = None
) -> HouseholdNeed:
    """Commune staff propose a household's need (status proposed)."""
    data, errors = clean_input(session, data, campaign_id=campaign.id)
    if errors:
        raise NeedError(joined(errors))
    need = HouseholdNeed(
        campaign_id=campaign.id,
        status=NeedStatus.PROPOSED,
        proposed_by_id=actor.user_id,
        import_batch_id=import_batch_id,
        version=1,
        funded_vnd=0,
        disbursed_vnd=0,
    )
    _apply(need, data)
    session.add(need)
    session.flush()
    review.log(session, review.NEED, need.id, "create", actor.user_id, note=need.limit_override_reason)
    record(
        session,
        actor,
        "need.create",
        "household_need",
        need.id,
        new=_public_fields(need),
        unit_id=need.commune_id,
    )
    return need


def need_input_from(need: HouseholdNeed) -> NeedInput:
    """The need as an editable input (decrypting its identifiers: callers are the edit form of area staff)."""
    return NeedInput(
        commune_id=need.commune_id,
        head_name=need.head_name,
        poverty_status=need.poverty_status,
        need_kind=need.need_kind,
        estimated_cost_vnd=need.estimated_cost_vnd,
        requested_vnd=need.requested_vnd,
        hamlet_id=need.hamlet_id,
        legacy_commune_id=need.legacy_commune_id,
        citizen_id=crypto.decrypt(need.citizen_id_enc),
        phone=crypto.decrypt(need.phone_enc),
        address=crypto.decrypt(need.address_enc),
        household_size=need.household_size,
        merit_family=need.merit_family,
        ethnic_minority=need.ethnic_minority,
        elderly_alone=need.elderly_alone,
        disability=need.disability,
        single_parent=need.single_parent,
        situation=need.situation,
        sources=[SourceInput(s.kind, s.name, s.amount_vnd) for s in need.sources],
        limit_override_reason=need.limit_override_reason,
        poverty_list_year=need.poverty_list_year,
    )


def lock_need(session: Session, need_id: int) -> HouseholdNeed:
    need = session.execute(
        select(HouseholdNeed).where(HouseholdNeed.id == need_id).with_for_update()
    ).scalar_one_or_none()
    if need is None:
        raise NeedError(N_("Không tìm thấy hộ cần hỗ trợ."))
    session.refresh(need)
    return need


def update_need(session: Session, actor: Actor, user: User, need_id: int, data: NeedInput) -> HouseholdNeed:
    """Edit a need while it is proposed, approved or rejected. An edit that changes anything is recorded with
    its author and, per field, the values before and after (app.needs.review); an approved or rejected need
    goes back to the province (status proposed), whoever edited it, and its approver must be someone who
    neither entered nor changed it. The version is bumped."""
    need = lock_need(session, need_id)
    if need.status not in EDITABLE_STATUSES:
        raise NeedError(
            N_(
                "Không sửa được: hộ đang ở trạng thái “%(status)s” (đã được bố trí kinh phí).",
                status=need.status_label,
            )
        )
    if data.commune_id != need.commune_id and user.role == Role.COMMUNE_STAFF:
        raise NeedError(N_("Xã/phường: cán bộ xã không chuyển hộ sang xã khác."))
    data, errors = clean_input(session, data, campaign_id=need.campaign_id, need_id=need.id)
    if not errors and data.requested_vnd < need.funded_vnd:
        errors.append(
            N_(
                "Đề nghị Quỹ hỗ trợ: không thấp hơn số đã bố trí (%(amount)s).",
                amount=format_vnd(need.funded_vnd),
            )
        )
    if errors:
        raise NeedError(joined(errors))
    old = _public_fields(need)
    before = review.need_view(session, need)
    _apply(need, data)
    session.flush()
    changes = review.diff(
        before, review.need_view(session, need, (data.citizen_id, data.phone, data.address))
    )
    if changes:
        review.log(session, review.NEED, need.id, "edit", actor.user_id, changes)
        if need.status != NeedStatus.PROPOSED:
            need.status = NeedStatus.PROPOSED
            need.reviewed_by_id = None
            need.reviewed_at = None
            need.approved_on = None
            need.rejection_reason = ""
            if user.role == Role.COMMUNE_STAFF:
                need.proposed_by_id = actor.user_id
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.update",
        "household_need",
        need.id,
        old=old,
        new=_public_fields(need),
        unit_id=need.commune_id,
    )
    return need


def approve_need(
    session: Session, actor: Actor, user: User, need_id: int, *, on: date | None = None
) -> HouseholdNeed:
    """The province approves a proposed need (a different person, in a province role, from the proposer)."""
    need = lock_need(session, need_id)
    _check_reviewer(session, user, need)
    if need.status != NeedStatus.PROPOSED:
        raise NeedError(
            N_("Chỉ duyệt được hộ do xã đề xuất; hộ này đang “%(status)s”.", status=need.status_label)
        )
    need.status = NeedStatus.APPROVED
    need.reviewed_by_id = user.id
    need.reviewed_at = utcnow()
    need.approved_on = on or today_vn()
    need.rejection_reason = ""
    need.version += 1
    session.flush()
    review.log(session, review.NEED, need.id, "approve", actor.user_id)
    record(
        session,
        actor,
        "need.approve",
        "household_need",
        need.id,
        old={"status": NeedStatus.PROPOSED},
        new={"status": need.status, "version": need.version},
        unit_id=need.commune_id,
    )
    return need


def reject_need(session: Session, actor: Actor, user: User, need_id: int, reason: str) -> HouseholdNeed:
    need = lock_need(session, need_id)
    _check_reviewer(session, user, need)
    reason = nfc(reason) or ""
    if not reason:
        raise NeedError(N_("Lý do không duyệt: chưa nhập."))
    if need.status not in (NeedStatus.PROPOSED, NeedStatus.APPROVED) or need.funded_vnd:
        raise NeedError(N_("Không thể từ chối hộ đang “%(status)s”.", status=need.status_label))
    old_status = need.status
    need.status = NeedStatus.REJECTED
    need.rejection_reason = reason
    need.reviewed_by_id = user.id
    need.reviewed_at = utcnow()
    need.approved_on = None
    need.version += 1
    session.flush()
    review.log(session, review.NEED, need.id, "reject", actor.user_id, note=reason)
    record(
        session,
        actor,
        "need.reject",
        "household_need",
        need.id,
        old={"status": old_status},
        new={"status": need.status, "reason": reason, "version": need.version},
        unit_id=need.commune_id,
    )
    return need


def _check_reviewer(session: Session, user: User, need: HouseholdNeed) -> None:
    if user.role not in PROVINCE_ROLES:
        raise NeedError(N_("Chỉ cán bộ cấp tỉnh được duyệt danh sách hộ do xã đề xuất."))
    if not can_access_unit(user, need.commune):
        raise NeedError(N_("Hộ này không thuộc địa bàn của bạn."))
    if need.proposed_by_id is not None and need.proposed_by_id == user.id:
        raise NeedError(N_("Người đề xuất không được tự duyệt hộ mình đề xuất."))
    if review.is_author(session, review.NEED, need.id, user.id):
        raise NeedError(N_("Bạn đã sửa hồ sơ hộ này nên không được tự duyệt: cần một người khác duyệt."))


@dataclass(frozen=True)
class Identifiers:
    citizen_id: str | None
    phone: str | None
    address: str | None


def reveal_identifiers(session: Session, actor: Actor, user: User, need: HouseholdNeed) -> Identifiers:
    """Decrypt a household's identifiers for staff of its area; every read is audited."""
    if not user.is_staff or not can_access_unit(user, need.commune):
        raise NeedError(N_("Bạn không có quyền xem thông tin định danh của hộ này."))
    ids = Identifiers(
        crypto.decrypt(need.citizen_id_enc), crypto.decrypt(need.phone_enc), crypto.decrypt(need.address_enc)
    )
    record(
        session,
        actor,
        "need.reveal_identifiers",
        "household_need",
        need.id,
        new={"fields": ["citizen_id", "phone", "address"]},
        unit_id=need.commune_id,
    )
    session.flush()
    return ids
