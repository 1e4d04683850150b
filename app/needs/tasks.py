"""Background work for needs (Celery; eager in development and tests). Ids in, never objects."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db
from app.needs.notify import tell_funders

HANDED_OVER_TASK = "needs.notify_handed_over"


@shared_task(name=HANDED_OVER_TASK, acks_late=True, reject_on_worker_lost=True)
def notify_handed_over(need_id: int) -> int:
    """Queued with the stage change (app.needs.construction.advance_stage), after its commit."""
    return tell_funders(db.session, need_id)
