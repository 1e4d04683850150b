"""Importing and querying administrative units, designations and hamlets."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.messages import N_
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.units.models import AdminUnit, AreaDesignation, Hamlet, LegacyUnit, UnitLevel, UnitLineage

REFORM_DATE = date(2025, 7, 1)
LEGACY_VALID_TO = date(2025, 6, 30)


class UnitImportError(ValueError):
    """A units/designations file that cannot be imported; the message names the line."""


@dataclass
class ImportSummary:
    provinces: int = 0
    communes: int = 0
    legacy_units: int = 0
    lineage_links: int = 0


def import_units(session: Session, province_codes: list[int] | None = None) -> ImportSummary:
    """Load current and legacy units and their lineage from the vietnam-provinces package.

    Idempotent: units already present (same level, code and version) are kept. `province_codes`
    limits the import (tests and small demos); None imports all 34 provinces.
    """
    import vietnam_provinces as vp
    from vietnam_provinces import Province, Ward
    from vietnam_provinces import _ward_conversion_2025 as conversion
    from vietnam_provinces.legacy.base import District as LegacyDistrict
    from vietnam_provinces.legacy.base import Province as LegacyProvince
    from vietnam_provinces.legacy.base import Ward as LegacyWard

    source = f"vietnam-provinces {vp.__version__} (data {vp.__data_version__})"
    summary = ImportSummary()
    wanted = set(province_codes) if province_codes else None

    existing = {
        (u.level, u.code): u.id
        for u in session.execute(select(AdminUnit).where(AdminUnit.valid_from == REFORM_DATE)).scalars()
    }
    for p in Province.iter_all():
        if wanted and int(p.code) not in wanted:
            continue
        if (UnitLevel.PROVINCE, int(p.code)) not in existing:
            unit = AdminUnit(
                level=UnitLevel.PROVINCE,
                code=int(p.code),
                name=p.name,
                division_type=str(p.division_type),
                codename=p.codename,
                valid_from=REFORM_DATE,
                code_source=source,
                search_key=fold(p.name),
            )
            session.add(unit)
            session.flush()
            existing[(UnitLevel.PROVINCE, int(p.code))] = unit.id
            summary.provinces += 1
    rows = []
    for w in Ward.iter_all():
        if wanted and int(w.province_code) not in wanted:
            continue
        if (UnitLevel.COMMUNE, int(w.code)) in existing:
            continue
        rows.append(
            dict(
                level=UnitLevel.COMMUNE,
                code=int(w.code),
                name=w.name,
                division_type=str(w.division_type),
                codename=w.codename,
                parent_id=existing[(UnitLevel.PROVINCE, int(w.province_code))],
                valid_from=REFORM_DATE,
                code_source=source,
                search_key=fold(w.name),
            )
        )
    if rows:
        session.execute(insert(AdminUnit), rows)
        summary.communes = len(rows)
    new_ids = {
        u.code: u.id
        for u in session.execute(
            select(AdminUnit).where(AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.valid_from == REFORM_DATE)
        ).scalars()
    }

    # Legacy units: provinces, districts, communes as they were until 30/6/2025.
    legacy = {(u.level, u.code): u.id for u in session.execute(select(LegacyUnit)).scalars()}

    def add_legacy(level: UnitLevel, code: int, name: str, dtype: str, parent: int | None) -> int:
        key = (level, code)
        if key not in legacy:
            obj = LegacyUnit(
                level=level,
                code=code,
                name=name,
                division_type=dtype,
                parent_id=parent,
                valid_to=LEGACY_VALID_TO,
            )
            session.add(obj)
            session.flush()
            legacy[key] = obj.id
            summary.legacy_units += 1
        return legacy[key]

    old_province_wanted: set[int] | None = None
    if wanted:
        from vietnam_provinces import _province_conversion_2025 as pconv

        old_province_wanted = {
            old
            for old, entry in pconv.OLD_TO_NEW.items()
            if any(n.code in wanted for n in entry.new_provinces)
        }
    for lp in LegacyProvince.iter_all():
        if old_province_wanted is not None and int(lp.code) not in old_province_wanted:
            continue
        add_legacy(UnitLevel.PROVINCE, int(lp.code), lp.name, str(lp.division_type), None)
    for ld in LegacyDistrict.iter_all():
        if (UnitLevel.PROVINCE, int(ld.province_code)) not in legacy:
            continue
        add_legacy(
            UnitLevel.DISTRICT,
            int(ld.code),
            ld.name,
            str(ld.division_type),
            legacy[(UnitLevel.PROVINCE, int(ld.province_code))],
        )
    ward_rows = []
    for lw in LegacyWard.iter_all():
        parent = legacy.get((UnitLevel.DISTRICT, int(lw.district_code)))
        if parent is None or (UnitLevel.COMMUNE, int(lw.code)) in legacy:
            continue
        ward_rows.append(
            dict(
                level=UnitLevel.COMMUNE,
                code=int(lw.code),
                name=lw.name,
                division_type=str(lw.division_type),
                parent_id=parent,
                valid_to=LEGACY_VALID_TO,
            )
        )
    if ward_rows:
        session.execute(insert(LegacyUnit), ward_rows)
        summary.legacy_units += len(ward_rows)
    legacy_communes = {
        u.code: u.id
        for u in session.execute(select(LegacyUnit).where(LegacyUnit.level == UnitLevel.COMMUNE)).scalars()
    }
    have_links: set[tuple[int, int]] = set(
        session.execute(select(UnitLineage.legacy_unit_id, UnitLineage.admin_unit_id)).all()
    )
    links = []
    for old_code, entry in conversion.OLD_TO_NEW.items():
        old_id = legacy_communes.get(int(old_code))
        if old_id is None:
            continue
        for new in entry.new_wards:
            new_id = new_ids.get(int(new.code))
            if new_id is not None and (old_id, new_id) not in have_links:
                links.append(
                    dict(
                        legacy_unit_id=old_id,
                        admin_unit_id=new_id,
                        is_partly_merged=bool(entry.old_ward.is_partly_merged),
                    )
                )
                have_links.add((old_id, new_id))
    if links:
        session.execute(insert(UnitLineage), links)
        summary.lineage_links = len(links)
    session.flush()
    return summary


DESIGNATION_COLUMNS = [
    "designation",
    "legacy_level",
    "legacy_code",
    "legacy_name",
    "legal_basis",
    "valid_from",
    "valid_to",
    "note",
]


def _parse_date(value: str, line: int, column: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            from datetime import datetime

            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise UnitImportError(
        f"Dòng {line}: cột “{column}” có ngày “{value}” không hợp lệ (dùng yyyy-mm-dd hoặc dd/mm/yyyy)."
    )


def import_designations_csv(session: Session, text: str) -> int:
    """Import designations from CSV (the columns of khanh-hoa-designations.csv); all rows or none.

    Each row names a legacy unit (level province/district/commune and its official code) or, with
    legacy_level "current", a current commune. Unknown codes and duplicate rows are refused by line.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c
        for c in ("designation", "legacy_level", "legacy_code", "legal_basis", "valid_from")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise UnitImportError(
            "Thiếu cột: " + ", ".join(missing) + ". Các cột cần có: " + ", ".join(DESIGNATION_COLUMNS)
        )
    errors: list[str] = []
    seen: dict[tuple, int] = {}
    to_add: list[AreaDesignation] = []
    for line, row in enumerate(reader, start=2):
        kind = (row.get("designation") or "").strip()
        level = (row.get("legacy_level") or "").strip().lower()
        code_text = (row.get("legacy_code") or "").strip()
        if not kind:
            errors.append(f"Dòng {line}: thiếu loại địa bàn (designation).")
            continue
        if not code_text.isdecimal():
            errors.append(f"Dòng {line}: mã đơn vị “{code_text}” không phải số.")
            continue
        try:
            valid_from = _parse_date(row.get("valid_from", ""), line, "valid_from")
            valid_to = _parse_date(row.get("valid_to", ""), line, "valid_to")
        except UnitImportError as exc:
            errors.append(str(exc))
            continue
        if valid_from is None:
            errors.append(f"Dòng {line}: thiếu ngày hiệu lực (valid_from).")
            continue
        if valid_to is not None and valid_to < valid_from:
            errors.append(f"Dòng {line}: ngày hết hiệu lực trước ngày hiệu lực.")
            continue
        legacy_id = admin_id = None
        if level == "current":
            admin_id = session.execute(
                select(AdminUnit.id).where(
                    AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.code == int(code_text)
                )
            ).scalar_one_or_none()
            if admin_id is None:
                errors.append(f"Dòng {line}: không có xã/phường hiện hành mã {code_text}.")
                continue
        elif level in ("province", "district", "commune"):
            legacy_id = session.execute(
                select(LegacyUnit.id).where(
                    LegacyUnit.level == UnitLevel(level), LegacyUnit.code == int(code_text)
                )
            ).scalar_one_or_none()
            if legacy_id is None:
                errors.append(
                    f"Dòng {line}: không có đơn vị cũ cấp “{level}” mã {code_text} (đã nhập đơn vị hành chính chưa?)."
                )
                continue
        else:
            errors.append(
                f"Dòng {line}: cấp “{level}” không hợp lệ (province, district, commune hoặc current)."
            )
            continue
        key = (kind, legacy_id, admin_id, valid_from)
        if key in seen:
            errors.append(f"Dòng {line}: trùng với dòng {seen[key]}.")
            continue
        seen[key] = line
        exists = session.execute(
            select(AreaDesignation.id).where(
                AreaDesignation.kind == kind,
                AreaDesignation.legacy_unit_id.is_(None)
                if legacy_id is None
                else AreaDesignation.legacy_unit_id == legacy_id,
                AreaDesignation.admin_unit_id.is_(None)
                if admin_id is None
                else AreaDesignation.admin_unit_id == admin_id,
                AreaDesignation.valid_from == valid_from,
            )
        ).first()
        if exists:
            errors.append(f"Dòng {line}: địa bàn này đã có trong hệ thống.")
            continue
        to_add.append(
            AreaDesignation(
                kind=kind,
                legacy_unit_id=legacy_id,
                admin_unit_id=admin_id,
                legal_basis=nfc(row.get("legal_basis") or "") or "",
                valid_from=valid_from,
                valid_to=valid_to,
                note=nfc(row.get("note") or "") or "",
            )
        )
    if errors:
        raise UnitImportError("Không nhập gì vì có lỗi:\n" + "\n".join(errors))
    if not to_add:
        raise UnitImportError("Tệp không có dòng dữ liệu nào.")
    session.add_all(to_add)
    session.flush()
    return len(to_add)


