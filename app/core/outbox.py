"""Durable task outbox: background tasks that must not be lost are queued through here.

`enqueue(session, "pkg.task", *args, dedupe_key=..., **kwargs)` writes a `task_outbox` row in the caller's
transaction, next to the business change. Nothing is sent before the commit (a rollback leaves no row and no
task); right after the commit the rows are published to Celery (best effort; in eager mode — development and
tests — the task runs inline as before). A row whose publication failed (Redis down) stays pending, and
`flush_pending` — the `core.flush_outbox` beat task every minute and `flask tasks flush-outbox` — publishes it
when the broker is back. Rows are locked while being published (the sweep's `FOR UPDATE SKIP LOCKED` on
PostgreSQL, the after-commit publication's claiming UPDATE), so two publishers (two sweepers, or a sweeper and the
after-commit hook) never send the same row. A crash between the
publication and the mark can still send a row twice, so every task queued here must be idempotent.

With `OUTBOX_PUBLISHER = "thread"` (production and the load run) the after-commit publication is handed to one
thread per process, which publishes what every request committed in batches: one UPDATE (claiming the rows and
returning them), one producer and one commit per batch instead of per request, and the request does not wait on the broker. A process that exits normally
gives that thread EXIT_WAIT seconds to finish; rows still in its queue when the process dies stay pending in the
table, and the sweep sends them. "inline" (the default, and what tests use) publishes in the committing thread
before the request returns.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import queue
import threading
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app as current_celery
from flask import current_app, has_app_context
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import JSON, BigInteger, Integer, String, Text, delete, event, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Insert

from app.core.db import UTCDateTime, rowcount, utcnow
from app.extensions import Model, db

log = logging.getLogger(__name__)

PENDING_IDS = "chungtay.outbox.pending"  # session.info key: ids of rows written in the open transaction
PUBLISH_ROUND = 500  # rows per SELECT … IN (…) and commit after a commit that queued many (a large import)
SWEEP_GRACE = timedelta(seconds=60)  # the sweep leaves fresh rows to their own after-commit publication
KEEP_DISPATCHED = timedelta(days=30)  # sent rows are kept this long (what was queued, when), then pruned
EXIT_WAIT = (
    5.0  # seconds a process that exits normally gives its publishing thread to send what it still holds
)


class TaskOutbox(Model):
    """One task to publish to Celery; dispatched_at is set once the broker accepted it."""

    __tablename__ = "task_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    task_name: Mapped[str] = mapped_column(String(120), nullable=False)
    args: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


@functools.cache
def _enqueue_statement(dialect: str) -> Insert:
    """The outbox INSERT (Core, on the table, built once per dialect): a taken dedupe_key inserts nothing."""
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = TaskOutbox.__table__
    return upsert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


def enqueue(
    session: Session, task_name: str, *args: Any, dedupe_key: str | None = None, **kwargs: Any
) -> int | None:
    """Queue `task_name(*args, **kwargs)` to run after the caller commits. Returns the row id, or None when a row
    with the same `dedupe_key` already exists (that task is already queued or sent)."""
    ids = enqueue_many(session, task_name, [(list(args), kwargs, dedupe_key)])
    return ids[0] if ids else None


def enqueue_many(
    session: Session, task_name: str, calls: Iterable[tuple[Sequence[Any], dict[str, Any], str | None]]
) -> list[int]:
    """Queue one task per (args, kwargs, dedupe_key) in one INSERT; duplicates of an existing key are skipped."""
    now = utcnow()
    rows = [
        {
            "task_name": task_name,
            "args": list(a),
            "kwargs": dict(k),
            "dedupe_key": key,
            "created_at": now,
            "attempts": 0,
        }
        for a, k, key in calls
    ]
    if not rows:
        return []
    stmt = _enqueue_statement(session.get_bind().dialect.name)
    ids = (
        list(session.execute(stmt, rows).scalars())
        if len(rows) > 1
        else list(session.execute(stmt, rows[0]).scalars())
    )
    session.info.setdefault(PENDING_IDS, []).extend(ids)
    return ids


@dataclass
class FlushResult:
    sent: int = 0
    failed: int = 0
    left: int = 0  # not tried: the broker failed earlier in the same run
    broker_down: bool = False

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "left": self.left, "broker_down": self.broker_down}


def _celery() -> Any:  # Celery has no types
    return current_app.extensions["celery"] if has_app_context() else current_celery


def _publish(row: Any, producer: Any = None) -> None:
    task = _celery().tasks[row.task_name]  # KeyError for an unknown name: recorded as the row's error
    task.apply_async(args=list(row.args or []), kwargs=dict(row.kwargs or {}), producer=producer)


_table = TaskOutbox.__table__
# The columns a publish needs, as plain rows (no ORM objects: the batch is marked sent in one UPDATE).
_PENDING = select(_table.c.id, _table.c.task_name, _table.c.args, _table.c.kwargs).where(
    _table.c.dispatched_at.is_(None)
)


def publish_rows(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    older_than: timedelta | None = SWEEP_GRACE,
    limit: int = 500,
) -> FlushResult:
    """Publish pending rows (the given ids, or the oldest `limit` created before now - older_than) and commit.

    The given ids (what a commit just queued) are claimed by one UPDATE that marks them sent and returns what to
    publish, instead of a SELECT … FOR UPDATE and an UPDATE after it (PostgreSQL): a row another publisher holds
    is waited for and then skipped once sent; a row whose publication fails is put back (pending, its error kept)
    before the commit, so what the commit leaves marked sent is what the broker accepted. The sweep (no ids) locks
    the oldest rows FOR UPDATE SKIP LOCKED on PostgreSQL and marks those sent afterwards.

    After the first broker error the remaining rows are left for the next run (one connection timeout, not N)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    # SQLite (development) locks the whole database for a writer: an eager task run inside the publication could
    # not write, so there the given rows are read first and marked after, like the sweep's.
    claimed = ids is not None and postgres
    if ids is not None and postgres:
        claim = (
            update(_table)
            .where(_table.c.id.in_(list(ids)), _table.c.dispatched_at.is_(None))
            .values(dispatched_at=utcnow())
            .returning(_table.c.id, _table.c.task_name, _table.c.args, _table.c.kwargs)
        )
        rows: Sequence[Any] = sorted(session.execute(claim).all(), key=lambda r: r.id)
    else:
        query = _PENDING
        if ids is not None:
            query = query.where(_table.c.id.in_(list(ids)))
        elif older_than is not None:
            query = query.where(_table.c.created_at <= utcnow() - older_than)
        query = query.order_by(_table.c.id).limit(limit)
        if postgres:
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
    result = FlushResult()
    if not rows:
        session.commit()
        return result
    celery = _celery()
    # One producer (one broker connection from the pool) for the whole batch; eager mode has no producer.
    with celery.producer_or_acquire() if not celery.conf.task_always_eager else nullcontext() as producer:
        sent, errors = _publish_each(rows, result, producer)
    if claimed:
        done = {*sent, *errors}
        left = [row.id for row in rows if row.id not in done]
        if left:  # not tried after a broker error: pending again, for the sweep
            session.execute(update(_table).where(_table.c.id.in_(left)).values(dispatched_at=None))
    elif sent:
        session.execute(update(_table).where(_table.c.id.in_(sent)).values(dispatched_at=utcnow()))
    for row_id, error in errors.items():
        session.execute(
            update(_table)
            .where(_table.c.id == row_id)
            .values(attempts=_table.c.attempts + 1, last_error=error, dispatched_at=None)
        )
    session.commit()
    return result


