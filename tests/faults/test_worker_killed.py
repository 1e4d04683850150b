"""Fault (a): the Celery worker SIGKILLed in the middle of a certificate batch → after a restart the batch
completes and no certificate is issued twice.

A real `celery worker` process (prefork, concurrency 1) on a private redis-server, the same PostgreSQL database
as the test. The batch (40 certificates in chunks of 5, acks_late + reject_on_worker_lost) is started; when some
but not all certificates are issued, the whole worker process group is killed with SIGKILL (no shutdown, no ack);
a new worker is started and must finish: the batch ISSUED, 40 certificates, one per donor, serials 1..40 with no
gap and no double, every one e-mailed. The broker's visibility timeout is 5 s here (1 hour by default), so that
the unacknowledged chunk comes back within the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.certificates import tasks
from app.certificates.models import BatchStatus, Certificate, CertificateBatch
from tests.certificates.conftest import world  # noqa: F401 - fixture
from tests.certificates.test_worker import _batch

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from app import create_app
from config import CONFIGS
url, broker, queue = sys.argv[1:4]
celery_conf = {**CONFIGS["testing"].CELERY, "broker_url": broker, "result_backend": None, "task_always_eager": False,
               "task_eager_propagates": False, "task_default_queue": queue,
               "broker_transport_options": {"visibility_timeout": 5}}
app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, CELERY=celery_conf)
from app.certificates import tasks
tasks.CHUNK_SIZE = 5
app.extensions["celery"].worker_main(["worker", "--pool=prefork", "--concurrency=1", "--loglevel=WARNING",
                                      "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"])
"""


def _start_worker(url: str, broker: str, queue: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "CHUNGTAY_ENV": "testing", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, broker, queue],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _state(session, batch_id: int) -> tuple[BatchStatus, int, int]:  # type: ignore[no-untyped-def]
    session.commit()
    issued = session.execute(
        select(func.count(Certificate.id)).where(Certificate.batch_id == batch_id)
    ).scalar_one()
    mailed = session.execute(
        select(func.count(Certificate.id)).where(
            Certificate.batch_id == batch_id, Certificate.emailed_at.is_not(None)
        )
    ).scalar_one()
    return session.get(CertificateBatch, batch_id, populate_existing=True).status, issued, mailed


def test_worker_killed_mid_batch_then_restarted_issues_every_certificate_once(
    app,
    session,
    world,  # noqa: F811 - the fixture imported above
    own_redis,
    monkeypatch,
    tmp_path,
):
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 5)
    batch = _batch(world, session, 40)
    queue = f"faults-certificates-{uuid.uuid4().hex[:8]}"
    celery = app.extensions["celery"]
    celery.conf.update(broker_url=own_redis.url, task_always_eager=False, task_default_queue=queue)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path / "worker.log"
    try:
        tasks.issue_batch.delay(batch.id)
        first = _start_worker(url, own_redis.url, queue, log)
        deadline, killed_at = time.monotonic() + 180, None
        while time.monotonic() < deadline:
            _, issued, _ = _state(session, batch.id)
            if 0 < issued < 40:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(10)
                killed_at = issued
                break
            time.sleep(0.05)
        assert killed_at is not None, f"the worker was not caught mid-batch: {log.read_text()[-2000:]}"
        assert _state(session, batch.id)[0] == BatchStatus.ISSUING

        second = _start_worker(url, own_redis.url, queue, log)
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                status, issued, mailed = _state(session, batch.id)
                if status == BatchStatus.ISSUED and mailed == 40:
                    break
                time.sleep(0.5)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(30)
    finally:
        celery.conf.update(task_always_eager=True, broker_url="memory://")
    status, issued, mailed = _state(session, batch.id)
    assert (status, issued, mailed) == (BatchStatus.ISSUED, 40, 40), log.read_text()[-2000:]
    certs = (
        session.execute(
            select(Certificate).where(Certificate.batch_id == batch.id).order_by(Certificate.serial)
        )
        .scalars()
        .all()
    )
    assert len({c.donor_id for c in certs}) == 40  # one certificate per donor: none issued twice
    assert [c.serial for c in certs] == [f"GK-56-2026-{n:06d}" for n in range(1, 41)]  # no gap, no double
    print(f"killed after {killed_at} of 40 certificates; the restarted worker finished the batch")
