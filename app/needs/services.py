"""Needs registry services: entry and review, identifiers, funding (called by app.matching), disbursement in
tranches, construction stages and photos, traceability and figures for reports.

Conventions: functions take a session and an Actor, flush, and leave the commit to the caller; refusals are
NeedError with a Vietnamese message naming the field; every money or status change is audited. Audit entries
never contain identifiers or the head's full name (the audit log is visible to more people than the registry).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.identifiers import IdentifierError, normalize_phone
from app.core.money import format_vnd
from app.core.text import fold, initials, nfc
from app.core.uploads import read_upload, store_bytes
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import crypto
from app.needs.models import (
    KIND_PURPOSE,
    MATCHABLE_STATUSES,
    FundingStatus,
    HouseholdNeed,
    NeedDisbursement,
    NeedFunding,
    NeedFundingSource,
    NeedKind,
    NeedPhoto,
    NeedStatus,
    PovertyStatus,
    PriorityRule,
    SourceKind,
    TrancheKind,
)
from app.needs.priority import CRITERIA, DESIGNATION_CRITERIA, compile_rules, rules_for_campaign, score_need
from app.units.models import AdminUnit, Hamlet, UnitLevel
from app.units.services import designations_for_commune

DEFAULT_LATE_DAYS = 90
LATE_DAYS_SETTING = "needs_late_days"
PROVINCE_ROLES = (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)
# Statuses shown on the public site (the houses the money went to).
PUBLIC_STATUSES = (NeedStatus.FUNDED, NeedStatus.STARTED, NeedStatus.COMPLETED, NeedStatus.HANDED_OVER)
DISBURSABLE_STATUSES = PUBLIC_STATUSES
EDITABLE_STATUSES = (NeedStatus.PROPOSED, NeedStatus.APPROVED, NeedStatus.REJECTED)


class NeedError(ValueError):
    """A refused registry operation; the message is Vietnamese and names the field."""


# ----------------------------------------------------------------------------------------- entry and edit
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


def clean_input(
    session: Session, data: NeedInput, *, campaign_id: int, need_id: int | None = None
) -> tuple[NeedInput, list[str]]:
    """Normalise and validate; returns the cleaned input and a list of Vietnamese errors naming each field."""
    errors: list[str] = []
    data.head_name = nfc(data.head_name) or ""
    if not data.head_name:
        errors.append("Họ tên chủ hộ: chưa nhập.")
    elif len(data.head_name) > 255:
        errors.append("Họ tên chủ hộ: quá dài.")
    commune = session.get(AdminUnit, data.commune_id) if data.commune_id else None
    if commune is None or commune.level != UnitLevel.COMMUNE:
        errors.append("Xã/phường: không hợp lệ.")
    if data.hamlet_id is not None:
        hamlet = session.get(Hamlet, data.hamlet_id)
        if hamlet is None or hamlet.commune_id != data.commune_id:
            errors.append("Thôn/tổ dân phố: không thuộc xã đã chọn.")
    if data.citizen_id:
        try:
            data.citizen_id = crypto.normalize_citizen_id(data.citizen_id)
        except ValueError as exc:
            errors.append(str(exc))
        else:
            digest = crypto.citizen_digest(data.citizen_id)
            q = select(HouseholdNeed.id).where(
                HouseholdNeed.campaign_id == campaign_id, HouseholdNeed.citizen_id_digest == digest
            )
            if need_id is not None:
                q = q.where(HouseholdNeed.id != need_id)
            if session.execute(q).first():
                errors.append("Số CCCD: hộ này đã có trong danh sách của cuộc vận động.")
    else:
        data.citizen_id = None
    if data.phone:
        try:
            data.phone = normalize_phone(data.phone)
        except IdentifierError as exc:
            errors.append(str(exc))
    else:
        data.phone = None
    data.address = nfc(data.address) or None
    data.situation = nfc(data.situation) or ""
    if not 1 <= (data.household_size or 0) <= 50:
        errors.append("Số nhân khẩu: phải từ 1 đến 50.")
    secured = 0
    for i, s in enumerate(data.sources, start=1):
        s.name = nfc(s.name) or ""
        if s.amount_vnd <= 0:
            errors.append(f"Nguồn đã có #{i}: số tiền phải lớn hơn 0.")
        secured += max(s.amount_vnd, 0)
    if data.estimated_cost_vnd <= 0:
        errors.append("Dự toán kinh phí: phải lớn hơn 0.")
    if data.requested_vnd <= 0:
        errors.append("Đề nghị Quỹ hỗ trợ: phải lớn hơn 0.")
    elif data.estimated_cost_vnd > 0 and data.requested_vnd + secured > data.estimated_cost_vnd:
        errors.append(
            f"Đề nghị Quỹ hỗ trợ: không được vượt quá dự toán trừ nguồn đã có "
            f"({format_vnd(max(data.estimated_cost_vnd - secured, 0))})."
        )
    return data, errors


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
        raise NeedError(" ".join(errors))
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
    )


def _lock_need(session: Session, need_id: int) -> HouseholdNeed:
    need = session.execute(
        select(HouseholdNeed).where(HouseholdNeed.id == need_id).with_for_update()
    ).scalar_one_or_none()
    if need is None:
        raise NeedError("Không tìm thấy hộ cần hỗ trợ.")
    session.refresh(need)
    return need


def update_need(session: Session, actor: Actor, user: User, need_id: int, data: NeedInput) -> HouseholdNeed:
    """Edit a need. Commune staff may edit while it is proposed, approved or rejected; their edit sends it
    back to the province (status proposed). Province staff keep its status. The version is bumped."""
    need = _lock_need(session, need_id)
    if need.status not in EDITABLE_STATUSES:
        raise NeedError(
            f"Không sửa được: hộ đang ở trạng thái “{need.status_label}” (đã được bố trí kinh phí)."
        )
    if data.commune_id != need.commune_id and user.role == Role.COMMUNE_STAFF:
        raise NeedError("Xã/phường: cán bộ xã không chuyển hộ sang xã khác.")
    data, errors = clean_input(session, data, campaign_id=need.campaign_id, need_id=need.id)
    if not errors and data.requested_vnd < need.funded_vnd:
        errors.append(f"Đề nghị Quỹ hỗ trợ: không thấp hơn số đã bố trí ({format_vnd(need.funded_vnd)}).")
    if errors:
        raise NeedError(" ".join(errors))
    old = _public_fields(need)
    _apply(need, data)
    if user.role == Role.COMMUNE_STAFF and need.status != NeedStatus.PROPOSED:
        need.status = NeedStatus.PROPOSED
        need.reviewed_by_id = None
        need.reviewed_at = None
        need.approved_on = None
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
    need = _lock_need(session, need_id)
    _check_reviewer(user, need)
    if need.status != NeedStatus.PROPOSED:
        raise NeedError(f"Chỉ duyệt được hộ do xã đề xuất; hộ này đang “{need.status_label}”.")
    need.status = NeedStatus.APPROVED
    need.reviewed_by_id = user.id
    need.reviewed_at = utcnow()
    need.approved_on = on or today_vn()
    need.rejection_reason = ""
    need.version += 1
    session.flush()
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
    need = _lock_need(session, need_id)
    _check_reviewer(user, need)
    reason = nfc(reason) or ""
    if not reason:
        raise NeedError("Lý do không duyệt: chưa nhập.")
    if need.status not in (NeedStatus.PROPOSED, NeedStatus.APPROVED) or need.funded_vnd:
        raise NeedError(f"Không thể từ chối hộ đang “{need.status_label}”.")
    old_status = need.status
    need.status = NeedStatus.REJECTED
    need.rejection_reason = reason
    need.reviewed_by_id = user.id
    need.reviewed_at = utcnow()
    need.approved_on = None
    need.version += 1
    session.flush()
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


def _check_reviewer(user: User, need: HouseholdNeed) -> None:
    if user.role not in PROVINCE_ROLES:
        raise NeedError("Chỉ cán bộ cấp tỉnh được duyệt danh sách hộ do xã đề xuất.")
    if not can_access_unit(user, need.commune):
        raise NeedError("Hộ này không thuộc địa bàn của bạn.")
    if need.proposed_by_id is not None and need.proposed_by_id == user.id:
        raise NeedError("Người đề xuất không được tự duyệt hộ mình đề xuất.")


# ----------------------------------------------------------------------------------------- identifiers
@dataclass(frozen=True)
class Identifiers:
    citizen_id: str | None
    phone: str | None
    address: str | None


def reveal_identifiers(session: Session, actor: Actor, user: User, need: HouseholdNeed) -> Identifiers:
    """Decrypt a household's identifiers for staff of its area; every read is audited."""
    if not user.is_staff or not can_access_unit(user, need.commune):
        raise NeedError("Bạn không có quyền xem thông tin định danh của hộ này.")
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


