"""Outcomes, not only outputs (issue 18.10): each year's poverty review result for the households the fund helped,
the units' own targets as data, and the report's count of households helped that left the poor list.

A household "helped" is a household need with money paid out to it (a disbursement not reversed) on or before the
end of the year. A household that was on the poor list when its need was entered (poverty status "poor") has left the
poor list when that year's review finds it near-poor or out of poverty.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import User
from app.audit.services import record
from app.core.actor import Actor
from app.core.messages import N_
from app.core.transaction import DomainError
from app.reports.models import REVIEW_RESULT_LABELS, PovertyReview, PovertyTarget, ReviewResult
from app.units.models import AdminUnit, UnitLevel


class OutcomeError(DomainError):
    """A refused review or target; the message is Vietnamese."""


def helped_ids(session: Session, year: int, ids: list[int | None] | None = None) -> set[int]:
    """Household needs with money paid out to them (not reversed) up to the end of `year`, within an area."""
    from app.needs.models import HouseholdNeed, NeedDisbursement

    q = (
        select(NeedDisbursement.need_id)
        .join(HouseholdNeed, HouseholdNeed.id == NeedDisbursement.need_id)
        .where(
            NeedDisbursement.occurred_on <= date(year, 12, 31),
            NeedDisbursement.reversal_transaction_id.is_(None),
        )
        .group_by(NeedDisbursement.need_id)
        .having(func.sum(NeedDisbursement.amount_vnd) > 0)
    )
    if ids is not None:
        q = q.where(HouseholdNeed.commune_id.in_([i for i in ids if i is not None]))
    return set(session.execute(q).scalars())


def record_review(
    session: Session, actor: Actor, user: User, *, need_id: int, year: int, result: ReviewResult
) -> PovertyReview:
    """Record (or correct) a helped household's review result for a year; staff of the household's area only."""
    from app.needs.models import HouseholdNeed

    need = session.get(HouseholdNeed, need_id)
    if need is None or not can_access_unit(user, session.get(AdminUnit, need.commune_id)):
        raise OutcomeError(N_("Không tìm thấy hộ trong địa bàn của bạn."))
    if not 2000 <= year <= 2100:
        raise OutcomeError(N_("Năm rà soát: không hợp lệ."), field="year")
    if need_id not in helped_ids(session, year, [need.commune_id]):
        raise OutcomeError(
            N_("Hộ này chưa được Quỹ hỗ trợ (chưa giải ngân) đến hết năm %(year)s.", year=year)
        )
    row = session.execute(
        select(PovertyReview).where(PovertyReview.need_id == need_id, PovertyReview.year == year)
    ).scalar_one_or_none()
    old = row.result.value if row is not None else None
    if row is None:
        row = PovertyReview(need_id=need_id, commune_id=need.commune_id, year=year, result=result)
        session.add(row)
    row.result, row.recorded_by_id = result, actor.user_id
    session.flush()
    record(
        session,
        actor,
        "poverty_review.record",
        "household_need",
        need_id,
        old={"year": year, "result": old} if old else None,
        new={"year": year, "result": result.value},
        unit_id=need.commune_id,
    )
    return row


def set_target(
    session: Session,
    actor: Actor,
    user: User,
    *,
    unit: AdminUnit,
    year: int,
    exits_target: int,
    legal_basis: str,
) -> PovertyTarget:
    """A province's (or commune's) own target for a year: households helped that should leave the poor list."""
    if not can_access_unit(user, unit):
        raise OutcomeError(N_("Đơn vị ngoài địa bàn của bạn."), field="unit_id")
    if exits_target < 0:
        raise OutcomeError(N_("Chỉ tiêu: không được âm."), field="exits_target")
    row = session.execute(
        select(PovertyTarget).where(PovertyTarget.unit_id == unit.id, PovertyTarget.year == year)
    ).scalar_one_or_none()
    old = {"exits_target": row.exits_target, "legal_basis": row.legal_basis} if row is not None else None
    if row is None:
        row = PovertyTarget(
            unit_id=unit.id, year=year, exits_target=exits_target, created_by_id=actor.user_id
        )
        session.add(row)
    row.exits_target, row.legal_basis = exits_target, legal_basis.strip()
    session.flush()
    record(
        session,
        actor,
        "poverty_target.set",
        "poverty_target",
        row.id,
        old=old,
        new={"year": year, "exits_target": exits_target, "legal_basis": row.legal_basis},
        unit_id=unit.id,
    )
    return row


def figures(session: Session, scope: AdminUnit | None, ids: list[int | None] | None, year: int) -> dict:
    """Per area (communes of a province, provinces of the country): households helped up to the end of the year,
    reviewed that year, and the results; against the scope's own target for the year."""
    from app.needs.models import HouseholdNeed, PovertyStatus
    from app.reports.figures import _name, _unit_names, area_of

    helped = helped_ids(session, year, ids)
    units = _unit_names(session)
    rows: dict[int | None, dict] = {}
    needs = (
        session.execute(
            select(HouseholdNeed.id, HouseholdNeed.commune_id, HouseholdNeed.poverty_status).where(
                HouseholdNeed.id.in_(helped)
            )
        ).all()
        if helped
        else []
    )
    results = (
        dict(
            session.execute(
                select(PovertyReview.need_id, PovertyReview.result).where(
                    PovertyReview.year == year, PovertyReview.need_id.in_(helped)
                )
            ).all()
        )
        if helped
        else {}
    )
    for need_id, commune_id, status in needs:
        area = area_of(commune_id, scope, units)
        r = rows.setdefault(
            area,
            {
                "unit_id": area,
                "name": _name(area, units),
                "helped": 0,
                "reviewed": 0,
                "out_of_poverty": 0,
                "near_poor": 0,
                "still_poor": 0,
                "left_poor_list": 0,
            },
        )
        r["helped"] += 1
        result = results.get(need_id)
        if result is None:
            continue
        r["reviewed"] += 1
        r[ReviewResult(result).value] += 1
        if status == PovertyStatus.POOR and result in (ReviewResult.NEAR_POOR, ReviewResult.OUT_OF_POVERTY):
            r["left_poor_list"] += 1
    from app.core.collation import unit_key

    by_area = sorted(rows.values(), key=lambda r: unit_key(r["name"]))
    total = {
        k: sum(r[k] for r in by_area)
        for k in ("helped", "reviewed", "out_of_poverty", "near_poor", "still_poor", "left_poor_list")
    }
    tq = select(
        func.sum(PovertyTarget.exits_target), func.count(), func.max(PovertyTarget.legal_basis)
    ).where(PovertyTarget.year == year)
    if scope is not None:
        tq = tq.where(PovertyTarget.unit_id == scope.id)
    else:
        tq = tq.where(
            PovertyTarget.unit_id.in_(select(AdminUnit.id).where(AdminUnit.level == UnitLevel.PROVINCE))
        )
    target_sum, target_count, basis = session.execute(tq).one()
    target = int(target_sum) if target_count else None
    return {
        "year": year,
        "labels": {k.value: v for k, v in REVIEW_RESULT_LABELS.items()},
        "by_area": by_area,
        "total": total,
        "target": target,
        "target_basis": basis or "",
        "percent": round(100 * total["left_poor_list"] / target) if target else None,
    }
