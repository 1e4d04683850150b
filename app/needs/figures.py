"""Figures for reports: houses by stage, funded and disbursed totals by purpose."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.ledger.models import Purpose
from app.needs.models import (
    FundingStatus,
    HouseholdNeed,
    NeedDisbursement,
    NeedFunding,
    NeedStatus,
)
from app.units.models import AdminUnit


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
