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