def _publish_each(
    rows: Sequence[Any], result: FlushResult, producer: Any
) -> tuple[list[int], dict[int, str]]:
    """Publish the rows in order: the ids sent, and the error of each row that failed."""
    sent: list[int] = []
    errors: dict[int, str] = {}
    for row in rows:
        if result.broker_down:
            result.left += 1
            continue
        try:
            _publish(row, producer)
        except Exception as exc:  # noqa: BLE001 - the row stays pending; the error is kept on it
            errors[row.id] = f"{type(exc).__name__}: {exc}"[:1000]
            result.failed += 1
            result.broker_down = isinstance(exc, KombuOperationalError | ConnectionError | OSError)
            log.warning("outbox row %s (%s) not published: %s", row.id, row.task_name, errors[row.id])
        else:
            sent.append(row.id)
            result.sent += 1
    return sent, errors


def flush_pending(
    session: Session, *, older_than: timedelta | None = SWEEP_GRACE, limit: int = 500
) -> FlushResult:
    """Publish rows still pending (the broker was down when they were committed), in rounds of `limit` rows,
    until a round is not full or a publish fails."""
    total = FlushResult()
    while True:
        got = publish_rows(session, older_than=older_than, limit=limit)
        total.sent, total.failed, total.left = total.sent + got.sent, total.failed + got.failed, got.left
        total.broker_down = got.broker_down
        if got.sent < limit or got.failed:
            return total


