"""Deliveries of one transfer racing each other on PostgreSQL (a provider's retry crossing the first delivery, two
providers notifying the same transfer): one feed row, one contribution, every delivery answered 200."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.bankfeed.models import BankFeedTransaction
from app.contributions.models import Contribution
from tests.bankfeed.conftest import direct_body, post_direct, post_sepay, sepay_body
from tests.conftest import race
from tests.payments.conftest import make_pledge


@pytest.mark.postgres
def test_concurrent_duplicate_deliveries_record_once(feed_app, session, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 3_000_000, receiving=kh_setup["province"])
    memo = f"UNG HO {pledge.reference}"
    same = sepay_body(3_000_000, memo, txn_id=424242, reference="FT26341777777")
    other_id = sepay_body(3_000_000, memo, txn_id=434343, reference="FT26341777777")
    direct = direct_body(3_000_000, memo, reference="FT26341777777")
    session.commit()
    clients = [feed_app.test_client() for _ in range(6)]
    answers: dict[int, int] = {}
    lock = threading.Lock()

    def deliver(i: int) -> None:
        if i < 3:
            resp = post_sepay(clients[i], same)
        elif i < 5:
            resp = post_sepay(clients[i], other_id)
        else:
            resp = post_direct(clients[i], direct)
        with lock:
            answers[i] = resp.status_code

    ok, refused, errors = race(feed_app, 6, deliver)
    assert errors == [], errors
    assert sorted(answers.values()) == [200] * 6
    session.expire_all()
    assert session.execute(select(func.count(BankFeedTransaction.id))).scalar_one() == 1
    amounts = session.execute(select(Contribution.amount_vnd)).scalars().all()
    assert amounts == [3_000_000]


@pytest.mark.postgres
def test_concurrent_recording_runs_share_the_queue_and_record_each_credit_once(
    feed_app, client, session, kh_setup
):
    """Two workers running bankfeed.record_pending at once (a kick and the minute's sweep): FOR UPDATE SKIP LOCKED
    gives each batch to one of them; every credit is recorded exactly once."""
    from app.bankfeed import services
    from app.bankfeed.models import FeedStatus
    from app.extensions import db

    celery = feed_app.extensions["celery"]
    celery.conf.task_always_eager = False
    feed_app.config["BANKFEED_RECORD_DELAY"] = 3600.0
    try:
        for i in range(40):
            assert post_direct(client, direct_body(10_000 + i, f"ung ho {i}")).status_code == 200
    finally:
        celery.conf.task_always_eager = True

    def drain(_: int) -> None:
        while services.record_pending(db.session, limit=5):
            db.session.commit()

    ok, _refused, errors = race(feed_app, 2, drain)
    assert errors == [] and ok == 2
    session.expire_all()
    statuses = session.execute(select(BankFeedTransaction.status)).scalars().all()
    assert statuses == [FeedStatus.RECEIVED] * 40
    amounts = sorted(session.execute(select(Contribution.amount_vnd)).scalars())
    assert amounts == [10_000 + i for i in range(40)]
