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
    return int(session.execute(
        select(func.coalesce(func.sum(Contribution.amount_vnd), 0)).where(
            Contribution.pledge_id == pledge_id, Contribution.status == ContributionStatus.RECORDED)
    ).scalar_one())


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


def outstanding(session: Session, pledge: Pledge) -> int:
    return max(0, pledge.amount_vnd - amount_paid(session, pledge.id))


def record_pledge_payment(session: Session, actor: Actor, pledge: Pledge, *, amount_vnd: int, channel,  # type: ignore[no-untyped-def]
                          received_at, source: str, idempotency_key: str | None = None,
                          bank_txn_ref: str | None = None, masked_account: str | None = None,
                          note: str = "") -> list:
    """Money received for a pledge, from any channel. What the pledge still expects is recorded against it
    (with its earmark); an excess beyond that becomes a separate unrestricted gift from the same donor.
    Idempotent on idempotency_key (the excess uses key + ":excess")."""
    from app.contributions.services import NewContribution, record_contributions

    due = outstanding(session, pledge)
    if idempotency_key:
        from app.contributions.models import Contribution as C

        if session.execute(select(C.id).where(C.idempotency_key.in_(
                [idempotency_key, f"{idempotency_key}:excess"]))).first():
            return list(session.execute(select(C).where(C.idempotency_key.in_(
                [idempotency_key, f"{idempotency_key}:excess"]))).scalars())
    on_pledge = min(amount_vnd, due) if due > 0 else 0
    excess = amount_vnd - on_pledge
    common = dict(channel=channel, received_at=received_at, donor=pledge.donor, is_anonymous=pledge.is_anonymous,
                  receiving_unit_id=pledge.receiving_unit_id, bank_txn_ref=bank_txn_ref,
                  masked_account=masked_account, source=source, note=note)
    items = []
    if on_pledge > 0:
        items.append(NewContribution(amount_vnd=on_pledge, earmark_unit_id=pledge.earmark_unit_id,
                                     purpose=pledge.purpose, pledge_id=pledge.id, pledge_reference=pledge.reference,
                                     idempotency_key=idempotency_key, **common))
    if excess > 0:
        from app.ledger.models import Purpose

        items.append(NewContribution(amount_vnd=excess, purpose=Purpose.UNRESTRICTED, pledge_reference=pledge.reference,
                                     idempotency_key=f"{idempotency_key}:excess" if idempotency_key else None,
                                     **{**common, "note": (note + " Phần nộp vượt số đăng ký.").strip()}))
    contributions = record_contributions(session, actor, pledge.campaign, items)
    refresh_status(session, actor, pledge)
    return contributions
