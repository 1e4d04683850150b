"""Test harness.

Backends: SQLite by default (each test gets a copy of a migrated template database), or PostgreSQL
when TEST_DATABASE_URL is set (schema migrated once, tables truncated between tests). Tests marked
`postgres` always need PostgreSQL: they use TEST_DATABASE_URL, else TEST_POSTGRES_URL, else, in CI only (CI set),
postgresql+psycopg://postgres@127.0.0.1:5432/test; they skip with the reason when none is named or it cannot be
reached.
Reference data (Khánh Hòa's units, its legacy units and designations) is loaded once per run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db

os.environ.setdefault("CHUNGTAY_ENV", "testing")

KHANH_HOA = 56
REFERENCE_TABLES = {
    "admin_units",
    "legacy_units",
    "unit_lineage",
    "area_designations",
    "alembic_version",
    "poverty_standards",  # national reference data inserted by migration 0017_reference
    # seeded by migration 0017_privacy: the privacy notice and the retention periods
    "privacy_notices",
    "privacy_retention_rules",
}
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DESIGNATIONS_CSV = (
    Path(__file__).resolve().parent.parent / "app" / "demo" / "data" / "khanh-hoa-designations.csv"
)


def _pg_url() -> str | None:
    """The PostgreSQL database of tests marked `postgres`; None outside CI when none is named (the shared `test`
    database is CI's: a local run that fell back to it rebuilt its schema under a running CI job)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    return os.environ.get("TEST_POSTGRES_URL") or (DEFAULT_PG_URL if os.environ.get("CI") else None)


def _pg_unreachable_reason(url: str) -> str | None:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {url} ({type(exc).__name__}); start it or set TEST_POSTGRES_URL"
    return None


def _load_reference_data(app: Flask) -> None:
    from app.units.services import import_designations_csv, import_units

    with app.app_context():
        import_units(db.session, [KHANH_HOA])
        import_designations_csv(db.session, DESIGNATIONS_CSV.read_text(encoding="utf-8"))
        db.session.commit()


def _migrate_fresh(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )


class FreshRequestClient(FlaskClient):
    """Test client whose every request starts with an empty `g`.

    The `app` fixture keeps an app context pushed (so tests can use the session); Flask reuses it for
    requests, which would let `g` (Flask-Login's user, Flask-WTF's CSRF token) leak between requests
    in a way no real browser ever sees.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from flask import g, has_app_context

        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


class _Backend:
    def __init__(self, kind: str, url: str, template: Path | None = None):
        self.kind, self.url, self.template = kind, url, template
        self.prepared = False


@pytest.fixture(scope="session")
def _sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> _Backend:
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{template}")
    _migrate_fresh(app)
    _load_reference_data(app)
    with app.app_context():
        db.engine.dispose()
    return _Backend("sqlite", "", template)


@pytest.fixture(scope="session")
def _pg_backend() -> _Backend:
    url = _pg_url()
    if url is None:
        pytest.skip(
            "needs PostgreSQL: set TEST_POSTGRES_URL to a database of your own, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/<name> (CI, with CI=true, uses the database `test`)"
        )
    reason = _pg_unreachable_reason(url)
    if reason:
        pytest.skip(reason)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    _migrate_fresh(app)
    _load_reference_data(app)
    with app.app_context():
        db.engine.dispose()
    return _Backend("postgresql", url)


def _make_app(backend: _Backend, tmp_path: Path, **overrides: object) -> Flask:
    if backend.kind == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(backend.template, path)
        uri = f"sqlite:///{path}"
    else:
        uri = backend.url
    instance = tmp_path / "instance"
    config = dict(SQLALCHEMY_DATABASE_URI=uri, UPLOAD_DIR=str(instance / "uploads"))
    config.update(overrides)
    app = create_app("testing", **config)
    if backend.kind == "postgresql":
        _truncate_all(app)
    return app


def _use_postgres(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("postgres") is not None or os.environ.get(
        "TEST_DATABASE_URL", ""
    ).startswith("postgresql")


def reset_process_state() -> None:
    """What one test must not leave to the next in this process (also used by tests/replica's own app fixture)."""
    from app.core import mail
    from app.transparency import units

    mail.OUTBOX.clear()
    units._UNIT_CACHE.clear()  # a process-wide cache of unit names must not carry one test's units into the next


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    backend_fixture = "_pg_backend" if _use_postgres(request) else "_sqlite_backend"
    backend: _Backend = request.getfixturevalue(backend_fixture)
    overrides = {}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        overrides.update(marker.kwargs)
    flask_app = _make_app(backend, tmp_path, **overrides)
    flask_app.test_client_class = FreshRequestClient
    reset_process_state()
    ctx = flask_app.app_context()
    ctx.push()
    try:
        yield flask_app
    finally:
        db.session.remove()
        ctx.pop()
        with flask_app.app_context():
            db.engine.dispose()


@pytest.fixture
def session(app: Flask):  # type: ignore[no-untyped-def]
    """The app's SQLAlchemy session (commit or flush as a view or task would)."""
    return db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "app_config(**settings): override Flask config for this test")
    _compile_translations()


def _compile_translations() -> None:
    """The .mo files are not committed: compile any catalogue whose .mo is missing or older than its .po."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "app" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)


# ---------------------------------------------------------------- helpers used across tests
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def post_form(client: FlaskClient, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """POST like a browser: fetch the page the form lives on, take its CSRF token, submit."""
    html = client.get(page or url).get_data(as_text=True)
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_from(html))
    return client.post(url, data=payload, **kwargs)


def login(client: FlaskClient, email: str, password: str = "Matkhau-2026"):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/dang-nhap", {"email": email, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def open_as_donor(client: FlaskClient, pledge) -> None:  # type: ignore[no-untyped-def]
    """Open the signed link of the pledge's e-mails in this browser: it then sees the pledge page as its donor
    does (amount, schedule, how to pay), not the public view a reference alone gives (issue 19.1)."""
    from app.pledges import notify

    with client.application.test_request_context():
        link = notify.donor_link(pledge)
    assert client.get("/" + link.split("://", 1)[1].split("/", 1)[1]).status_code == 302


def race(
    app: Flask,
    workers: int,
    action: Callable[[int], object],
    refused: type[BaseException] | tuple[type[BaseException], ...] = (),
) -> tuple[int, int, list[BaseException]]:
    """Run `action(i)` for i in range(workers) in threads released together by a barrier, each in its own app
    context and session, committing what succeeds. Returns (succeeded, refused, errors): the number of actions
    that committed, the number that raised one of the `refused` exceptions (rolled back), and every other
    exception (rolled back too; a test asserts it is empty)."""
    import threading

    barrier = threading.Barrier(workers)
    ok: list[int] = []
    turned_down: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                action(i)
                db.session.commit()
                ok.append(i)
            except refused:
                db.session.rollback()
                turned_down.append(i)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return len(ok), len(turned_down), errors


@pytest.fixture
def celery_worker(app: Flask):  # type: ignore[no-untyped-def]
    """A real Celery worker (in-process thread, solo pool) on the Redis at TEST_REDIS_URL.

    Skips with the reason when TEST_REDIS_URL is unset or Redis does not answer; CI sets it.
    """
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set TEST_REDIS_URL (CI sets redis://127.0.0.1:6379/15)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {url} ({type(exc).__name__})")
    from celery.contrib.testing.worker import start_worker

    celery_app = app.extensions["celery"]
    celery_app.conf.update(
        broker_url=url,
        result_backend=url,
        task_always_eager=False,
        task_eager_propagates=False,
        task_ignore_result=False,
        broker_connection_retry=False,
    )
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as worker:
        yield worker
    celery_app.conf.update(
        task_always_eager=True,
        task_eager_propagates=True,
        broker_url="memory://",
        result_backend="cache+memory://",
    )