# ----------------------------------------------------------------------------------------- priority rules
def save_priority_rules(
    session: Session, actor: Actor, campaign: Campaign, weights: dict[str, int], late_days: int | None = None
) -> None:
    """Province staff set the weights (and the late threshold) for a campaign."""
    old = {r.criterion: r.weight for r in rules_for_campaign(session, campaign.id)}
    existing = {
        r.criterion: r
        for r in session.execute(
            select(PriorityRule).where(PriorityRule.campaign_id == campaign.id)
        ).scalars()
    }
    for code, weight in weights.items():
        if code not in CRITERIA:
            raise NeedError(f"Tiêu chí không tồn tại: {code}.")
        if not 0 <= weight <= 1000:
            raise NeedError(f"Điểm “{CRITERIA[code][1]}”: phải từ 0 đến 1000.")
        rule = existing.get(code)
        if rule is None:
            session.add(
                PriorityRule(campaign_id=campaign.id, criterion=code, weight=weight, label=CRITERIA[code][1])
            )
        else:
            rule.weight = weight
    new_settings = dict(campaign.settings or {})
    if late_days is not None:
        if not 7 <= late_days <= 730:
            raise NeedError("Số ngày coi là chậm tiến độ: phải từ 7 đến 730.")
        new_settings[LATE_DAYS_SETTING] = late_days
        campaign.settings = new_settings
    session.flush()
    record(
        session,
        actor,
        "needs.priority_rules",
        "campaign",
        campaign.id,
        old=old,
        new={**weights, "late_days": late_days},
        unit_id=campaign.scope_unit_id,
    )


