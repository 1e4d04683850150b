"""Units as the public pages name them: one cached map of every unit, provinces and their communes."""

from __future__ import annotations

import time as time_module
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.collation import unit_key
from app.units.models import AdminUnit, UnitLevel


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: int
    name: str
    level: str
    parent_id: int | None


_UNIT_CACHE: dict[str, tuple[float, dict[int, UnitInfo]]] = {}


UNIT_CACHE_SECONDS = (
    300  # units change a few times a year (by import); a page may show a rename 5 minutes late
)


def all_units(session: Session) -> dict[int, UnitInfo]:
    """Every unit, cached in the process for a few minutes (the statement shows area names on every row)."""
    key = str(session.get_bind().url)
    hit = _UNIT_CACHE.get(key)
    now = time_module.monotonic()
    if hit is None or now - hit[0] > UNIT_CACHE_SECONDS:
        q = select(AdminUnit.id, AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_id)
        hit = (
            now,
            {r.id: UnitInfo(r.id, r.code, r.name, str(r.level), r.parent_id) for r in session.execute(q)},
        )
        _UNIT_CACHE[key] = hit
    return hit[1]


def unit_map(session: Session, ids: set[int] | None = None) -> dict[int, UnitInfo]:
    units = all_units(session)
    if ids is None:
        return units
    missing = [i for i in ids if i not in units]
    if missing:  # a unit added since the cache was filled
        _UNIT_CACHE.clear()
        units = all_units(session)
    return {i: units[i] for i in ids if i in units}


def provinces(session: Session) -> list[UnitInfo]:
    return sorted(
        (u for u in all_units(session).values() if u.level == UnitLevel.PROVINCE.value),
        key=lambda u: unit_key(u.name),
    )


def communes_of(session: Session, province_id: int) -> list[UnitInfo]:
    return sorted(
        (u for u in all_units(session).values() if u.parent_id == province_id), key=lambda u: unit_key(u.name)
    )


def scope_unit_ids(session: Session, unit: AdminUnit | None) -> list[int | None] | None:
    """The unit ids whose books make up an area: a province with its communes, a commune alone, None = all."""
    if unit is None:
        return None
    if unit.level == UnitLevel.PROVINCE:
        return [
            unit.id,
            *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)).scalars(),
        ]
    return [unit.id]
