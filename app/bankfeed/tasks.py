"""Background work for bank feeds (Celery; eager in development and tests)."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db


@shared_task(name="bankfeed.payment_received", acks_late=True, reject_on_worker_lost=True)
def payment_received(contribution_id: int) -> bool:
    """The donor's confirmation that a transfer paying their pledge arrived (queued with the money, through the
    outbox, once per contribution), on the channels the donor chose (app.notifications)."""
    from app.contributions.models import Contribution
    from app.core.money import format_vnd
    from app.notifications.models import Event
    from app.notifications.services import Context, notify
    from app.pledges.models import Pledge

    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.pledge_id is None:
        return False
    pledge = db.session.get_one(Pledge, contribution.pledge_id)
    values = {"amount": format_vnd(contribution.amount_vnd), "reference": pledge.reference}
    ctx = Context("contribution", contribution.id, values, email=pledge.contact_email)
    return bool(notify(db.session, pledge.donor, Event.MONEY_RECEIVED, ctx))