def late_days_for(campaign: Campaign | None) -> int:
    return (
        int((campaign.settings or {}).get(LATE_DAYS_SETTING, DEFAULT_LATE_DAYS))
        if campaign
        else DEFAULT_LATE_DAYS
    )


def is_late(need: HouseholdNeed, late_days: int, today: date | None = None) -> bool:
    """Started more than late_days ago and not completed."""
    return (
        need.status == NeedStatus.STARTED
        and need.started_on is not None
        and (today or today_vn()) - need.started_on > _days(late_days)
    )


def _days(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(days=n)


def late_clause(late_days: int, today: date | None = None):  # type: ignore[no-untyped-def]
    cutoff = (today or today_vn()) - _days(late_days)
    return (HouseholdNeed.status == NeedStatus.STARTED) & (HouseholdNeed.started_on < cutoff)


def designations_by_commune(
    session: Session, commune_ids: Iterable[int], on: date | None = None
) -> dict[int, list[str]]:
    """Designation kinds in force for many communes at once (what designations_for_commune gives one by one,
    in three queries instead of several per commune): for scoring a whole registry."""
    from app.units.models import AreaDesignation, LegacyUnit, UnitLineage

    ids = list(set(commune_ids))
    day = on or today_vn()
    designations = [d for d in session.execute(select(AreaDesignation)).scalars() if d.valid_on(day)]
    out: dict[int, list[str]] = {cid: [] for cid in ids}
    if not designations or not ids:
        return out
    by_admin: dict[int, set[str]] = defaultdict(set)
    by_legacy: dict[int, set[str]] = defaultdict(set)
    for d in designations:
        if d.admin_unit_id is not None:
            by_admin[d.admin_unit_id].add(d.kind)
        if d.legacy_unit_id is not None:
            by_legacy[d.legacy_unit_id].add(d.kind)
    lineage: dict[int, set[int]] = defaultdict(set)
    for i in range(0, len(ids), 5000):
        for legacy_id, admin_id in session.execute(
            select(UnitLineage.legacy_unit_id, UnitLineage.admin_unit_id).where(
                UnitLineage.admin_unit_id.in_(ids[i : i + 5000])
            )
        ):
            lineage[admin_id].add(legacy_id)
    parent = dict(session.execute(select(LegacyUnit.id, LegacyUnit.parent_id)).all()) if by_legacy else {}
    for cid in ids:
        kinds = set(by_admin.get(cid, ()))
        for legacy_id in lineage.get(cid, ()):
            seen = 0
            while legacy_id is not None and seen < 5:
                kinds |= by_legacy.get(legacy_id, set())
                legacy_id, seen = parent.get(legacy_id), seen + 1
        out[cid] = sorted(kinds)
    return out


def household_score_expr(rules: Iterable[Any] | None):  # type: ignore[no-untyped-def]
    """SQL expression of the household part of the score (poverty status and household flags) under `rules`;
    the area part is added per commune from designations_by_commune (see score_needs)."""
    from sqlalchemy import Integer, case, cast, literal

    by_code = compile_rules(rules)

    def w(code: str) -> int:
        rule = by_code.get(code)
        return rule.weight if rule is not None and rule.weight > 0 else 0

    expr = case(
        {s.value: literal(w(s.value)) for s in PovertyStatus},
        value=HouseholdNeed.poverty_status,
        else_=literal(0),
    )
    for flag in ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent"):
        if w(flag):
            expr = expr + cast(getattr(HouseholdNeed, flag), Integer) * w(flag)
    return expr


def area_score(kinds: Iterable[str], rules: Iterable[Any] | None) -> int:
    """The area part of the score for a commune's designation kinds."""
    by_code = compile_rules(rules)
    codes = {DESIGNATION_CRITERIA[k] for k in kinds if k in DESIGNATION_CRITERIA}
    return sum(by_code[c].weight for c in codes if c in by_code and by_code[c].weight > 0)


def score_needs(
    session: Session,
    campaign_id: int,
    *,
    on: date | None = None,
    statuses: Iterable[NeedStatus] | None = MATCHABLE_STATUSES,
) -> list[tuple[int, int, int]]:
    """(need id, commune id, score) for every need of a campaign in `statuses` (None: all), computed in SQL
    plus one designation lookup per commune: the same numbers as score_need, for a whole registry at once."""
    rules = compile_rules(rules_for_campaign(session, campaign_id))
    q = select(HouseholdNeed.id, HouseholdNeed.commune_id, household_score_expr(rules)).where(
        HouseholdNeed.campaign_id == campaign_id
    )
    if statuses is not None:
        q = q.where(HouseholdNeed.status.in_(list(statuses)))
    rows = session.execute(q).all()
    kinds = designations_by_commune(session, {r[1] for r in rows}, on=on)
    area = {cid: area_score(k, rules) for cid, k in kinds.items()}
    return [(nid, cid, int(hs) + area[cid]) for nid, cid, hs in rows]


def explain_need(
    session: Session, need: HouseholdNeed, on: date | None = None
) -> tuple[int, list[tuple[str, str, int]]]:
    """The need's score under its campaign's rules, with area designations computed now."""
    designations = designations_for_commune(session, need.commune_id, on=on or today_vn())
    return score_need(need, designations, rules_for_campaign(session, need.campaign_id))


# ----------------------------------------------------------------------------------------- funding (matching)
def _draws_json(draws: Iterable[PoolDraw]) -> list[dict]:
    return [
        {"pool_unit_id": d.pool_unit_id, "purpose": Purpose(d.purpose).value, "amount_vnd": int(d.amount_vnd)}
        for d in draws
    ]


def record_need_funding(
    session: Session,
    actor: Actor,
    need: HouseholdNeed | int,
    amount_vnd: int,
    draws: list[PoolDraw],
    proposal_id: int | None,
    ledger_transaction_id: int | None,
) -> NeedFunding:
    """Record money allocated to a need (called by app.matching when an approved proposal posts its ledger
    allocation, in the same transaction). The need must be approved and the amount within what is still
    requested; draws must add up to the amount. A need whose request is then fully covered becomes funded.
    Bumps the need's version (a proposal computed before this sees the change).

    The ledger allocation must target unit need.commune_id with purpose need.purpose (that is the ALLOCATED
    account disburse_need() later pays out from); draws may come from pools of need.purpose or UNRESTRICTED."""
    need = _lock_need(session, need if isinstance(need, int) else need.id)
    if need.status not in MATCHABLE_STATUSES:
        raise NeedError(f"Hộ #{need.id} không ở trạng thái chờ bố trí kinh phí (đang “{need.status_label}”).")
    if amount_vnd <= 0:
        raise NeedError("Số tiền bố trí phải lớn hơn 0.")
    if sum(d.amount_vnd for d in draws) != amount_vnd or any(d.amount_vnd <= 0 for d in draws):
        raise NeedError("Các khoản lấy từ quỹ không cộng đúng số tiền bố trí.")
    if amount_vnd > need.remaining_vnd:
        raise NeedError(
            f"Hộ #{need.id}: bố trí {format_vnd(amount_vnd)} vượt số còn thiếu "
            f"({format_vnd(need.remaining_vnd)})."
        )
    wrong = [d for d in draws if Purpose(d.purpose) not in (need.purpose, Purpose.UNRESTRICTED)]
    if wrong:
        raise NeedError(f"Hộ #{need.id}: tiền chỉ định mục đích khác không được dùng cho nhu cầu này.")
    funding = NeedFunding(
        need_id=need.id,
        amount_vnd=amount_vnd,
        ledger_transaction_id=ledger_transaction_id,
        proposal_id=proposal_id,
        draws=_draws_json(draws),
        status=FundingStatus.ACTIVE,
        created_by_id=actor.user_id,
    )
    session.add(funding)
    need.funded_vnd += amount_vnd
    if need.funded_vnd == need.requested_vnd:
        need.status = NeedStatus.FUNDED
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.fund",
        "household_need",
        need.id,
        new={
            "funding_id": funding.id,
            "amount_vnd": amount_vnd,
            "proposal_id": proposal_id,
            "ledger_transaction_id": ledger_transaction_id,
            "funded_vnd": need.funded_vnd,
            "status": need.status,
        },
        unit_id=need.commune_id,
    )
    return funding


