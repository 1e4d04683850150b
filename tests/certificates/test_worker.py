"""A real Celery worker against Redis: a batch issued end to end, and a restart that re-delivers a chunk.

Needs TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/6); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app.certificates import services, tasks
from app.certificates.models import BatchStatus, Certificate, CertificateBatch, CertificateKind, IssuerLevel
from app.core import mail
from app.donors.models import DonorKind
from tests.factories import SYSTEM, make_donor

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip(
            "TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/6): no Redis for a real Celery worker"
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(
            f"Redis not reachable at {url} ({type(exc).__name__}): start redis-server or fix TEST_REDIS_URL"
        )
    return url


@pytest.fixture
def celery_app(app):  # type: ignore[no-untyped-def]
    url = _redis_url()
    celery = app.extensions["celery"]
    celery.conf.update(
        broker_url=url,
        result_backend=url,
        task_always_eager=False,
        task_eager_propagates=False,
        task_ignore_result=False,
        task_default_queue=f"test-certificates-{uuid.uuid4().hex[:8]}",
        broker_connection_retry_on_startup=False,
    )
    yield celery
    celery.conf.update(task_always_eager=True, task_eager_propagates=True)


def _batch(world, session, n: int) -> CertificateBatch:  # type: ignore[no-untyped-def]
    services.add_rule(
        session,
        SYSTEM,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=1_000_000,
        kind=CertificateKind.GIAY_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    for i in range(n):
        donor = make_donor(session, f"Công ty TNHH Thành Viên {i:03d}")
        donor.email = f"dn{i}@example.vn"
        world.receive(1_000_000 + i, donor=donor)
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    services.approve_batch(
        session,
        world.actor(world.approver),
        batch.id,
        decision_no="125/QĐ-MTTQ-BTT",
        decision_date=date(2026, 11, 18),
    )
    session.commit()
    return batch


def _wait_for(session, batch_id: int, status: BatchStatus, limit_s: float = 60) -> CertificateBatch:  # type: ignore[no-untyped-def]
    """Poll until the batch reaches `status` with every certificate e-mailed (or give up after limit_s)."""
    deadline = time.monotonic() + limit_s
    while True:
        session.commit()  # end the read transaction: see the worker's commits
        batch = session.get(CertificateBatch, batch_id, populate_existing=True)
        done = batch.status == status and (status != BatchStatus.ISSUED or batch.emailed_count == batch.total)
        if done or time.monotonic() > deadline:
            return batch
        time.sleep(0.2)


def _issued(session, batch_id: int) -> list[Certificate]:  # type: ignore[no-untyped-def]
    session.commit()
    return (
        session.execute(
            select(Certificate).where(Certificate.batch_id == batch_id).order_by(Certificate.serial)
        )
        .scalars()
        .all()
    )


def test_a_batch_is_issued_end_to_end_by_a_real_worker(world, session, celery_app, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    monkeypatch.setattr(tasks, "CHUNK_SIZE", 4)
    batch = _batch(world, session, 10)
    with start_worker(celery_app, pool="solo", perform_ping_check=False):
        result = tasks.issue_batch.delay(batch.id)
        assert result.get(timeout=60) == 3
        batch = _wait_for(session, batch.id, BatchStatus.ISSUED)
        # Each e-mail is a notifications.deliver task of its own (app.notifications), queued through the outbox
        # with the chunk and run by the same worker after it.
        deadline = time.monotonic() + 60
        while len(mail.OUTBOX) < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert (batch.status, batch.issued_count, batch.emailed_count) == (BatchStatus.ISSUED, 10, 10)
    certs = _issued(session, batch.id)
    assert [c.serial for c in certs] == [f"GK-56-2026-{n:06d}" for n in range(1, 11)]
    assert all(services.verify_code(session, c.code).valid for c in certs)
    assert len(mail.OUTBOX) == 10


def test_worker_restart_redelivers_a_chunk_without_issuing_twice(world, session, celery_app, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    monkeypatch.setattr(tasks, "CHUNK_SIZE", 5)
    batch = _batch(world, session, 20)
    pending = services.pending_candidate_ids(session, batch.id)
    chunks = [pending[i : i + 5] for i in range(0, 20, 5)]
    # First worker: processes half the batch (two chunks), then stops.
    with start_worker(celery_app, pool="solo", perform_ping_check=False):
        for chunk in chunks[:2]:
            assert tasks.issue_chunk.delay(batch.id, chunk).get(timeout=60) == 5
    assert len(_issued(session, batch.id)) == 10
    batch = _wait_for(session, batch.id, BatchStatus.ISSUING, 0)
    assert batch.status == BatchStatus.ISSUING and batch.issued_count == 10
    # The broker re-delivers the chunk the stopped worker had committed but (as far as Redis knows) not acked,
    # and staff press "resume": a second worker finishes the batch.
    with start_worker(celery_app, pool="solo", perform_ping_check=False):
        assert tasks.issue_chunk.delay(batch.id, chunks[1]).get(timeout=60) == 0
        assert tasks.issue_batch.delay(batch.id).get(timeout=60) == 2  # only the two chunks not yet issued
        batch = _wait_for(session, batch.id, BatchStatus.ISSUED)
        assert tasks.issue_chunk.delay(batch.id, chunks[0]).get(timeout=60) == 0
    certs = _issued(session, batch.id)
    assert batch.status == BatchStatus.ISSUED and batch.issued_count == 20
    assert len({c.donor_id for c in certs}) == 20 == len(certs)
    assert [c.serial for c in certs] == [f"GK-56-2026-{n:06d}" for n in range(1, 21)]  # no gaps, no doubles
    assert session.execute(select(func.count()).select_from(Certificate)).scalar_one() == 20
    assert len(mail.OUTBOX) == 20 and len({m["To"] for m in mail.OUTBOX}) == 20
