"""Pledge bookkeeping shared by every payment channel."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contributions.models import Contribution, ContributionStatus
from app.core.actor import Actor
from app.pledges.models import Pledge, PledgeStatus


def amount_paid(session: Session, pledge_id: int) -> int:
    """Money received against a pledge (recorded, not reversed contributions)."""
    return session.execute(
        select(func.coalesce(func.sum(Contribution.amount_vnd), 0)).where(
            Contribution.pledge_id == pledge_id, Contribution.status == ContributionStatus.RECORDED)
    ).scalar_one()


def refresh_status(session: Session, actor: Actor, pledge: Pledge) -> PledgeStatus:
    """Derive pledged / partly paid / fulfilled from the money received; cancelled and lapsed pledges
    that still receive money come back to life (the money is real)."""
    paid = amount_paid(session, pledge.id)
    if paid >= pledge.amount_vnd:
        new = PledgeStatus.FULFILLED
    elif paid > 0:
        new = PledgeStatus.PARTLY_PAID
    elif pledge.status in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED):
        new = pledge.status
    else:
        new = PledgeStatus.PLEDGED
    if new != pledge.status:
        old = pledge.status
        pledge.status = new
        session.flush()
        record(session, actor, "pledge.status", "pledge", pledge.id, old={"status": old},
               new={"status": new, "paid_vnd": paid}, unit_id=pledge.receiving_unit_id)
    return new
