from __future__ import annotations

import logging

from celery import shared_task

from app.core import transaction
from app.extensions import db
from app.reports.models import ReportJob, ReportStatus
from app.reports.services import run_job

log = logging.getLogger(__name__)


@shared_task(name="reports.generate")
def generate(job_id: int) -> str:
    """Produce a report job's figures, XLSX and PDF (eager in development, a worker in production). A job already
    done (the task delivered twice) is left as it is."""
    done = db.session.get(ReportJob, job_id)
    if done is not None and done.status == ReportStatus.DONE:
        return done.status.value
    job = run_job(db.session, job_id, checkpoint=transaction.checkpoint)
    return job.status.value
