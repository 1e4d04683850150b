from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.transparency import opendata

log = logging.getLogger(__name__)


@shared_task(name="transparency.publish_daily_root")
def publish_daily_root(day: str | None = None) -> str | None:
    """Nightly (after midnight, Vietnam time): publish yesterday's root, then re-check every published day."""
    from datetime import date

    root = opendata.publish_daily_root(db.session, date.fromisoformat(day) if day else None)
    bad = opendata.check_roots(db.session)
    for r in bad:
        log.error("published day %s no longer matches its root", r.day)
    return root.root if root else None
