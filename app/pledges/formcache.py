"""Per-process caches behind the public pledge form (GET /ung-ho, the page every donor opens).

What the anonymous form shows changes only when a campaign or the administrative units change, so it is
rendered once and served from memory with a fresh CSRF token per request (no query, no template work):
- a *generation* counter, bumped in this process after a commit that touched campaigns or admin_units
  (ORM objects or bulk INSERT/UPDATE/DELETE through the session), so a change made here shows at once;
- a time limit (PLEDGE_FORM_CACHE_SECONDS, default 30 s) for changes made by other processes (other gunicorn
  workers, the CLI): a campaign opened or closed elsewhere shows on this process's form within that time.
The submission takes the campaign the form showed only after checking in the database that it is still active
(app.pledges.views.public._submission_campaign), and looks the units up in the database.

Benchmark-driven (docs/CONVENTIONS.md, "Benchmark-driven machinery"): BENCHMARKS.md row `pledge_page` (target:
GET /ung-ho at >= 0.2 of the one-query route) reads 2.25x nationally with this cache. Without it (the page
rendered on every request, PLEDGE_FORM_CACHE_SECONDS=0, unit lists still cached) the same measurement gives
0.10-0.11x (83 vs 871 and 73 vs 659 requests/s against the one-query route, bench_pledges' setup, 07/12/2026):
the row is not met, so the cache stays. It is all here: the campaign shown (campaign_view), the unit lists
(unit_lists) and the rendered page with its CSRF and flash slots (page); the view only says what to render.
Tests exercise both paths: an anonymous GET goes through page(), a signed-in user's GET and every POST render
the template directly.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass

from flask import current_app, render_template
from flask import session as http_session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.collation import units_sorted
from app.extensions import db
from app.pledges.services import campaign_for
from app.units.models import AdminUnit, UnitLevel

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


UNIT_LIST_TTL = 600  # seconds: units change by decree, not by the minute


def unit_lists() -> tuple[list[tuple[int, str]], dict[int, list[tuple[int, str]]]]:
    """Current provinces and their communes as (id, name), read once per process and cached for a while
    (dropped at once when this process commits a unit change), so the public form costs no unit queries."""
    cached_units = current_app.extensions.get("pledges.units")
    if (
        cached_units
        and cached_units[3] == generation()
        and time.monotonic() - cached_units[0] < UNIT_LIST_TTL
    ):
        return cached_units[1], cached_units[2]
    stamp = generation()
    rows = db.session.execute(
        select(AdminUnit.id, AdminUnit.name, AdminUnit.level, AdminUnit.parent_id).where(
            AdminUnit.valid_to.is_(None), AdminUnit.level.in_([UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        )
    ).all()
    provs = [(r.id, r.name) for r in units_sorted(r for r in rows if r.level == UnitLevel.PROVINCE)]
    communes: dict[int, list[tuple[int, str]]] = {}
    for r in units_sorted(r for r in rows if r.level == UnitLevel.COMMUNE):
        communes.setdefault(r.parent_id, []).append((r.id, r.name))
    current_app.extensions["pledges.units"] = (time.monotonic(), provs, communes, stamp)
    return provs, communes


CSRF_SLOT, FLASH_SLOT = "\x00csrf\x00", "\x00flashes\x00"  # never in a page (NUL is refused in requests)
KEY_SLOT = (
    "\x00submission-key\x00"  # the form's idempotency key, fresh for each view of the page (issue 19.4)
)


def page(key: object, render) -> str:  # type: ignore[no-untyped-def]
    """The anonymous pledge form: `render(flash_slot)` returns the page's HTML, called once per `key` (and TTL);
    the CSRF token in it is swapped for a slot, and each request gets the page with its own token, its own
    idempotency key (the page renders KEY_SLOT where the key goes) and its own flash messages."""

    def build() -> str:
        html = render(Markup(FLASH_SLOT))  # noqa: S704 - a constant
        return html.replace(generate_csrf(), CSRF_SLOT)

    html = cached("pledges.form_page", key, build)
    flashes = render_template("_flashes.html") if http_session.get("_flashes") else ""
    key_value = secrets.token_urlsafe(18)
    return html.replace(CSRF_SLOT, generate_csrf()).replace(FLASH_SLOT, flashes).replace(KEY_SLOT, key_value)


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
