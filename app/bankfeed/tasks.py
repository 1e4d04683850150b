"""Background work for bank feeds (Celery; eager in development and tests)."""

from __future__ import annotations

from celery import shared_task

from app.bankfeed.notify import send_payment_received
from app.extensions import db


@shared_task(name="bankfeed.payment_received", acks_late=True, reject_on_worker_lost=True)
def payment_received(contribution_id: int) -> bool:
    """The donor's confirmation that a transfer paying their pledge arrived (queued with the money, through the
    outbox, once per contribution)."""
    return send_payment_received(db.session, contribution_id)