def designations_for_commune(
    session: Session, commune_id: int, on: date | None = None
) -> list[AreaDesignation]:
    """Designations that apply to a current commune, directly or through any legacy unit it descends from."""
    legacy_ids = set(
        session.execute(
            select(UnitLineage.legacy_unit_id).where(UnitLineage.admin_unit_id == commune_id)
        ).scalars()
    )
    # Include the legacy districts and provinces above those communes.
    frontier = set(legacy_ids)
    while frontier:
        parents = set(
            session.execute(
                select(LegacyUnit.parent_id).where(
                    LegacyUnit.id.in_(frontier), LegacyUnit.parent_id.is_not(None)
                )
            ).scalars()
        )
        frontier = parents - legacy_ids
        legacy_ids |= parents
    rows = (
        session.execute(
            select(AreaDesignation).where(
                (AreaDesignation.admin_unit_id == commune_id)
                | (AreaDesignation.legacy_unit_id.in_(legacy_ids))
            )
        )
        .scalars()
        .all()
    )
    return [d for d in rows if on is None or d.valid_on(on)]


def former_districts(session: Session, commune_id: int) -> list[LegacyUnit]:
    """The pre-2025 districts a current commune was formed from."""
    parent_ids = (
        select(LegacyUnit.parent_id)
        .join(UnitLineage, UnitLineage.legacy_unit_id == LegacyUnit.id)
        .where(UnitLineage.admin_unit_id == commune_id)
    )
    return units_sorted(session.execute(select(LegacyUnit).where(LegacyUnit.id.in_(parent_ids))).scalars())


