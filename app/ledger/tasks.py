from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.ledger import verify as verifier

log = logging.getLogger(__name__)


@shared_task(name="ledger.verify")
def verify() -> list[str]:
    """Nightly: run the consistency verifier (app.ledger.verify), keep its result for the staff home page's alert
    and log each disagreement. Returns the problems as lines (empty when everything agrees). Running it twice
    only adds a second result row; the page shows the latest."""
    report = verifier.run_checks(db.session)
    verifier.record_check(db.session, report)  # committed when the task returns (app.core.transaction)
    lines = [p.line() for p in report.problems]
    for line in lines:
        log.error("ledger check: %s", line)
    return lines