def prune_dispatched(
    session: Session, *, older_than: timedelta = KEEP_DISPATCHED, limit: int = 10_000
) -> int:
    """Delete rows dispatched longer ago than `older_than` (pending rows are never deleted); commits."""
    old = (
        select(TaskOutbox.id)
        .where(TaskOutbox.dispatched_at.is_not(None), TaskOutbox.dispatched_at < utcnow() - older_than)
        .limit(limit)
    )
    deleted = rowcount(session.execute(delete(TaskOutbox).where(TaskOutbox.id.in_(old))))
    session.commit()
    return deleted


def pending_count(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(TaskOutbox).where(TaskOutbox.dispatched_at.is_(None))
    ).scalar_one()


# --- after the commit ----------------------------------------------------------------------------------------
@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    """Publish what the committed transaction queued, in a session of its own (this one can no longer run SQL).
    Never raises: whatever is not published stays pending for the sweep."""
    ids = session.info.pop(PENDING_IDS, None)
    if not ids:
        return
    if has_app_context() and current_app.config.get("OUTBOX_PUBLISHER") == "thread":
        publisher(current_app._get_current_object()).submit(ids)  # type: ignore[attr-defined]
        return
    _publish_ids(session.get_bind(), ids)


def _publish_ids(bind: Any, ids: Sequence[int]) -> None:
    """Publish the given rows in a session of its own, in rounds; never raises."""
    try:
        with Session(bind=bind) as own:
            for start in range(0, len(ids), PUBLISH_ROUND):
                chunk = list(ids[start : start + PUBLISH_ROUND])
                if publish_rows(own, ids=chunk, limit=len(chunk)).broker_down:
                    break  # one connection timeout, not one per round: the rest waits for the sweep
    except Exception:  # noqa: BLE001 - the sweep publishes it later
        log.exception("outbox: could not publish %d row(s) after commit; the sweep will", len(ids))


class BackgroundPublisher:
    """One thread per process that publishes committed rows in batches (OUTBOX_PUBLISHER = "thread").

    Started on first use in each process (a gunicorn worker forked from a preloaded master gets its own)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._queue: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        # A forked child gets fresh locks: one held by another thread at the fork would never be released there.
        os.register_at_fork(after_in_child=self._reset_locks)

    def _reset_locks(self) -> None:
        self._start_lock, self._idle = threading.Lock(), threading.Condition()

    def submit(self, ids: Sequence[int]) -> None:
        self._ensure_thread()
        with self._idle:
            self._pending += len(ids)
        self._queue.put(list(ids))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every submitted row has been tried (tests, and a clean shutdown); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid != os.getpid():
                self._queue, self._pending = queue.SimpleQueue(), 0  # nothing of a parent process is ours
                threading.Thread(target=self._run, name="outbox-publisher", daemon=True).start()
                if self._pid is None:  # once per publisher: atexit handlers are inherited by a forked child
                    # The thread is a daemon, killed when the interpreter exits: without this, a process that
                    # commits and exits (a CLI command, a worker restarted after max_requests) left its last
                    # rows to the sweep, a minute or more later. atexit runs before daemon threads are stopped.
                    atexit.register(self.wait_idle, EXIT_WAIT)
                self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            ids = self._queue.get()
            while len(ids) < PUBLISH_ROUND:  # whatever else was committed meanwhile goes in the same batch
                try:
                    ids.extend(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    _publish_ids(db.engine, ids)
            finally:
                with self._idle:
                    self._pending -= len(ids)
                    self._idle.notify_all()


def publisher(app: Any) -> BackgroundPublisher:
    found = app.extensions.get("outbox.publisher")
    if found is None:
        found = app.extensions.setdefault("outbox.publisher", BackgroundPublisher(app))
    return found


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_IDS, None)