def communes_of(session: Session, province_id: int) -> list[AdminUnit]:
    return units_sorted(
        session.execute(select(AdminUnit).where(AdminUnit.parent_id == province_id)).scalars()
    )


def provinces(session: Session) -> list[AdminUnit]:
    return units_sorted(
        session.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE)).scalars()
    )


def add_hamlet(session: Session, commune_id: int, name: str, kind: str = "thôn") -> Hamlet:
    clean = nfc(name) or ""
    if not clean:
        raise ValueError("Tên thôn/tổ dân phố: chưa nhập.")
    hamlet = Hamlet(commune_id=commune_id, name=clean, kind=nfc(kind) or "thôn", search_key=fold(clean))
    session.add(hamlet)
    session.flush()
    return hamlet


class HamletError(DomainError):
    """A hamlet that cannot be added; the message is Vietnamese."""


def create_hamlet(session: Session, actor: Actor, commune_id: int, name: str, kind: str = "thôn") -> Hamlet:
    """A staff member adds a hamlet to a commune (audited). One already there (same name) is refused."""
    from app.audit.services import record

    clean = nfc(name) or ""
    taken = session.execute(
        select(Hamlet.id).where(Hamlet.commune_id == commune_id, Hamlet.name == clean)
    ).first()
    if taken:
        raise HamletError(N_("Thôn/tổ dân phố này đã có trong danh sách."), field="name")
    try:
        hamlet = add_hamlet(session, commune_id, clean, kind)
    except ValueError as exc:
        raise HamletError(*exc.args, field="name") from exc
    record(
        session,
        actor,
        "hamlet.create",
        "hamlet",
        hamlet.id,
        new={"name": hamlet.name, "kind": hamlet.kind},
        unit_id=commune_id,
    )
    return hamlet


def find_hamlet(session: Session, commune_id: int, name: str) -> Hamlet | None:
    """Match a hamlet by name ignoring case and diacritics ("thon 1" finds "Thôn 1")."""
    return session.execute(
        select(Hamlet).where(Hamlet.commune_id == commune_id, Hamlet.search_key == fold(name), Hamlet.active)
    ).scalar_one_or_none()


def clear_designations(session: Session) -> None:
    session.execute(delete(AreaDesignation))
