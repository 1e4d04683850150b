"""Migrations produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.core.db import schema_filter
from app.extensions import db


def _diff(app) -> list:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": schema_filter(conn.dialect.name)}
        )
        return compare_metadata(ctx, db.metadata)


# The PostgreSQL-only expression index (ix_contributions_search_terms) cannot be reflected from SQLite; Alembic
# says so and leaves it out, as schema_filter would.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_matches_the_models(app):
    assert _diff(app) == []


@pytest.mark.postgres
def test_migrated_schema_matches_the_models_on_postgresql(app):
    assert db.engine.dialect.name == "postgresql"
    assert _diff(app) == []


def test_production_refuses_to_start_without_real_secrets(monkeypatch):
    from app import create_app
    from config import DEV_SECRET_KEY

    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_celery_runs_tasks_in_the_app_context_and_beat_has_the_reminders(app):
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager is True
    schedule = {v["task"] for v in celery.conf.beat_schedule.values()}
    assert {"pledges.send_instalment_reminders", "pledges.send_overdue_digest", "ledger.verify"} <= schedule
    assert celery.tasks["ledger.verify"].delay().get() == []


@pytest.mark.celery_worker
def test_a_real_worker_runs_a_task_inside_the_app_context(app, session, celery_worker):
    from tests.factories import make_campaign, province, receive

    campaign = make_campaign(session, province(session))
    receive(session, campaign, 1_000_000, receiving=province(session))
    result = app.extensions["celery"].tasks["ledger.verify"].delay()
    assert result.get(timeout=30) == []
