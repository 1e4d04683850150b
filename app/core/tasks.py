"""Background work of the core: the outbox sweep (see app.core.outbox)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from app.core import outbox
from app.extensions import db


@shared_task(name="core.flush_outbox", acks_late=True, reject_on_worker_lost=True)
def flush_outbox(older_than_seconds: int = int(outbox.SWEEP_GRACE.total_seconds()), limit: int = 500) -> dict:
    """Publish outbox rows still pending a minute after their commit (the broker was down then); prune rows sent
    more than 30 days ago."""
    result = outbox.flush_pending(
        db.session, older_than=timedelta(seconds=older_than_seconds), limit=limit
    ).as_dict()
    result["pruned"] = outbox.prune_dispatched(db.session)
    return result