def revoke_need_funding(
    session: Session,
    actor: Actor,
    funding_id: int,
    reason: str,
    *,
    revocation_transaction_id: int | None = None,
) -> NeedFunding:
    """Mark a funding revoked (the caller reverses the ledger allocation and passes that transaction's id).
    Refused once construction has started or when part of it was already paid out."""
    reason = nfc(reason) or ""
    if not reason:
        raise NeedError("Lý do thu hồi: chưa nhập.")
    funding = session.execute(
        select(NeedFunding).where(NeedFunding.id == funding_id).with_for_update()
    ).scalar_one_or_none()
    if funding is None:
        raise NeedError("Không tìm thấy khoản bố trí.")
    if funding.status != FundingStatus.ACTIVE:
        raise NeedError("Khoản bố trí này đã bị thu hồi trước đó.")
    need = _lock_need(session, funding.need_id)
    if need.status not in (NeedStatus.APPROVED, NeedStatus.FUNDED):
        raise NeedError(f"Không thu hồi được: hộ #{need.id} đã “{need.status_label}”.")
    if need.funded_vnd - funding.amount_vnd < need.disbursed_vnd:
        raise NeedError(
            f"Không thu hồi được: hộ #{need.id} đã được giải ngân {format_vnd(need.disbursed_vnd)}."
        )
    funding.status = FundingStatus.REVOKED
    funding.revoked_at = utcnow()
    funding.revoked_by_id = actor.user_id
    funding.revoke_reason = reason
    funding.revocation_transaction_id = revocation_transaction_id
    need.funded_vnd -= funding.amount_vnd
    need.status = NeedStatus.APPROVED
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.revoke_funding",
        "household_need",
        need.id,
        old={"funding_id": funding.id, "amount_vnd": funding.amount_vnd},
        new={
            "reason": reason,
            "funded_vnd": need.funded_vnd,
            "status": need.status,
            "revocation_transaction_id": revocation_transaction_id,
        },
        unit_id=need.commune_id,
    )
    return funding


