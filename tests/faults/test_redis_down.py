"""Fault (c): Redis down → pledging and card payments still work, nothing is lost, queued work runs when it returns.

A private redis-server on port 5119 (FAULT_REDIS_PORT; never the shared one) is the Celery broker; the test kills
it (SIGKILL), submits a pledge through the real form and pays it by a signed Stripe webhook, restarts Redis, starts
a real Celery worker and runs the outbox sweep (`flask tasks flush-outbox`, what the core.flush_outbox beat task
does every minute). What is checked: the pledge and the payment are saved and in the ledger while Redis is down,
their tasks wait in the outbox, and once Redis is back the pledge's confirmation e-mail and the thank-you letter
(Celery tasks) are each sent exactly once, even when the sweep runs again.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.core import mail, outbox
from app.ledger import services as ledger
from app.pledges.models import Pledge
from tests.conftest import post_form
from tests.factories import KHANH_SON, make_campaign, province, unit
from tests.faults.conftest import REDIS_PORT
from tests.payments.conftest import (  # noqa: F401 - fixtures
    event,
    fake_stripe,
    post_event,
    session_obj,
    stripe_app,
)

pytestmark = pytest.mark.slow
BROKER = f"redis://127.0.0.1:{REDIS_PORT}/0"


def _pledge_form(kh, ks, name: str) -> dict:  # type: ignore[no-untyped-def]
    return {
        "donor_kind": "household",
        "name": name,
        "province_id": str(kh.id),
        "commune_id": str(ks.id),
        "phone": "0905123456",
        "email": "ketoan@hoasen.vn",
        "kind": "money",
        "amount": "25.000.000",
        "purpose": "housing",
        "earmark": "anywhere",
        "schedule": "now",
        "payment_method": "bank_transfer",
        "display": "full_name",
    }


@pytest.fixture
def broker_app(app, own_redis):  # type: ignore[no-untyped-def]
    celery = app.extensions["celery"]
    celery.conf.update(
        broker_url=BROKER,
        result_backend=None,
        task_always_eager=False,
        task_eager_propagates=False,
        task_ignore_result=True,
        broker_connection_timeout=1,
        broker_connection_max_retries=1,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
    )
    yield app
    celery.conf.update(task_always_eager=True, task_eager_propagates=True, broker_url="memory://")


@pytest.mark.app_config(CERTIFICATES_AUTO_ACKNOWLEDGE=True)
def test_pledge_and_card_payment_while_redis_is_down_and_the_mails_go_once_when_it_returns(
    client,
    session,
    stripe_app,  # noqa: F811 - the fixture imported above
    broker_app,
    own_redis,
):
    from celery.contrib.testing.worker import start_worker

    kh, ks = province(session), unit(session, KHANH_SON)
    campaign = make_campaign(session, kh)
    session.commit()
    before = ledger.totals(session, campaign.fund_id).received_vnd

    own_redis.kill()
    resp = post_form(client, "/ung-ho", _pledge_form(kh, ks, "Hộ ông Hoa Sen Khi Redis Tắt"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    session.expire_all()
    pledge = session.execute(
        select(Pledge).where(Pledge.reference == resp.headers["Location"].rsplit("/", 1)[-1])
    ).scalar_one()
    paid = event(
        "checkout.session.completed", session_obj("cs_redis_down", pledge, 25_000_000, pi="pi_redis_down")
    )
    assert post_event(client, paid).status_code == 200
    session.expire_all()
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == 25_000_000
    assert mail.OUTBOX == []  # nothing could be sent while the broker was down
    waiting = (
        session.execute(select(outbox.TaskOutbox.task_name).where(outbox.TaskOutbox.dispatched_at.is_(None)))
        .scalars()
        .all()
    )
    assert sorted(waiting) == [
        "certificates.acknowledge",
        "pledges.send_confirmation",
    ]  # no staff notice for a card

    own_redis.start()
    celery = broker_app.extensions["celery"]
    runner = broker_app.test_cli_runner()
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = runner.invoke(args=["tasks", "flush-outbox"])
        assert result.exit_code == 0, result.output
        assert "Đã gửi 2 việc" in result.output and "còn chờ 0 việc" in result.output
        deadline = time.monotonic() + 30
        while len(mail.OUTBOX) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        again = runner.invoke(args=["tasks", "flush-outbox"])  # a second sweep finds nothing left to send
        assert "Đã gửi 0 việc" in again.output, again.output
    subjects = sorted(m["Subject"] for m in mail.OUTBOX)
    assert len(subjects) == 2, subjects  # each mail exactly once
    assert subjects[0].startswith("Thư cảm ơn – ")  # the thank-you letter of the payment
    assert subjects[1] == f"Xác nhận đăng ký ủng hộ số {pledge.reference}"
    assert [m["To"] for m in mail.OUTBOX] == ["ketoan@hoasen.vn", "ketoan@hoasen.vn"]


@pytest.mark.app_config(RATELIMIT_STORAGE_URI=BROKER)
def test_the_pledge_form_works_when_the_rate_limiter_storage_redis_is_down(client, session, own_redis):
    """Production keeps the rate-limit counters in Redis (RATELIMIT_STORAGE_URI = REDIS_URL)."""
    kh, ks = province(session), unit(session, KHANH_SON)
    make_campaign(session, kh)
    session.commit()
    own_redis.kill()
    resp = post_form(client, "/ung-ho", _pledge_form(kh, ks, "Hộ bà Giới Hạn Khi Redis Tắt"))
    assert resp.status_code == 302, f"{resp.status_code}: {resp.get_data(as_text=True)[:300]}"
    session.expire_all()
    assert session.execute(select(Pledge)).scalar_one().amount_vnd == 25_000_000
