"""Delivery of notifications (Celery; eager in development and tests). Ids in, never objects."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db
from app.notifications import services


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(notification_id: int) -> str | None:
    """One attempt at one message (queued by notify() or by the retry sweep); idempotent (app.notifications)."""
    status = services.deliver(db.session, notification_id)
    return status.value if status is not None else None


@shared_task(name="notifications.retry_due")
def retry_due() -> int:
    """Every minute: messages whose backoff ran out are tried again."""
    return services.queue_due_retries(db.session)