def active_fundings(session: Session, need_id: int) -> list[NeedFunding]:
    return list(
        session.execute(
            select(NeedFunding)
            .where(NeedFunding.need_id == need_id, NeedFunding.status == FundingStatus.ACTIVE)
            .order_by(NeedFunding.id)
        ).scalars()
    )


# ----------------------------------------------------------------------------------------- disbursement
def disburse_need(
    session: Session,
    actor: Actor,
    need_id: int,
    amount_vnd: int,
    document_ref: str,
    *,
    tranche: TrancheKind = TrancheKind.ADVANCE,
    occurred_on: date | None = None,
    note: str = "",
    user: User | None = None,
) -> NeedDisbursement:
    """Pay a tranche to a household: posts a ledger disbursement in the need's commune and purpose and records
    it. Refused beyond what was allocated to THIS need (funded − already disbursed)."""
    need = _lock_need(session, need_id)
    if user is not None and not can_access_unit(user, need.commune):
        raise NeedError("Hộ này không thuộc địa bàn của bạn.")
    document_ref = nfc(document_ref) or ""
    if not document_ref:
        raise NeedError("Số chứng từ: chưa nhập (phiếu chi, biên bản giao nhận…).")
    if len(document_ref) > 120:
        raise NeedError("Số chứng từ: quá dài.")
    if amount_vnd <= 0:
        raise NeedError("Số tiền giải ngân: phải lớn hơn 0.")
    if need.status not in DISBURSABLE_STATUSES:
        raise NeedError(f"Chưa giải ngân được: hộ đang “{need.status_label}” (cần được bố trí đủ kinh phí).")
    available = need.funded_vnd - need.disbursed_vnd
    if amount_vnd > available:
        raise NeedError(f"Số tiền giải ngân: vượt số đã bố trí cho hộ này còn lại ({format_vnd(available)}).")
    day = occurred_on or today_vn()
    if day > today_vn():
        raise NeedError("Ngày chi: không được sau hôm nay.")
    campaign = session.get(Campaign, need.campaign_id)
    txn = ledger.disburse(
        session,
        actor,
        fund_id=campaign.fund_id,
        unit_id=need.commune_id,
        purpose=need.purpose,
        amount_vnd=amount_vnd,
        occurred_on=day,
        memo=f"Giải ngân hộ #{need.id} ({tranche.value}), chứng từ {document_ref}",
        source_type="need_disbursement",
        source_id=need.id,
    )
    d = NeedDisbursement(
        need_id=need.id,
        tranche=tranche,
        amount_vnd=amount_vnd,
        document_ref=document_ref,
        occurred_on=day,
        note=nfc(note) or "",
        ledger_transaction_id=txn.id,
        created_by_id=actor.user_id,
    )
    session.add(d)
    need.disbursed_vnd += amount_vnd
    session.flush()
    record(
        session,
        actor,
        "need.disburse",
        "household_need",
        need.id,
        new={
            "disbursement_id": d.id,
            "amount_vnd": amount_vnd,
            "tranche": tranche,
            "document_ref": document_ref,
            "ledger_transaction_id": txn.id,
            "disbursed_vnd": need.disbursed_vnd,
        },
        unit_id=need.commune_id,
    )
    return d


REVERSE_DISBURSEMENT_ROLES = (Role.APPROVER, Role.CENTRAL_ADMIN)
"""Who may undo a recorded tranche (as for other ledger reversals and allocation revocations: the approvers)."""


