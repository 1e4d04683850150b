"""Read replica: public, read-only pages read from a PostgreSQL streaming replica when DATABASE_REPLICA_URL is set.

The one place where reads are routed. A request is served from the replica when all of these hold:
- it is a GET/HEAD of an endpoint in REPLICA_ENDPOINTS (the transparency blueprint with the open-data API, the
  public house pages, the home page, a pledge's confirmation page): listed here, so no view changes;
- nobody is signed in (a signed-in user's pages carry their permissions and private data: always the primary);
- the replica answered its last health check (at most REPLICA_CHECK_SECONDS old, per process) as a standby that
  lags at most REPLICA_MAX_LAG_SECONDS, and a connection to it can be had now (else: the primary, no error);
- read-your-writes: a browser whose requests wrote something carries the primary's WAL position after that write
  in its session; it reads from the primary until the replica has replayed past that position.

Within a routed request only plain reads go to the replica (SELECT without FOR UPDATE, and SET/RESET/SHOW for the
plan settings a query takes); every write goes to the primary (a page that refreshes a cache row, such as the
overview), and once the request has written, the rest of it reads from the primary too.

Lag: `pg_last_xact_replay_timestamp()` alone grows while the primary is idle, so a replica that has replayed all it
has received from a live WAL receiver counts as 0 s behind; otherwise the lag is the time since the last replayed
transaction (replay paused or slow, or the link to the primary broken: the replica cannot know what it misses).
The database role needs pg_read_all_stats to see the receiver's status; without it, the receiver's existence
is taken as good.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import Select, TextClause
from sqlalchemy.sql.selectable import CompoundSelect

BIND = "replica"
LSN_KEY = "_wal"  # in the Flask session: the primary's WAL position after this browser's last write
READ_FROM = "replica.engine"  # in Session.info: the replica engine while this request reads from it
TRACK = "replica.track"  # Session.info: note writes (a router is active for this request)
WROTE = "replica.wrote"  # Session.info: the current transaction wrote
COMMITTED = "replica.committed"  # Session.info: a transaction that wrote was committed in this request
PUBLIC = "replica.public"  # Session.info: this request is a public page (its cache-row writes are not the reader's)
READ_ONLY_TEXT = ("select", "set", "reset", "show")

CHECK_SQL = text(
    """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn()::text,
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                     AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver
                                 WHERE status IS NULL OR status = 'streaming')
                THEN 0
                ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9)
           END
    """
)


def parse_lsn(lsn: str) -> int:
    """A WAL position "16/B374D848" as one comparable number."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def is_plain_read(clause: object) -> bool:
    """A statement a hot standby can run for us: a SELECT that locks nothing, or a plan setting."""
    if isinstance(clause, Select | CompoundSelect):
        return clause._for_update_arg is None
    if isinstance(clause, TextClause):
        words = clause.text.lstrip().split(None, 1)
        return bool(words) and words[0].lower() in READ_ONLY_TEXT
    return False


class RoutingSession(FlaskSession):
    """db.session's class: reads go to the replica engine the request chose (Session.info[READ_FROM]); anything
    else, and everything when no replica was chosen, goes where Flask-SQLAlchemy sends it (the primary)."""

    def get_bind(
        self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any
    ) -> Engine | Connection:
        replica = self.info.get(READ_FROM)
        if replica is not None and bind is None and not self._flushing and is_plain_read(clause):
            return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _wrote(session: Session) -> None:
    session.info[WROTE] = True
    # Read-your-writes inside the request too: what it just wrote is on the primary only.
    session.info.pop(READ_FROM, None)


def _after_flush(session: Session, flush_context: Any) -> None:
    if session.info.get(TRACK):
        _wrote(session)


def _on_execute(state: ORMExecuteState) -> None:
    s = state.session
    if s.info.get(TRACK) and not is_plain_read(state.statement):
        _wrote(s)


def _after_commit(session: Session) -> None:
    if session.info.pop(WROTE, False):
        session.info[COMMITTED] = True


def _after_rollback(session: Session) -> None:
    session.info.pop(WROTE, None)


_LISTENERS = (
    ("after_flush", _after_flush),
    ("do_orm_execute", _on_execute),
    ("after_commit", _after_commit),
    ("after_rollback", _after_rollback),
)


def _listen() -> None:
    """Session events that note writes, registered once a replica is configured: without one, no statement pays
    for a do_orm_execute hook (the pledge form's hot path has a budget)."""
    for name, fn in _LISTENERS:
        if not event.contains(RoutingSession, name, fn):
            event.listen(RoutingSession, name, fn)


@dataclass
class Health:
    checked_at: float = float("-inf")  # never checked: the first request asks
    ok: bool = False
    lag_seconds: float = 1e9
    replay_lsn: int = 0
    reason: str = "not checked yet"


