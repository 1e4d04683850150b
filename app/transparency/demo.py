"""Demo: publish the hash-chain root covering the demo contributions (today, so the pages show it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.i18n import VN_TZ
from app.transparency import opendata


def load(session: Session, ctx: dict) -> None:
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
