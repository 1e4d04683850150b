from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.ledger.services import verify_ledger

log = logging.getLogger(__name__)


@shared_task(name="ledger.verify")
def verify() -> list[str]:
    """Nightly: re-derive every balance from the postings and report any difference."""
    problems = verify_ledger(db.session)
    for p in problems:
        log.error("ledger check: %s", p)
    return problems
