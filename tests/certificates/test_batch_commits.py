"""A batch issued and mailed in one process (eager tasks, as bench_certificates measures it): telling each donor
is written in bulk and delivered in batches, so the commits do not grow by four per certificate (issue 19.6's
regression: the notification row, its outbox publication, the delivery's claim and its result, each committed).
A ceiling, so that a change adding a commit per certificate is seen here and not only in BENCHMARKS.md."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.certificates import tasks
from app.certificates.models import CertificateBatch
from app.core import mail
from app.notifications.models import Notification, Status
from tests.certificates.test_worker import _batch

N = 24


def test_a_batch_is_told_with_about_one_commit_per_certificate(world, session):  # type: ignore[no-untyped-def]
    batch = _batch(world, session, N)
    mail.OUTBOX.clear()
    commits: list[int] = []

    def count(_session) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        tasks.issue_batch.delay(batch.id)
    finally:
        event.remove(Session, "after_commit", count)
    session.expire_all()
    batch = session.get(CertificateBatch, batch.id)
    assert (batch.issued_count, batch.emailed_count) == (N, N)
    assert sorted(m["To"] for m in mail.OUTBOX) == sorted(f"dn{i}@example.vn" for i in range(N))
    statuses = session.execute(select(Notification.status)).scalars().all()
    assert statuses == [Status.SENT] * N
    # One commit per message sent (its outcome) plus a few per chunk and per delivery batch: 32 here on SQLite;
    # main before this change made 100 (about four per certificate).
    assert len(commits) <= N + 12, len(commits)
