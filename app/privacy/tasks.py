"""Celery tasks of the privacy package (beat: config.py, "privacy-apply-retention")."""

from __future__ import annotations

from celery import shared_task

from app.extensions import db
from app.privacy.retention import apply_retention as apply


@shared_task(name="privacy.apply_retention")
def apply_retention() -> dict[str, int]:
    """The retention periods (privacy_retention_rules) applied once; idempotent; commits when it returns."""
    return apply(db.session)
