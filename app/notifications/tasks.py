"""Delivery of notifications (Celery; eager in development and tests). Ids in, never objects."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db
from app.notifications import services
from app.notifications.models import Status


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(notification_ids: int | list[int]) -> int:
    """One attempt at each message (a batch queued by notify(), or one by the retry sweep); idempotent
    (app.notifications). Returns how many were sent."""
    ids = [notification_ids] if isinstance(notification_ids, int) else notification_ids
    return sum(s == Status.SENT for s in services.deliver_many(db.session, ids).values())


@shared_task(name="notifications.retry_due")
def retry_due() -> int:
    """Every minute: messages whose backoff ran out are tried again."""
    return services.queue_due_retries(db.session)
