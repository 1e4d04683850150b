"""A throwaway PostgreSQL primary and a streaming replica of it (bench/pgcluster.py), shared by the tests here.

They need the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup), not a running server: without them
the tests skip and say why (in CI, where they must run, they fail instead).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from bench import pgcluster
from tests.conftest import (
    FreshRequestClient,
    _load_reference_data,
    _migrate_fresh,
    _truncate_all,
    reset_process_state,
)


def need_pg_binaries() -> None:
    if os.environ.get("CI") and os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        # .ci/run runs the suite twice (SQLite, then PostgreSQL); these tests bring their own servers, so the
        # pass's database changes nothing for them: they run once, in the first pass.
        pytest.skip("runs once per CI run (in the SQLite pass): it starts its own PostgreSQL servers")
    reason = pgcluster.unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the replica and restore-drill tests: {reason}")
        pytest.skip(reason)


class Pair:
    def __init__(self, primary: pgcluster.Server, replica: pgcluster.Server, database: str):
        self.primary, self.replica, self.database = primary, replica, database
        self.primary_url, self.replica_url = primary.url(database), replica.url(database)

    def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        lsn = self.primary.one("SELECT pg_current_wal_insert_lsn()::text")
        self.replica.wait_until(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")

    @contextmanager
    def replay_paused(self) -> Iterator[None]:
        """Lag injected: the replica keeps receiving WAL but applies none of it."""
        self.replica.sql("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            self.replica.sql("SELECT pg_wal_replay_resume()")

    def received_unreplayed(self) -> None:
        """Wait until the replica has received the primary's latest WAL (while its replay is paused)."""
        lsn = self.primary.one("SELECT pg_current_wal_insert_lsn()::text")
        self.replica.wait_until(f"SELECT pg_last_wal_receive_lsn() >= '{lsn}'::pg_lsn")


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    need_pg_binaries()
    primary = pgcluster.make_primary(fast=True)
    replica = None
    try:
        replica = pgcluster.make_replica(primary)
        primary.create_database("chungtay")
        setup = create_app("testing", SQLALCHEMY_DATABASE_URI=primary.url("chungtay"))
        _migrate_fresh(setup)
        _load_reference_data(setup)
        with setup.app_context():
            db.engine.dispose()
        found = Pair(primary, replica, "chungtay")
        found.caught_up()
        yield found
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


def replica_app(pair: Pair, tmp_path: Path, replica_url: str | None = None, **overrides: object) -> Flask:
    config: dict[str, object] = dict(
        SQLALCHEMY_DATABASE_URI=pair.primary_url,
        DATABASE_REPLICA_URL=replica_url or pair.replica_url,
        REPLICA_CHECK_SECONDS=0,  # every request asks the replica: no waiting for a cached answer to age
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    config.update(overrides)
    flask_app = create_app("testing", **config)
    flask_app.test_client_class = FreshRequestClient
    return flask_app


@pytest.fixture
def app(request: pytest.FixtureRequest, pair: Pair, tmp_path: Path) -> Iterator[Flask]:
    """The app on the throwaway primary, reading public pages from its replica (overrides tests/conftest.py's)."""
    marker = request.node.get_closest_marker("app_config")
    flask_app = replica_app(pair, tmp_path, **(marker.kwargs if marker else {}))
    _truncate_all(flask_app)
    reset_process_state()
    pair.caught_up()
    ctx = flask_app.app_context()
    ctx.push()
    try:
        yield flask_app
    finally:
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
        ctx.pop()