def reverse_disbursement(
    session: Session, actor: Actor, user: User | None, disbursement_id: int, reason: str
) -> NeedDisbursement:
    """Undo a tranche recorded by mistake: the ledger disbursement is reversed (append-only, the money goes back
    to the need's allocation), the tranche is marked reversed and the house's disbursed figure lowered. The house
    keeps its funding and status; a correct tranche is then recorded anew."""
    found = session.get(NeedDisbursement, disbursement_id)
    if found is None:
        raise NeedError("Không tìm thấy khoản giải ngân.")
    need = _lock_need(session, found.need_id)  # serialises reversals and new tranches of the house
    d = session.execute(
        select(NeedDisbursement)
        .where(NeedDisbursement.id == disbursement_id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if user is not None:
        if not can_access_unit(user, need.commune):
            raise NeedError("Hộ này không thuộc địa bàn của bạn.")
        if user.role not in REVERSE_DISBURSEMENT_ROLES:
            raise NeedError("Chỉ người có quyền phê duyệt mới đảo được khoản giải ngân.")
    reason = (nfc(reason) or "").strip()
    if not reason:
        raise NeedError("Lý do đảo giải ngân: chưa nhập.")
    if len(reason) > 1000:
        raise NeedError("Lý do đảo giải ngân: quá dài (tối đa 1000 ký tự).")
    if d.reversal_transaction_id is not None:
        raise NeedError("Khoản giải ngân này đã được đảo trước đó.")
    try:
        tx = ledger.reverse(
            session,
            actor,
            d.ledger_transaction_id,
            reason=reason,
            occurred_on=today_vn(),
            source_type="need_disbursement_reversal",
            source_id=d.id,
        )
    except ledger.LedgerError as exc:
        raise NeedError(f"Không đảo được khoản giải ngân: {exc}") from exc
    d.reversal_transaction_id = tx.id
    old_disbursed = need.disbursed_vnd
    need.disbursed_vnd -= d.amount_vnd
    session.flush()
    record(
        session,
        actor,
        "need.reverse_disbursement",
        "household_need",
        need.id,
        old={
            "disbursement_id": d.id,
            "amount_vnd": d.amount_vnd,
            "document_ref": d.document_ref,
            "disbursed_vnd": old_disbursed,
        },
        new={"reason": reason, "reversal_transaction_id": tx.id, "disbursed_vnd": need.disbursed_vnd},
        unit_id=need.commune_id,
    )
    return d


# ----------------------------------------------------------------------------------------- construction stages
STAGE_ORDER = {
    NeedStatus.FUNDED: NeedStatus.STARTED,
    NeedStatus.STARTED: NeedStatus.COMPLETED,
    NeedStatus.COMPLETED: NeedStatus.HANDED_OVER,
}
STAGE_DATE = {
    NeedStatus.STARTED: "started_on",
    NeedStatus.COMPLETED: "completed_on",
    NeedStatus.HANDED_OVER: "handed_over_on",
}


def advance_stage(
    session: Session, actor: Actor, need_id: int, stage: NeedStatus, on: date, *, user: User | None = None
) -> HouseholdNeed:
    """Move a funded need through construction: started → completed → handed over, with its date."""
    need = _lock_need(session, need_id)
    if user is not None and not can_access_unit(user, need.commune):
        raise NeedError("Hộ này không thuộc địa bàn của bạn.")
    expected = STAGE_ORDER.get(need.status)
    if expected is None or stage != expected:
        raise NeedError(f"Giai đoạn: hộ đang “{need.status_label}”, không chuyển sang bước này được.")
    if on > today_vn():
        raise NeedError("Ngày: không được sau hôm nay.")
    previous = need.started_on if stage != NeedStatus.STARTED else need.approved_on
    if stage == NeedStatus.HANDED_OVER:
        previous = need.completed_on
    if previous is not None and on < previous:
        raise NeedError("Ngày: không được trước ngày của giai đoạn trước.")
    old = need.status
    need.status = stage
    setattr(need, STAGE_DATE[stage], on)
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.stage",
        "household_need",
        need.id,
        old={"status": old},
        new={"status": stage, "on": on},
        unit_id=need.commune_id,
    )
    return need


# ----------------------------------------------------------------------------------------- photos
PHOTO_SUBDIR = "needs/photos"


def add_photo(
    session: Session,
    actor: Actor,
    need: HouseholdNeed,
    file_storage,
    *,
    stage: NeedStatus,  # type: ignore[no-untyped-def]
    caption: str = "",
    taken_on: date | None = None,
    publishable: bool = False,
) -> NeedPhoto:
    """Store a PNG/JPEG (type sniffed, size limited) under UPLOAD_DIR; never under static."""
    kind, data = read_upload(file_storage, allowed=("png", "jpeg"))
    stored = store_bytes(data, kind, getattr(file_storage, "filename", ""), PHOTO_SUBDIR)
    rel = stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix()
    photo = NeedPhoto(
        need_id=need.id,
        stage=stage,
        path=rel,
        kind=kind,
        sha256=stored.sha256,
        size=stored.size,
        caption=(nfc(caption) or "")[:255],
        taken_on=taken_on,
        publishable=publishable,
        uploaded_by_id=actor.user_id,
    )
    session.add(photo)
    session.flush()
    record(
        session,
        actor,
        "need.photo_add",
        "household_need",
        need.id,
        new={"photo_id": photo.id, "stage": stage, "publishable": publishable},
        unit_id=need.commune_id,
    )
    return photo


def set_photo_publishable(session: Session, actor: Actor, photo: NeedPhoto, publishable: bool) -> None:
    photo.publishable = publishable
    need = session.get(HouseholdNeed, photo.need_id)
    session.flush()
    record(
        session,
        actor,
        "need.photo_publish",
        "household_need",
        photo.need_id,
        new={"photo_id": photo.id, "publishable": publishable},
        unit_id=need.commune_id if need else None,
    )


def photo_path(photo: NeedPhoto) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / photo.path).resolve()
    if root not in path.parents:
        raise NeedError("Đường dẫn ảnh không hợp lệ.")
    return path


