"""The overview's charts: money received per day by channel, received per area, allocation and disbursement over
time, houses by stage. Aggregates computed from the ledger and the contributions, cached in the overview cache
(same version key as the overview: recomputed when money moves, pledges or goals change, or after its TTL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.ledger.models import AccountKind, LedgerAccount, LedgerPosting, LedgerTransaction
from app.transparency import overview as overview_figures
from app.transparency.units import scope_unit_ids

# Money channels, in the order the chart stacks them (goods received in kind are not money: shown apart).
MONEY_CHANNELS = [Channel.BANK_TRANSFER, Channel.CARD, Channel.CASH, Channel.HOUSEHOLD_COLLECTION]
CHANNEL_CHART_LABELS = {c.value: CHANNEL_LABELS[c] for c in MONEY_CHANNELS}


def _scope(q, column, ids: list[int | None] | None):  # type: ignore[no-untyped-def]
    if ids is None:
        return q
    known = [i for i in ids if i is not None]
    clause = column.in_(known)
    return q.where(clause | column.is_(None) if None in ids else clause)


def received_by_day(session: Session, fund_id: int, ids: list[int | None] | None) -> list[dict]:
    """Money received per day (Vietnam's calendar day) and channel; a reversed contribution counts nowhere, so the
    days add up to what the ledger holds now."""
    q = (
        select(Contribution.received_on, Contribution.channel, func.sum(Contribution.amount_vnd))
        .where(
            Contribution.fund_id == fund_id,
            Contribution.status != ContributionStatus.REVERSED,
            Contribution.channel != Channel.IN_KIND,
        )
        .group_by(Contribution.received_on, Contribution.channel)
    )
    days: dict[date, dict[str, int]] = defaultdict(dict)
    for day, channel, amount in session.execute(_scope(q, Contribution.pool_unit_id, ids)):
        days[day][str(channel)] = days[day].get(str(channel), 0) + int(amount or 0)
    return [
        {
            "day": d.isoformat(),
            "by_channel": {c.value: days[d].get(c.value, 0) for c in MONEY_CHANNELS},
            "total_vnd": sum(days[d].values()),
        }
        for d in sorted(days)
    ]


def flow_by_day(session: Session, fund_id: int, ids: list[int | None] | None) -> list[dict]:
    """Received, allocated and disbursed as of the end of each day with a posting (cumulative, from the ledger's
    postings by the day they occurred: the last row equals the ledger's balances)."""
    q = (
        select(LedgerTransaction.occurred_on, LedgerAccount.kind, func.sum(LedgerPosting.amount_vnd))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerAccount.fund_id == fund_id,
            LedgerAccount.kind.in_([AccountKind.DONATIONS, AccountKind.ALLOCATED, AccountKind.DISBURSED]),
        )
        .group_by(LedgerTransaction.occurred_on, LedgerAccount.kind)
    )
    deltas: dict[date, dict[AccountKind, int]] = defaultdict(lambda: defaultdict(int))
    for day, kind, amount in session.execute(_scope(q, LedgerAccount.unit_id, ids)):
        deltas[day][AccountKind(kind)] += int(amount or 0)
    out, received, allocated, disbursed = [], 0, 0, 0
    for d in sorted(deltas):
        received -= deltas[d][AccountKind.DONATIONS]
        allocated += deltas[d][AccountKind.ALLOCATED] + deltas[d][AccountKind.DISBURSED]
        disbursed += deltas[d][AccountKind.DISBURSED]
        out.append(
            {
                "day": d.isoformat(),
                "received_vnd": received,
                "allocated_vnd": allocated,
                "disbursed_vnd": disbursed,
            }
        )
    return out


def compute_charts(session: Session, campaign: Campaign, overview: dict) -> dict:
    """Every chart's data (codes and numbers, no labels: those are translated when shown)."""
    ids = scope_unit_ids(session, campaign.scope_unit)
    return {
        "received_by_day": received_by_day(session, campaign.fund_id, ids),
        "by_area": [
            {
                "code": p["code"],
                "name": p["name"],
                "received_vnd": p["received_vnd"],
                "goal_vnd": p["goal_vnd"],
            }
            for p in overview["progress"]
            if p["level"] != str(getattr(campaign.scope_unit, "level", "")) or campaign.scope_unit is None
        ],
        "flow_by_day": flow_by_day(session, campaign.fund_id, ids),
        "houses": [h for h in (overview["houses"] or []) if h["count"]],
    }


def charts(session: Session, campaign: Campaign, figures: dict | None = None) -> dict:
    """The charts from the overview cache (key "charts"), recomputed when the overview's version changes.
    `figures`: the campaign's overview when the caller already has it (its areas and houses are reused)."""
    return overview_figures.cached(
        session,
        campaign,
        "charts",
        lambda: compute_charts(session, campaign, figures or overview_figures.overview(session, campaign)),
    )