class Router:
    """Per process: the replica's last health check, and counters of where routed requests were served."""

    def __init__(self, app: Flask, engine: Engine):
        self.engine = engine
        self.max_lag = float(app.config.get("REPLICA_MAX_LAG_SECONDS", 5))
        self.interval = float(app.config.get("REPLICA_CHECK_SECONDS", 1))
        endpoints = tuple(app.config.get("REPLICA_ENDPOINTS", ()))
        self.blueprints = {e for e in endpoints if "." not in e}
        self.endpoints = {e for e in endpoints if "." in e}
        self.health = Health()
        self.served = {"replica": 0, "primary": 0}
        self._lock = threading.Lock()

    def routes(self, endpoint: str | None) -> bool:
        return bool(endpoint) and (
            endpoint in self.endpoints or endpoint.split(".", 1)[0] in self.blueprints  # type: ignore[union-attr]
        )

    def check(self) -> Health:
        """Ask the replica how far it is (one query on a connection of its own)."""
        try:
            with self.engine.connect() as conn:
                standby, replay, lag = conn.execute(CHECK_SQL).one()
        except DBAPIError as exc:
            return Health(time.monotonic(), False, reason=f"unreachable: {type(exc.orig).__name__}")
        if not standby:
            # A promoted replica no longer follows the primary: what it holds may be a diverging past.
            return Health(time.monotonic(), False, reason="not a standby (promoted?)")
        lag = float(lag)
        ok = lag <= self.max_lag
        reason = "ok" if ok else f"lags {lag:.1f} s > {self.max_lag:g} s"
        return Health(time.monotonic(), ok, lag, parse_lsn(replay) if replay else 0, reason)

    def current(self) -> Health:
        """The last check, renewed when older than the interval by one thread while the others use it."""
        health = self.health
        if time.monotonic() - health.checked_at >= self.interval and self._lock.acquire(blocking=False):
            try:
                self.health = health = self.check()
            finally:
                self._lock.release()
        return health

    def mark_down(self, reason: str) -> None:
        self.health = Health(time.monotonic(), False, reason=reason)

    def usable(self, wanted_lsn: str | None) -> bool:
        health = self.current()
        if not health.ok:
            return False
        return not wanted_lsn or health.replay_lsn >= parse_lsn(wanted_lsn)


def configure(app: Flask) -> None:
    """Before db.init_app: DATABASE_REPLICA_URL becomes Flask-SQLAlchemy's bind "replica" (no model uses it;
    only RoutingSession does)."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    if make_url(url).get_backend_name() != "postgresql" or make_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    ).get_backend_name() != ("postgresql"):
        raise RuntimeError(
            "DATABASE_REPLICA_URL: a read replica needs PostgreSQL for it and for DATABASE_URL"
        )
    binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
    binds[BIND] = {
        "url": url,
        "pool_pre_ping": True,  # a replica restarted since: a dead pooled connection is replaced, not used
        "connect_args": {"connect_timeout": int(app.config.get("REPLICA_CONNECT_TIMEOUT", 2))},
    }
    app.config["SQLALCHEMY_BINDS"] = binds


def init_app(app: Flask) -> None:
    if not app.config.get("DATABASE_REPLICA_URL"):
        return
    from app.extensions import db  # not at the top: app.extensions imports this module (cycle)

    _listen()
    with app.app_context():
        app.extensions["replica"] = Router(app, db.engines[BIND])
    app.before_request(_choose)
    app.after_request(_remember_write)
    app.teardown_request(_forget)


def _signed_in() -> bool:
    return "_user_id" in session or bool(
        request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    )


def _choose() -> None:
    from app.extensions import db  # not at the top: app.extensions imports this module (cycle)

    router: Router = current_app.extensions["replica"]
    info = db.session().info
    for key in (READ_FROM, WROTE, COMMITTED, PUBLIC):
        info.pop(key, None)
    info[TRACK] = True
    if request.method not in ("GET", "HEAD") or not router.routes(request.endpoint) or _signed_in():
        return
    info[PUBLIC] = True
    wanted = session.get(LSN_KEY)
    if not router.usable(wanted):
        router.served["primary"] += 1
        return
    try:
        # Take the replica connection now: one that went away since the last check is found here (the pool
        # pings it) and the page is read from the primary, instead of failing halfway through.
        db.session.connection(bind_arguments={"bind": router.engine})
    except DBAPIError as exc:
        router.mark_down(f"unreachable: {type(exc.orig).__name__}")
        db.session.rollback()
        router.served["primary"] += 1
        return
    info[READ_FROM] = router.engine
    router.served["replica"] += 1
    if wanted:
        session.pop(LSN_KEY)  # the replica has replayed this browser's writes: no need to remember them


def _remember_write(response: Response) -> Response:
    """After a request that committed a write: the primary's WAL position now, in the browser's session. The insert
    position, not the write position: with synchronous_commit off the commit record may still be in WAL buffers."""
    from app.extensions import db  # not at the top: app.extensions imports this module (cycle)

    info = db.session().info
    if info.pop(COMMITTED, False) and not info.get(PUBLIC):
        try:
            with db.engine.connect() as conn:
                lsn = conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
        except DBAPIError:
            # The write is committed; the page must not fail for want of its position. Without it this browser
            # may read the replica before it has replayed the write, for at most the lag bound.
            current_app.logger.warning("replica: WAL position after a write not read", exc_info=True)
            return response
        old = session.get(LSN_KEY)
        if not old or parse_lsn(lsn) > parse_lsn(old):
            session[LSN_KEY] = lsn
    return response


def _forget(_exc: BaseException | None = None) -> None:
    from app.extensions import db  # not at the top: app.extensions imports this module (cycle)

    info = db.session().info
    if info.get(PUBLIC):
        # Give the replica connection back now (Flask-SQLAlchemy closes the session with the app context, the
        # same moment in production): an open snapshot on a standby holds back replay of conflicting changes.
        db.session.rollback()
    for key in (READ_FROM, TRACK, WROTE, COMMITTED, PUBLIC):
        info.pop(key, None)
