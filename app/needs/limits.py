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

from app.campaigns.models import Campaign
from app.needs.models import HouseholdNeed, NeedKind, PovertyStandard, SupportLimit
from app.units.models import AdminUnit

LIMITED_KINDS = (NeedKind.NEW_HOUSE, NeedKind.REPAIR)

# Demo data (app.needs.demo). The support levels are those seen across the national drive; the instrument that
# sets them is not verified (shared/domain facts-vn §3), so the legal basis says so rather than inventing one.
DEMO_PROGRAM = ("xoa-nha-tam-2024-2025", "Chương trình xóa nhà tạm, nhà dột nát 2024–2025")
DEMO_BASIS = (
    "Phong trào thi đua “Chung tay xóa nhà tạm, nhà dột nát” thực hiện Nghị quyết 42-NQ/TW ngày 24/11/2023; "
    "văn bản quy định mức hỗ trợ: cần cập nhật số, ngày"
)
DEMO_LIMITS = {NeedKind.NEW_HOUSE: 60_000_000, NeedKind.REPAIR: 30_000_000}
DEMO_STANDARDS = [
    (
        "2022-2025",
        "Chuẩn nghèo đa chiều giai đoạn 2022–2025",
        "Nghị định 07/2021/NĐ-CP ngày 27/01/2021",
        2021,
        2026,
    ),
    (
        "2026-2030",
        "Chuẩn nghèo đa chiều giai đoạn 2026–2030",
        "Nghị định 351/2025/NĐ-CP ngày 30/12/2025",
        2027,
        None,
    ),
]


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


def seed_demo(session: Session, province_id: int | None = None) -> None:
    """The demo's rules: the national 2024–2025 limits, the same levels as the province's own from 2026 (a
    province sets its own: replace with its instrument), and the two poverty standards."""
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
    if session.execute(select(PovertyStandard.id)).first() is None:
        for code, name, basis, lists_from, lists_to in DEMO_STANDARDS:
            session.add(
                PovertyStandard(
                    code=code, name=name, legal_basis=basis, lists_from=lists_from, lists_to=lists_to
                )
            )
    session.flush()
