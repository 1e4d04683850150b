"""Program rules: support limits per program, purpose (build / repair) and province, and the poverty standards.

Both are data (support_limits, poverty_standards), never code: a province's own limit in force on the campaign's
start date takes precedence over the national one; a need asking more carries a reason its approver sees, and the
matching engine never allocates above the limit unless that reason was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.core.i18n import format_date_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.transaction import DomainError
from app.needs.models import HouseholdNeed, NeedKind, PovertyStandard, SupportLimit
from app.units.models import AdminUnit, UnitLevel

LIMITED_KINDS = (NeedKind.NEW_HOUSE, NeedKind.REPAIR)

# Demo data (app.needs.demo). The support levels are those seen across the national drive; the instrument that
# sets them is not verified (shared/domain facts-vn §3), so the legal basis says so rather than inventing one.
DEMO_PROGRAM = ("xoa-nha-tam-2024-2025", "Chương trình xóa nhà tạm, nhà dột nát 2024–2025")
DEMO_BASIS = (
    "Phong trào thi đua “Chung tay xóa nhà tạm, nhà dột nát” thực hiện Nghị quyết 42-NQ/TW ngày 24/11/2023; "
    "văn bản quy định mức hỗ trợ: cần cập nhật số, ngày"
)
DEMO_LIMITS = {NeedKind.NEW_HOUSE: 60_000_000, NeedKind.REPAIR: 30_000_000}
# The poverty standards are national reference data, inserted by migration 0017_reference.


@dataclass(frozen=True)
class Limit:
    max_vnd: int
    program_name: str
    legal_basis: str
    province_id: int | None


def province_of(session: Session, commune_id: int) -> int | None:
    unit = session.get(AdminUnit, commune_id)
    return unit.parent_id if unit is not None else None


def limit_for(
    session: Session, kind: NeedKind, province_id: int | None, on: date, *, cache: dict | None = None
) -> Limit | None:
    """The limit in force on `on` for this kind of need in the province (its own first, else the national one)."""
    if kind not in LIMITED_KINDS:
        return None
    key = (kind, province_id, on)
    if cache is not None and key in cache:
        return cache[key]
    rows = list(
        session.execute(
            select(SupportLimit).where(
                SupportLimit.need_kind == kind,
                or_(SupportLimit.province_id.is_(None), SupportLimit.province_id == province_id),
                SupportLimit.valid_from <= on,
                or_(SupportLimit.valid_to.is_(None), SupportLimit.valid_to >= on),
            )
        ).scalars()
    )
    # the province's own rule first, then the most recent one
    rows.sort(key=lambda r: (r.province_id is None, -r.valid_from.toordinal(), r.max_vnd))
    found = (
        Limit(rows[0].max_vnd, rows[0].program_name, rows[0].legal_basis, rows[0].province_id)
        if rows
        else None
    )
    if cache is not None:
        cache[key] = found
    return found


def limit_for_need(
    session: Session, campaign: Campaign, commune_id: int, kind: NeedKind, *, cache: dict | None = None
) -> Limit | None:
    return limit_for(session, kind, province_of(session, commune_id), campaign.starts_on, cache=cache)


def cap(need: HouseholdNeed, limit: Limit | None) -> int:
    """The most the fund may give this need: its request, held to the limit unless an override reason was given."""
    if limit is None or need.limit_override_reason:
        return need.requested_vnd
    return min(need.requested_vnd, limit.max_vnd)


def standard_for_year(session: Session, year: int) -> PovertyStandard | None:
    """The standard a list of that year was made under."""
    return session.execute(
        select(PovertyStandard)
        .where(
            PovertyStandard.lists_from <= year,
            or_(PovertyStandard.lists_to.is_(None), PovertyStandard.lists_to >= year),
        )
        .order_by(PovertyStandard.lists_from.desc())
    ).scalar()


class LimitError(DomainError):
    """A refused change to the support limits; the message (app.core.messages.N_) is Vietnamese and names the
    field."""


def may_set_limits(user: User, province_id: int | None) -> bool:
    """Central administrators set national limits and any province's; province staff and approvers set their own
    province's (a province decides its own levels, issue 18.5). Nobody else."""
    if user.role == Role.CENTRAL_ADMIN:
        return True
    return (
        province_id is not None
        and user.role in (Role.PROVINCE_STAFF, Role.APPROVER)
        and user.unit is not None
        and user.unit.level == UnitLevel.PROVINCE
        and user.unit_id == province_id
    )


def visible_limits(session: Session, user: User) -> list[SupportLimit]:
    """National limits and, for province staff, their province's own; every province's for central staff."""
    q = select(SupportLimit)
    if user.role != Role.CENTRAL_ADMIN:
        province = user.unit if user.unit is not None and user.unit.level == UnitLevel.PROVINCE else None
        if province is None and user.unit is not None:
            province = user.unit.parent
        q = q.where(
            or_(
                SupportLimit.province_id.is_(None),
                SupportLimit.province_id == (province.id if province else -1),
            )
        )
    rows = list(session.execute(q).scalars())
    rows.sort(key=lambda r: (r.province_id is not None, r.need_kind.value, r.valid_from), reverse=False)
    return rows


