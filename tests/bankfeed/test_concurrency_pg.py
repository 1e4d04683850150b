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


def _waiting_on_a_lock(engine) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["task", "import"])
def test_a_statement_import_racing_the_recording_task_for_a_queued_credit_receives_it_once(
    first, feed_app, client, session, kh_setup
):
    """The feed queued a credit paying a pledge; the day's statement file (the same transfer, the pledge's
    reference in its memo, so the importer would record it too) is imported while bankfeed.record_pending
    records that credit. Whichever starts first holds its transaction open until the other is blocked on a row
    lock or done: the import locks the day's unrecorded feed rows (waiting for the task's batch, then reading it
    recorded), the task skips rows the import holds and, at the next sweep, takes the line's recording. The
    money is in the ledger once, and the line and the feed row are linked to the same contribution."""
    import time
    from datetime import date

    from app.bankfeed import services
    from app.bankfeed.models import FeedStatus
    from app.extensions import db
    from app.ledger.models import AccountKind, LedgerAccount
    from app.payments.importing import import_statement
    from app.payments.models import BankStatement, StatementLine
    from app.pledges.models import Pledge
    from tests.factories import SYSTEM
    from tests.payments.test_statements import stmt_from, vcb_csv

    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh_setup["province"])
    memo = f"NGUYEN VAN AN {pledge.reference} ung ho"
    celery = feed_app.extensions["celery"]
    celery.conf.task_always_eager = False
    feed_app.config["BANKFEED_RECORD_DELAY"] = 3600.0
    try:
        body = direct_body(2_000_000, memo, reference="5390.7001", when="2024-09-01T08:00:00+07:00")
        assert post_direct(client, body).status_code == 200
    finally:
        celery.conf.task_always_eager = True
    assert session.execute(select(BankFeedTransaction.status)).scalar_one() == FeedStatus.QUEUED
    data = vcb_csv([(date(2024, 9, 1), [("5390.7001", 2_000_000, memo)])], 100_000_000)
    statement_id = stmt_from(session, kh_setup["prov_acc"], data).id
    session.commit()

    first_done = threading.Event()
    second_done = threading.Event()
    roles = {0: first, 1: "import" if first == "task" else "task"}

    def do(role: str) -> None:
        if role == "task":
            services.record_pending(db.session)
        else:
            import_statement(db.session, SYSTEM, db.session.get_one(BankStatement, statement_id))

    def act(i: int) -> None:
        if i == 0:
            do(roles[0])
            first_done.set()
            deadline = time.monotonic() + 30
            while not second_done.is_set() and time.monotonic() < deadline:
                if _waiting_on_a_lock(db.engine):
                    return  # commit now: the other one is blocked on this transaction's rows
                time.sleep(0.05)
        else:
            assert first_done.wait(30)
            try:
                do(roles[1])
            finally:
                second_done.set()

    ok, _refused, errors = race(feed_app, 2, act)
    assert errors == [] and ok == 2, errors
    # the minute's sweep: whatever the task skipped while the import held it
    services.record_pending(session)
    session.commit()
    session.expire_all()

    assert session.execute(select(Contribution.amount_vnd)).scalars().all() == [2_000_000]
    donations = session.execute(
        select(func.sum(LedgerAccount.balance_vnd)).where(LedgerAccount.kind == AccountKind.DONATIONS)
    ).scalar_one()
    assert donations == -2_000_000  # the ledger holds the money once
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    line = session.execute(select(StatementLine)).scalar_one()
    assert feed.status == FeedStatus.RECEIVED and feed.statement_line_id == line.id
    assert feed.contribution_id == line.contribution_id is not None
    paid = session.get_one(Pledge, pledge.id)
    assert paid.status.value == "fulfilled"
