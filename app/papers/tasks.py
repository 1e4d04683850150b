"""Background work for papers: e-mail a sponsorship record someone asked for (queued through the outbox)."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db
from app.papers import services


@shared_task(name="papers.mail_record", acks_late=True, reject_on_worker_lost=True)
def mail_record(record_id: int) -> bool:
    """Send the record with its PDF; the task commits when it returns (a retry finds it sent)."""
    return services.mail_record(db.session, record_id)