# ----------------------------------------------------------------------------------------- traceability
def _pool_key(fund_id: int, pool_unit_id: int | None, purpose: str) -> tuple[int, int | None, str]:
    return (fund_id, pool_unit_id, Purpose(purpose).value)


def _received_clause():  # type: ignore[no-untyped-def]
    return (Contribution.status == ContributionStatus.RECORDED) & (Contribution.channel != Channel.IN_KIND)


def pool_received(session: Session, keys: Iterable[tuple[int, int | None, str]]) -> dict[tuple, int]:
    """Money received into each pool (recorded cash contributions, net of reversals)."""
    out: dict[tuple, int] = {}
    for fund_id, unit_id, purpose in set(keys):
        unit_cond = (
            Contribution.pool_unit_id.is_(None) if unit_id is None else Contribution.pool_unit_id == unit_id
        )
        total = session.execute(
            select(func.coalesce(func.sum(Contribution.amount_vnd), 0)).where(
                _received_clause(),
                Contribution.fund_id == fund_id,
                unit_cond,
                Contribution.purpose == purpose,
            )
        ).scalar_one()
        out[(fund_id, unit_id, purpose)] = int(total)
    return out


@dataclass
class DonorHouse:
    need_id: int
    head_initials: str
    hamlet: str
    commune: str
    status: NeedStatus
    status_label: str
    need_kind_label: str
    amount_vnd: int  # the donor's pro-rata share of the money this house received


def houses_funded_by_donor(session: Session, donor_id: int) -> list[DonorHouse]:
    """Houses a donor's money went to, pro rata through the pools: for each pool the donor gave to, the donor's
    share of what the pool received × what the pool paid into each house's active funding. Money passed
    between pools by transfers is not followed (it stays attributed to the pool it was received in)."""
    rows = session.execute(
        select(
            Contribution.fund_id,
            Contribution.pool_unit_id,
            Contribution.purpose,
            func.sum(Contribution.amount_vnd),
        )
        .where(_received_clause(), Contribution.donor_id == donor_id)
        .group_by(Contribution.fund_id, Contribution.pool_unit_id, Contribution.purpose)
    ).all()
    given = {_pool_key(f, u, p): int(a) for f, u, p, a in rows}
    if not given:
        return []
    received = pool_received(session, given)
    share = {k: given[k] / received[k] for k in given if received.get(k)}
    pool_units = {k[1] for k in share}
    q = (
        select(NeedFunding, HouseholdNeed, Campaign.fund_id)
        .join(HouseholdNeed, HouseholdNeed.id == NeedFunding.need_id)
        .join(Campaign, Campaign.id == HouseholdNeed.campaign_id)
        .where(NeedFunding.status == FundingStatus.ACTIVE)
    )
    if None not in pool_units:
        ids = [u for u in pool_units if u is not None]
        q = q.join(AdminUnit, AdminUnit.id == HouseholdNeed.commune_id).where(
            or_(HouseholdNeed.commune_id.in_(ids), AdminUnit.parent_id.in_(ids))
        )
    by_need: dict[int, float] = defaultdict(float)
    needs: dict[int, HouseholdNeed] = {}
    for funding, need, fund_id in session.execute(q):
        for d in funding.draws or []:
            k = _pool_key(fund_id, d.get("pool_unit_id"), d["purpose"])
            if k in share:
                by_need[need.id] += share[k] * int(d["amount_vnd"])
                needs[need.id] = need
    out = []
    for need_id, amount in sorted(by_need.items(), key=lambda kv: -kv[1]):
        n = needs[need_id]
        if int(amount) <= 0:
            continue
        out.append(
            DonorHouse(
                need_id=n.id,
                head_initials=n.head_initials,
                hamlet=n.hamlet.name if n.hamlet else "",
                commune=n.commune.name,
                status=n.status,
                status_label=n.status_label,
                need_kind_label=n.kind_label,
                amount_vnd=int(amount),
            )
        )
    return out


