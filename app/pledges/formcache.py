"""Per-process caches behind the public pledge form (GET /ung-ho, the page every donor opens).

What the anonymous form shows changes only when a campaign or the administrative units change, so it is
rendered once and served from memory with a fresh CSRF token per request (no query, no template work):
- a *generation* counter, bumped in this process after a commit that touched campaigns or admin_units
  (ORM objects or bulk INSERT/UPDATE/DELETE through the session), so a change made here shows at once;
- a time limit (PLEDGE_FORM_CACHE_SECONDS, default 30 s) for changes made by other processes (other gunicorn
  workers, the CLI): a campaign opened or closed elsewhere shows on this process's form within that time.
The submission takes the campaign the form showed only after checking in the database that it is still active
(app.pledges.views.public._submission_campaign), and looks the units up in the database.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.pledges.services import campaign_for

WATCHED_TABLES = frozenset({"campaigns", "admin_units"})
DEFAULT_TTL = 30.0  # seconds
_STALE = "pledges.formcache.stale"
_counter = itertools.count(1)
_generation = next(_counter)


@dataclass(frozen=True)
class CampaignView:
    """What the form shows of the campaign: plain values, safe to keep between requests."""

    id: int
    name: str
    scope_unit_id: int | None


def generation() -> int:
    return _generation


def bump() -> None:
    global _generation
    _generation = next(_counter)


def ttl() -> float:
    return float(current_app.config.get("PLEDGE_FORM_CACHE_SECONDS", DEFAULT_TTL))


def cached(name: str, key: object, build):  # type: ignore[no-untyped-def]
    """app.extensions[name] holds (key, built at, value); rebuilt when the key changes or the entry is old."""
    entry = current_app.extensions.get(name)
    now = time.monotonic()
    if entry is not None and entry[0] == key and now - entry[1] < ttl():
        return entry[2]
    value = build()
    current_app.extensions[name] = (key, now, value)
    return value


def campaign_view(session: Session) -> CampaignView | None:
    def build() -> CampaignView | None:
        found = campaign_for(session)
        return CampaignView(found.id, found.name, found.scope_unit_id) if found is not None else None

    return cached("pledges.campaign_view", generation(), build)


def _watched_entity(obj: object) -> bool:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None) in WATCHED_TABLES


@event.listens_for(Session, "after_flush")
def _note_orm_changes(session: Session, _ctx: object) -> None:
    if any(_watched_entity(o) for o in itertools.chain(session.new, session.dirty, session.deleted)):
        session.info[_STALE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:  # type: ignore[no-untyped-def]
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_STALE] = True


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    if session.info.pop(_STALE, False):
        bump()
