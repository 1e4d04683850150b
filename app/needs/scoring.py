"""Priority: the campaign's rules applied to needs (scores, late needs, area designations) and explained."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.messages import N_
from app.needs.models import (
    MATCHABLE_STATUSES,
    HouseholdNeed,
    NeedStatus,
    PovertyStatus,
    PriorityRule,
)
from app.needs.priority import CRITERIA, DESIGNATION_CRITERIA, compile_rules, rules_for_campaign, score_need
from app.needs.registry import NeedError
from app.units.models import AreaDesignation, LegacyUnit, UnitLineage
from app.units.services import designations_for_commune

DEFAULT_LATE_DAYS = 90


LATE_DAYS_SETTING = "needs_late_days"


def scoring_date(campaign: Campaign) -> date:
    """The day whose area designations and poverty standards score a campaign's needs: the campaign's first day
    (issue 18.5). The same date the matching engine uses for support limits, so a designation that ends mid-way
    or a standard that changes on 1 January does not reorder a campaign's ranking from one day to the next, and
    a ranking rerun later gives the same order. Lateness (`is_late`) still counts from today: it is about now."""
    return campaign.starts_on


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
            raise NeedError(N_("Tiêu chí không tồn tại: %(code)s.", code=code))
        if not 0 <= weight <= 1000:
            raise NeedError(N_("Điểm “%(criterion)s”: phải từ 0 đến 1000.", criterion=CRITERIA[code][1]))
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
            raise NeedError(N_("Số ngày coi là chậm tiến độ: phải từ 7 đến 730."))
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


def _days(n: int) -> timedelta:
    from datetime import timedelta

    return timedelta(days=n)


def late_clause(late_days: int, today: date | None = None) -> ColumnElement[bool]:
    cutoff = (today or today_vn()) - _days(late_days)
    return (HouseholdNeed.status == NeedStatus.STARTED) & (HouseholdNeed.started_on < cutoff)


SMALL_AREA = 1000
"""Up to this many units, the designation index reads only theirs (a registry page, one need's score); more (a whole
registry, the matching engine): every designation in force, once."""


def _designation_index(
    session: Session,
    day: date,
    admin_ids: Iterable[int] | None = None,
    legacy_ids: Iterable[int] | None = None,
) -> tuple[dict[int, set[str]], dict[int, set[str]], dict[int, int | None]]:
    """Designations in force on `day`: by current unit, by legacy unit, and the legacy units' parents. Given the
    current and legacy units a caller scores (at most SMALL_AREA), only the designations on them and on the legacy
    units above them (old district, old province) are read, and only those legacy units' parents: a need's page
    does not load the whole country's designations and pre-2025 units."""
    q = select(AreaDesignation.kind, AreaDesignation.admin_unit_id, AreaDesignation.legacy_unit_id).where(
        AreaDesignation.valid_from <= day,
        or_(AreaDesignation.valid_to.is_(None), AreaDesignation.valid_to >= day),
    )
    parent: dict[int, int | None] = {}
    admin = None if admin_ids is None else set(admin_ids)
    legacy = None if legacy_ids is None else set(legacy_ids)
    small = admin is not None and legacy is not None and len(admin) + len(legacy) <= SMALL_AREA
    if small:
        frontier = set(legacy or ())
        while frontier:  # the legacy units, then their old districts and provinces
            rows = session.execute(
                select(LegacyUnit.id, LegacyUnit.parent_id).where(LegacyUnit.id.in_(frontier))
            ).all()
            parent.update((uid, up) for uid, up in rows)
            frontier = {up for _, up in rows if up is not None and up not in parent}
        q = q.where(
            or_(
                AreaDesignation.admin_unit_id.in_(admin or ()),
                AreaDesignation.legacy_unit_id.in_(list(parent)),
            )
        )
    by_admin: dict[int, set[str]] = defaultdict(set)
    by_legacy: dict[int, set[str]] = defaultdict(set)
    for kind, admin_unit_id, legacy_unit_id in session.execute(q):
        if admin_unit_id is not None:
            by_admin[admin_unit_id].add(kind)
        if legacy_unit_id is not None:
            by_legacy[legacy_unit_id].add(kind)
    if by_legacy and not small:
        parent = dict(session.execute(select(LegacyUnit.id, LegacyUnit.parent_id)).all())
    return by_admin, by_legacy, parent


