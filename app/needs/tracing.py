"""Where the money went: the houses a donor helped and the funders of a house."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.campaigns.models import Campaign
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.money import apportion
from app.ledger.models import Purpose
from app.needs.funding import active_fundings
from app.needs.models import (
    FundingStatus,
    HouseholdNeed,
    NeedFunding,
    NeedStatus,
)
from app.units.models import AdminUnit


def _pool_key(fund_id: int, pool_unit_id: int | None, purpose: str) -> tuple[int, int | None, str]:
    return (fund_id, pool_unit_id, Purpose(purpose).value)


def _received_clause() -> ColumnElement[bool]:
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
    share of what the pool received × what the pool paid into the houses' active fundings, in whole đồng that add
    up (the donor's part of the pool's payments, then that part over the houses). Money passed
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
    pools = {k for k in given if received.get(k)}
    pool_units = {k[1] for k in pools}
    q = (
        select(NeedFunding, HouseholdNeed, Campaign.fund_id)
        .join(HouseholdNeed, HouseholdNeed.id == NeedFunding.need_id)
        .join(Campaign, Campaign.id == HouseholdNeed.campaign_id)
        .where(NeedFunding.status == FundingStatus.ACTIVE)
        .order_by(NeedFunding.id)
    )
    if None not in pool_units:
        ids = [u for u in pool_units if u is not None]
        q = q.join(AdminUnit, AdminUnit.id == HouseholdNeed.commune_id).where(
            or_(HouseholdNeed.commune_id.in_(ids), AdminUnit.parent_id.in_(ids))
        )
    # What each pool paid into each house, then in whole đồng (app.core.money.apportion, parts adding up exactly):
    # the donor's part of all a pool paid out, split over the houses in proportion to what each received from it.
    paid: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    needs: dict[int, HouseholdNeed] = {}
    for funding, need, fund_id in session.execute(q):
        for d in funding.draws or []:
            k = _pool_key(fund_id, d.get("pool_unit_id"), d["purpose"])
            if k in pools:
                paid[k][need.id] += int(d["amount_vnd"])
                needs[need.id] = need
    by_need: dict[int, int] = defaultdict(int)
    for k, houses in paid.items():
        donor_part = apportion(sum(houses.values()), [given[k], received[k] - given[k]])[0]
        ids = sorted(houses)
        for need_id, part in zip(ids, apportion(donor_part, [houses[i] for i in ids]), strict=True):
            by_need[need_id] += part
    out = []
    for need_id, amount in sorted(by_need.items(), key=lambda kv: (-kv[1], kv[0])):
        n = needs[need_id]
        if amount <= 0:
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
                amount_vnd=amount,
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
    fund_id = session.get_one(Campaign, need.campaign_id).fund_id
    draws: dict[tuple, int] = defaultdict(int)
    for f in active_fundings(session, need_id):
        for d in f.draws or []:
            draws[_pool_key(fund_id, d.get("pool_unit_id"), d["purpose"])] += int(d["amount_vnd"])
    totals: dict[str, int] = defaultdict(int)
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
        # The house's draw split over the names in whole đồng (largest remainder: the parts add up to the draw);
        # names in a fixed order so that ties always go the same way.
        weights = sorted((name, int(amount)) for name, amount in by_name)
        if not sum(w for _, w in weights):
            continue
        for (name, _), part in zip(weights, apportion(drawn, [w for _, w in weights]), strict=True):
            totals[name] += part
    ranked = sorted(((n, a) for n, a in totals.items() if a > 0), key=lambda kv: (-kv[1], kv[0]))
    return [Funder(n, a) for n, a in ranked[:limit]], max(len(ranked) - limit, 0)


def funder_donor_ids(session: Session, need_id: int) -> list[int]:
    """The donors whose money reached this house: the same pro-rata reading as `funders_of_need` (each pool's draw
    over the donors who gave to that pool, largest remainder), by donor instead of public name; donors whose share
    rounds to nothing are left out. For "the house you helped was handed over" (app.notifications)."""
    need = session.get(HouseholdNeed, need_id)
    if need is None:
        return []
    fund_id = session.get_one(Campaign, need.campaign_id).fund_id
    draws: dict[tuple, int] = defaultdict(int)
    for f in active_fundings(session, need_id):
        for d in f.draws or []:
            draws[_pool_key(fund_id, d.get("pool_unit_id"), d["purpose"])] += int(d["amount_vnd"])
    donors: set[int] = set()
    for (_, unit_id, purpose), drawn in draws.items():
        unit_cond = (
            Contribution.pool_unit_id.is_(None) if unit_id is None else Contribution.pool_unit_id == unit_id
        )
        weights = sorted(
            (donor_id, int(amount))
            for donor_id, amount in session.execute(
                select(Contribution.donor_id, func.sum(Contribution.amount_vnd))
                .where(
                    _received_clause(),
                    Contribution.donor_id.is_not(None),
                    Contribution.fund_id == fund_id,
                    unit_cond,
                    Contribution.purpose == purpose,
                )
                .group_by(Contribution.donor_id)
            ).all()
            if donor_id is not None
        )
        if not sum(w for _, w in weights):
            continue
        parts = apportion(drawn, [w for _, w in weights])
        donors.update(donor_id for (donor_id, _), part in zip(weights, parts, strict=True) if part > 0)
    return sorted(donors)