@dataclass
class Funder:
    public_name: str
    amount_vnd: int


def funders_of_need(session: Session, need_id: int, limit: int = 50) -> tuple[list[Funder], int]:
    """A house's funders by public name (Contribution.public_name: "Nhà hảo tâm" for anonymous gifts), with the
    pro-rata amount of each; returns (the largest `limit`, how many more there are). Never contact data."""
    need = session.get(HouseholdNeed, need_id)
    if need is None:
        return [], 0
    fund_id = session.get(Campaign, need.campaign_id).fund_id
    draws: dict[tuple, int] = defaultdict(int)
    for f in active_fundings(session, need_id):
        for d in f.draws or []:
            draws[_pool_key(fund_id, d.get("pool_unit_id"), d["purpose"])] += int(d["amount_vnd"])
    totals: dict[str, float] = defaultdict(float)
    for key, drawn in draws.items():
        _, unit_id, purpose = key
        unit_cond = (
            Contribution.pool_unit_id.is_(None) if unit_id is None else Contribution.pool_unit_id == unit_id
        )
        # One pass over the pool: what it received (pool_received) is the sum of these per-name sums, so it is
        # not queried again (at national size that second scan of the pool was a third of the time).
        by_name = session.execute(
            select(Contribution.public_name, func.sum(Contribution.amount_vnd))
            .where(
                _received_clause(),
                Contribution.fund_id == fund_id,
                unit_cond,
                Contribution.purpose == purpose,
            )
            .group_by(Contribution.public_name)
        ).all()
        received = sum(int(amount) for _, amount in by_name)
        if not received:
            continue
        for name, amount in by_name:
            totals[name] += int(amount) / received * drawn
    ranked = sorted(((n, a) for n, a in totals.items() if int(a) > 0), key=lambda kv: (-kv[1], kv[0]))
    return [Funder(n, int(a)) for n, a in ranked[:limit]], max(len(ranked) - limit, 0)


# ----------------------------------------------------------------------------------------- figures for reports
def _unit_filter(q, unit_ids: list[int] | None):  # type: ignore[no-untyped-def]
    if unit_ids is None:
        return q
    sub = select(AdminUnit.id).where(or_(AdminUnit.id.in_(unit_ids), AdminUnit.parent_id.in_(unit_ids)))
    return q.where(HouseholdNeed.commune_id.in_(sub))


def houses_by_stage(
    session: Session, unit_ids: list[int] | None = None, campaign_id: int | None = None
) -> dict[str, int]:
    """Number of housing needs (new house or repair) by status; unit_ids may name communes or provinces
    (None: everywhere). Every status is present in the result, with 0 when there are none."""
    q = select(HouseholdNeed.status, func.count()).where(HouseholdNeed.purpose == Purpose.HOUSING)
    if campaign_id is not None:
        q = q.where(HouseholdNeed.campaign_id == campaign_id)
    q = _unit_filter(q, unit_ids).group_by(HouseholdNeed.status)
    out = {s.value: 0 for s in NeedStatus}
    for status, n in session.execute(q):
        out[NeedStatus(status).value] = int(n)
    return out


def funded_totals_by_purpose(
    session: Session, unit_ids: list[int] | None = None, campaign_id: int | None = None
) -> dict[str, int]:
    """Money allocated to needs (active fundings), by purpose value; unit_ids as in houses_by_stage."""
    q = (
        select(HouseholdNeed.purpose, func.coalesce(func.sum(NeedFunding.amount_vnd), 0))
        .join(HouseholdNeed, HouseholdNeed.id == NeedFunding.need_id)
        .where(NeedFunding.status == FundingStatus.ACTIVE)
    )
    if campaign_id is not None:
        q = q.where(HouseholdNeed.campaign_id == campaign_id)
    q = _unit_filter(q, unit_ids).group_by(HouseholdNeed.purpose)
    return {Purpose(p).value: int(a) for p, a in session.execute(q)}


def disbursed_totals_by_purpose(
    session: Session, unit_ids: list[int] | None = None, campaign_id: int | None = None
) -> dict[str, int]:
    """Money paid out to households (need disbursements not reversed), by purpose value."""
    q = (
        select(HouseholdNeed.purpose, func.coalesce(func.sum(NeedDisbursement.amount_vnd), 0))
        .join(HouseholdNeed, HouseholdNeed.id == NeedDisbursement.need_id)
        .where(NeedDisbursement.reversal_transaction_id.is_(None))
    )
    if campaign_id is not None:
        q = q.where(HouseholdNeed.campaign_id == campaign_id)
    q = _unit_filter(q, unit_ids).group_by(HouseholdNeed.purpose)
    return {Purpose(p).value: int(a) for p, a in session.execute(q)}