def add_limit(
    session: Session,
    actor: Actor,
    user: User,
    *,
    program_code: str,
    program_name: str,
    kind: NeedKind,
    province_id: int | None,
    max_vnd: int,
    legal_basis: str,
    valid_from: date,
    valid_to: date | None,
) -> SupportLimit:
    """A new support limit. A limit in force is never edited (needs were entered and matched under it): to change
    a level, end the old one (end_limit) and add the new one from the next day; two limits of the same program,
    purpose and province may not overlap in time."""
    if kind not in LIMITED_KINDS:
        raise LimitError(N_("Mục đích: chỉ đặt mức hỗ trợ cho xây mới hoặc sửa chữa nhà."))
    if not may_set_limits(user, province_id):
        raise LimitError(
            N_("Phạm vi: bạn chỉ đặt được mức hỗ trợ của tỉnh mình (mức toàn quốc do Trung ương đặt).")
        )
    if max_vnd <= 0:
        raise LimitError(N_("Mức hỗ trợ tối đa: phải lớn hơn 0 ₫."), field="max_vnd")
    if not legal_basis.strip():
        raise LimitError(N_("Căn cứ pháp lý: ghi số, ngày văn bản quy định mức hỗ trợ."), field="legal_basis")
    if valid_to is not None and valid_to < valid_from:
        raise LimitError(N_("Hiệu lực đến: phải từ ngày bắt đầu hiệu lực trở đi."), field="valid_to")
    for other in session.execute(
        select(SupportLimit)
        .where(
            SupportLimit.program_code == program_code,
            SupportLimit.need_kind == kind,
            SupportLimit.province_id.is_(None)
            if province_id is None
            else SupportLimit.province_id == province_id,
        )
        .with_for_update()
    ).scalars():
        if other.valid_from <= (valid_to or date.max) and valid_from <= (other.valid_to or date.max):
            raise LimitError(
                N_(
                    "Hiệu lực từ: trùng thời gian với mức %(amount)s đang có từ %(start)s; hãy kết thúc mức cũ trước.",
                    amount=format_vnd(other.max_vnd),
                    start=format_date_vn(other.valid_from),
                ),
                field="valid_from",
            )
    limit = SupportLimit(
        program_code=program_code,
        program_name=program_name,
        need_kind=kind,
        province_id=province_id,
        max_vnd=max_vnd,
        legal_basis=legal_basis.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(limit)
    session.flush()
    record(
        session,
        actor,
        "needs.limit_add",
        "support_limit",
        limit.id,
        new={
            "program_name": program_name,
            "need_kind": kind.value,
            "max_vnd": max_vnd,
            "legal_basis": limit.legal_basis,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
        unit_id=province_id,
    )
    return limit


def end_limit(session: Session, actor: Actor, user: User, limit_id: int, last_day: date) -> SupportLimit:
    """Ends a limit on `last_day` (its replacement starts the day after)."""
    limit = session.get(SupportLimit, limit_id, with_for_update=True)
    if limit is None or not may_set_limits(user, limit.province_id):
        raise LimitError(N_("Không tìm thấy mức hỗ trợ này trong phạm vi của bạn."))
    if last_day < limit.valid_from:
        raise LimitError(N_("Ngày kết thúc: phải từ ngày bắt đầu hiệu lực trở đi."))
    if limit.valid_to is not None and limit.valid_to <= last_day:
        raise LimitError(N_("Ngày kết thúc: mức này đã hết hiệu lực trước ngày đó."))
    old = limit.valid_to
    limit.valid_to = last_day
    record(
        session,
        actor,
        "needs.limit_end",
        "support_limit",
        limit.id,
        old={"valid_to": old.isoformat() if old else None},
        new={"valid_to": last_day.isoformat()},
        unit_id=limit.province_id,
    )
    return limit


def poverty_standards(session: Session) -> list[PovertyStandard]:
    return list(session.execute(select(PovertyStandard).order_by(PovertyStandard.lists_from)).scalars())


def seed_demo(session: Session, province_id: int | None = None) -> None:
    """The demo's rules: the national 2024–2025 limits and the same levels as the province's own from 2026 (a
    province sets its own on /can-bo/muc-ho-tro: replace with its instrument)."""
    if session.execute(select(SupportLimit.id)).first() is None:
        for kind, amount in DEMO_LIMITS.items():
            session.add(
                SupportLimit(
                    program_code=DEMO_PROGRAM[0],
                    program_name=DEMO_PROGRAM[1],
                    need_kind=kind,
                    province_id=None,
                    max_vnd=amount,
                    legal_basis=DEMO_BASIS,
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2025, 12, 31),
                )
            )
            if province_id is not None:
                session.add(
                    SupportLimit(
                        program_code="nha-dai-doan-ket",
                        program_name="Hỗ trợ nhà Đại đoàn kết của tỉnh",
                        need_kind=kind,
                        province_id=province_id,
                        max_vnd=amount,
                        legal_basis="Mức hỗ trợ của tỉnh (dữ liệu mẫu): cần cập nhật số, ngày văn bản của tỉnh",
                        valid_from=date(2026, 1, 1),
                        valid_to=None,
                    )
                )
    session.flush()