def _legacy_kinds(
    legacy_id: int | None, by_legacy: dict[int, set[str]], parent: dict[int, int | None]
) -> set[str]:
    """Designations of a legacy unit and the legacy district/province above it."""
    kinds: set[str] = set()
    seen = 0
    while legacy_id is not None and seen < 5:
        kinds |= by_legacy.get(legacy_id, set())
        legacy_id, seen = parent.get(legacy_id), seen + 1
    return kinds


def _lineage(session: Session, ids: list[int]) -> dict[int, set[int]]:
    lineage: dict[int, set[int]] = defaultdict(set)
    for i in range(0, len(ids), 5000):
        for legacy_id, admin_id in session.execute(
            select(UnitLineage.legacy_unit_id, UnitLineage.admin_unit_id).where(
                UnitLineage.admin_unit_id.in_(ids[i : i + 5000])
            )
        ):
            lineage[admin_id].add(legacy_id)
    return lineage


def designations_by_commune(
    session: Session, commune_ids: Iterable[int], on: date | None = None
) -> dict[int, list[str]]:
    """Designation kinds in force for many communes at once (what designations_for_commune gives one by one,
    in three queries instead of several per commune): for scoring a whole registry."""

    ids = list(set(commune_ids))
    out: dict[int, list[str]] = {cid: [] for cid in ids}
    if not ids:
        return out
    lineage = _lineage(session, ids)
    by_admin, by_legacy, parent = _designation_index(
        session, on or today_vn(), ids, {legacy for olds in lineage.values() for legacy in olds}
    )
    if not (by_admin or by_legacy):
        return out
    for cid in ids:
        kinds = set(by_admin.get(cid, ()))
        for legacy_id in lineage.get(cid, ()):
            kinds |= _legacy_kinds(legacy_id, by_legacy, parent)
        out[cid] = sorted(kinds)
    return out


AreaKey = tuple[int, int | None]


def designations_by_area(
    session: Session, keys: Iterable[AreaKey], on: date | None = None
) -> dict[AreaKey, list[str]]:
    """Designation kinds for (current commune, pre-2025 commune) pairs: when the need stores the legacy commune
    where the household was assessed, only that commune's designations (and its old district's and province's)
    count, with those on the current commune itself; a designation on another old commune merged into the same
    new one no longer spills over. Without a legacy commune: every old unit the commune descends from (as
    designations_by_commune)."""
    keys = set(keys)
    whole = designations_by_commune(session, {c for c, legacy in keys if legacy is None}, on=on)
    out: dict[AreaKey, list[str]] = {(c, None): whole[c] for c, legacy in keys if legacy is None}
    assessed = [(c, legacy) for c, legacy in keys if legacy is not None]
    if assessed:
        by_admin, by_legacy, parent = _designation_index(
            session, on or today_vn(), {c for c, _ in assessed}, {legacy for _, legacy in assessed}
        )
        for c, legacy in assessed:
            out[(c, legacy)] = sorted(set(by_admin.get(c, ())) | _legacy_kinds(legacy, by_legacy, parent))
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
    if on is None:
        campaign = session.get(Campaign, campaign_id)
        on = scoring_date(campaign) if campaign is not None else today_vn()
    q = select(
        HouseholdNeed.id,
        HouseholdNeed.commune_id,
        HouseholdNeed.legacy_commune_id,
        household_score_expr(rules),
    ).where(HouseholdNeed.campaign_id == campaign_id)
    if statuses is not None:
        q = q.where(HouseholdNeed.status.in_(list(statuses)))
    rows = session.execute(q).all()
    kinds = designations_by_area(session, {(r[1], r[2]) for r in rows}, on=on)
    area = {key: area_score(k, rules) for key, k in kinds.items()}
    return [(nid, cid, int(hs) + area[(cid, legacy)]) for nid, cid, legacy, hs in rows]


def explain_need(
    session: Session, need: HouseholdNeed, on: date | None = None
) -> tuple[int, list[tuple[str, str, int]]]:
    """The need's score under its campaign's rules, with the area designations in force on the campaign's date
    (scoring_date; through the pre-2025 commune where the household was assessed, when the need stores it)."""
    if on is None:
        campaign = session.get(Campaign, need.campaign_id)
        on = scoring_date(campaign) if campaign is not None else today_vn()
    if need.legacy_commune_id is None:
        designations: list = designations_for_commune(session, need.commune_id, on=on or today_vn())
    else:
        key = (need.commune_id, need.legacy_commune_id)
        designations = designations_by_area(session, [key], on=on)[key]
    return score_need(need, designations, rules_for_campaign(session, need.campaign_id))
