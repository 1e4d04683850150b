"""Two beat runs of the lapsing task at once (PostgreSQL): each pledge is lapsed once, audited once, and its
donor gets one mail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core import mail
from app.extensions import db
from app.pledges import tasks
from app.pledges.models import Pledge, PledgeStatus
from tests.conftest import race
from tests.pledges.test_lapse import _overdue, lapse_mails

pytestmark = pytest.mark.postgres


def test_concurrent_runs_lapse_and_tell_each_pledge_once(app, session, world):  # type: ignore[no-untyped-def]
    ids = [
        _overdue(
            session, world, last_due_days_ago=70 + i, email=f"nha.tai.tro.{i}@example.vn", name=f"Hộ số {i}"
        ).id
        for i in range(6)
    ]
    session.remove()
    mail.OUTBOX.clear()
    counts: list[int] = []

    def run(i: int) -> None:
        counts.append(tasks.lapse_overdue_pledges(chunk=2))

    ok, _, errors = race(app, 4, run)
    assert errors == [] and ok == 4
    assert sum(counts) == 6
    statuses = db.session.execute(select(Pledge.status).where(Pledge.id.in_(ids))).scalars().all()
    assert set(statuses) == {PledgeStatus.LAPSED}
    audited = db.session.execute(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "pledge.status", AuditEntry.entity_id.in_([str(i) for i in ids]))
    ).scalar_one()
    assert audited == 6
    assert sorted(m["To"] for m in lapse_mails()) == sorted(f"nha.tai.tro.{i}@example.vn" for i in range(6))
