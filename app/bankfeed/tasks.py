"""Background work for bank feeds (Celery; eager in development and tests)."""

from __future__ import annotations

import time

from celery import shared_task

from app.bankfeed import services
from app.core import transaction
from app.extensions import db

# A run stops taking new batches after this long (the next kick or the minute's sweep goes on), well inside the
# broker's visibility timeout, so a long backlog never looks like a lost task.
RECORD_RUN_SECONDS = 50.0


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
    ctx = Context(
        "contribution", contribution.id, values, email=pledge.contact_email, language=pledge.language
    )
    return bool(notify(db.session, pledge.donor, Event.MONEY_RECEIVED, ctx))


@shared_task(name=services.RECORD_TASK, acks_late=True, reject_on_worker_lost=True)
def record_pending() -> int:
    """Record the feed rows the webhooks queued, a batch (services.RECORD_BATCH rows, one receive() call) per
    commit, until none is left. Kicked after the webhook's commit (services.kick_recording, coalesced) and run
    every minute by beat as the safety net. Concurrent runs share the work (SKIP LOCKED); a run that fails rolls
    back only its current batch, whose rows stay queued for the next run. Returns the rows taken."""
    began, total = time.monotonic(), 0
    while True:
        taken = services.record_pending(db.session)
        transaction.checkpoint()
        total += taken
        if taken < services.RECORD_BATCH or time.monotonic() - began > RECORD_RUN_SECONDS:
            return total
