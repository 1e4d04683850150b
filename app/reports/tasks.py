from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.reports.services import run_job

log = logging.getLogger(__name__)


@shared_task(name="reports.generate")
def generate(job_id: int) -> str:
    """Produce a report job's figures, XLSX and PDF (eager in development, a worker in production)."""
    job = run_job(db.session, job_id)
    return job.status.value
