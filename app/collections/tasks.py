"""Background commit of large household imports (eager in development and tests)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.collections.models import BatchStatus, ImportBatch
from app.collections.services import CollectionError, commit_import, mark_failed
from app.core import transaction
from app.core.actor import Actor
from app.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="collections.commit_import")
def commit_import_task(batch_id: int, user_id: int | None, actor_label: str = "") -> str:
    """Commit a queued import batch in one transaction; on failure nothing is recorded and the batch says why."""
    session = db.session
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.status != BatchStatus.QUEUED:
        return "skipped"
    actor = Actor(user_id=user_id, label=actor_label or "celery")
    try:
        commit_import(session, actor, batch, track_progress=True)
    except CollectionError as exc:
        session.rollback()
        mark_failed(session, batch_id, str(exc))  # committed by the task's boundary
        return "failed"
    except Exception:
        session.rollback()
        log.exception("collections import %s failed", batch_id)
        mark_failed(
            session, batch_id, "Lỗi hệ thống khi ghi lô; không dòng nào được ghi nhận. Vui lòng thử lại."
        )
        transaction.checkpoint(session)  # the failure mark stays; the task's boundary rolls back nothing more
        raise
    return "committed"
