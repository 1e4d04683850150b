"""The durable task outbox (app.core.outbox): tasks are committed with the business change, published after the
commit, kept when the broker is down and sent by the sweep when it is back — never lost, never sent twice."""

from __future__ import annotations

import os
import threading
import time
import warnings
from datetime import UTC, datetime

import pytest
from celery import shared_task
from sqlalchemy import func, select

from app.certificates.models import Certificate
from app.contributions.models import Channel
from app.contributions.services import NewContribution, record_contribution
from app.core import mail, outbox
from app.core.outbox import TaskOutbox
from app.extensions import db
from app.pledges.models import Pledge
from tests.conftest import post_form
from tests.factories import KHANH_SON, SYSTEM, make_campaign, make_donor, province, unit

DEAD_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there, like Redis being down


@pytest.fixture
def broker(app):  # type: ignore[no-untyped-def]
    """Switch the app's Celery between a broker that is down and eager mode (the broker back, tasks inline)."""
    celery = app.extensions["celery"]

    class Switch:
        def down(self) -> None:
            celery.conf.update(
                broker_url=DEAD_BROKER,
                task_always_eager=False,
                task_eager_propagates=False,
                broker_connection_timeout=1,
                broker_connection_max_retries=1,
                task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
            )

        def back(self) -> None:
            celery.conf.update(task_always_eager=True, task_eager_propagates=True, broker_url="memory://")

    switch = Switch()
    yield switch
    switch.back()


def _pending(session) -> list[TaskOutbox]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return (
        session.execute(select(TaskOutbox).where(TaskOutbox.dispatched_at.is_(None)).order_by(TaskOutbox.id))
        .scalars()
        .all()
    )


def _pledge(client, session, name: str = "Hộ bà Hộp Thư Bền") -> Pledge:  # type: ignore[no-untyped-def]
    kh, ks = province(session), unit(session, KHANH_SON)
    make_campaign(session, kh)
    session.commit()
    resp = post_form(
        client,
        "/ung-ho",
        {
            "donor_kind": "household",
            "name": name,
            "province_id": str(kh.id),
            "commune_id": str(ks.id),
            "phone": "0905123456",
            "email": "hopthu@example.vn",
            "kind": "money",
            "amount": "2.000.000",
            "purpose": "housing",
            "earmark": "anywhere",
            "schedule": "now",
            "payment_method": "cash",
            "display": "full_name",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    session.expire_all()
    return session.execute(
        select(Pledge).where(Pledge.reference == resp.headers["Location"].rsplit("/", 1)[-1])
    ).scalar_one()


def _confirmations(pledge: Pledge) -> int:
    return sum(m["Subject"] == f"Xác nhận đăng ký ủng hộ số {pledge.reference}" for m in mail.OUTBOX)


def test_with_the_broker_up_the_confirmation_goes_right_after_the_commit_and_nothing_waits(client, session):
    pledge = _pledge(client, session)
    assert _confirmations(pledge) == 1
    assert _pending(session) == []


def test_a_pledge_made_while_the_broker_is_down_is_kept_and_its_mail_goes_once_when_the_sweep_runs(
    app, client, session, broker
):
    broker.down()
    pledge = _pledge(client, session)
    assert mail.OUTBOX == []
    waiting = _pending(session)
    assert {r.task_name for r in waiting} == {"pledges.send_confirmation", "pledges.notify_staff_new_pledge"}
    assert waiting[0].attempts == 1 and "OperationalError" in (waiting[0].last_error or "")

    runner = app.test_cli_runner()
    assert runner.invoke(args=["tasks", "pending"]).output == "Còn chờ 2 việc.\n"
    still_down = runner.invoke(args=["tasks", "flush-outbox"])
    assert (
        still_down.exit_code == 1
        and "Đã gửi 0 việc" in still_down.output
        and "còn chờ 2 việc" in still_down.output
    )

    broker.back()
    result = runner.invoke(args=["tasks", "flush-outbox"])
    assert result.exit_code == 0, result.output
    assert "Đã gửi 2 việc" in result.output and "còn chờ 0 việc" in result.output
    assert _confirmations(pledge) == 1
    assert "Đã gửi 0 việc" in runner.invoke(args=["tasks", "flush-outbox"]).output

    # A task delivered a second time (a worker lost before its acknowledgement) sends nothing more.
    app.extensions["celery"].tasks["pledges.send_confirmation"].apply(args=[pledge.id])
    assert _confirmations(pledge) == 1


@pytest.mark.app_config(CERTIFICATES_AUTO_ACKNOWLEDGE=True)
def test_money_rolled_back_leaves_no_task_and_money_committed_gets_its_letter(session):
    campaign = make_campaign(session, province(session))
    donor = make_donor(session, "Công ty Cổ phần Hộp Thư")
    session.commit()

    def gift(amount: int):  # type: ignore[no-untyped-def]
        return record_contribution(
            session,
            SYSTEM,
            campaign,
            NewContribution(
                amount_vnd=amount,
                channel=Channel.BANK_TRANSFER,
                donor=donor,
                received_at=datetime.now(UTC),
                receiving_unit_id=province(session).id,
            ),
        )

    gift(1_000_000)
    session.rollback()
    assert session.execute(select(TaskOutbox)).scalars().all() == []
    assert session.query(Certificate).count() == 0

    kept = gift(3_000_000)
    session.commit()
    rows = session.execute(select(TaskOutbox)).scalars().all()
    assert [(r.task_name, r.kwargs, r.dispatched_at is not None) for r in rows] == [
        ("certificates.acknowledge", {"contribution_id": kept.id}, True)
    ]
    assert session.query(Certificate).filter_by(contribution_id=kept.id).count() == 1


def test_the_same_dedupe_key_is_queued_once_and_never_breaks_the_transaction(session, broker):
    broker.down()
    first = outbox.enqueue(
        session, "pledges.send_confirmation", 424242, dedupe_key="pledges.send_confirmation:424242"
    )
    session.commit()
    again = outbox.enqueue(
        session, "pledges.send_confirmation", 424242, dedupe_key="pledges.send_confirmation:424242"
    )
    session.commit()
    assert first is not None and again is None
    assert [r.id for r in _pending(session)] == [first]


def test_the_beat_sweep_sends_what_waits_and_forgets_rows_sent_long_ago(app, session, broker):
    from datetime import timedelta

    from app.core.tasks import flush_outbox

    broker.down()
    waiting = outbox.enqueue(session, "pledges.send_confirmation", 515151)
    session.commit()
    broker.back()
    old_sent = outbox.enqueue(session, "pledges.send_confirmation", 525252)
    session.commit()
    session.get(TaskOutbox, old_sent).dispatched_at -= timedelta(days=31)
    session.get(TaskOutbox, waiting).created_at -= timedelta(minutes=2)
    session.commit()

    assert flush_outbox.apply().get() == {
        "sent": 1,
        "failed": 0,
        "left": 0,
        "broker_down": False,
        "pruned": 1,
    }
    session.expire_all()
    assert session.get(TaskOutbox, old_sent) is None
    assert session.get(TaskOutbox, waiting).dispatched_at is not None


# --- two sweepers at once (PostgreSQL: FOR UPDATE SKIP LOCKED) ------------------------------------------------
CALLS: list[int] = []
CALLS_LOCK = threading.Lock()


@shared_task(name="tests.outbox.count_call")
def count_call(n: int, pause: float = 0) -> None:
    """Deliberately not idempotent: it counts every run, so a row sent twice shows."""
    time.sleep(pause)  # a little work, so that two sweepers overlap
    with CALLS_LOCK:
        CALLS.append(n)


def test_a_commit_that_queued_more_than_one_round_publishes_every_task_once(session):
    CALLS.clear()
    outbox.enqueue_many(session, "tests.outbox.count_call", [([n], {}, None) for n in range(1201)])
    session.commit()
    assert sorted(CALLS) == list(range(1201))
    assert _pending(session) == []


@pytest.fixture
def celery_join_flag_restored():  # type: ignore[no-untyped-def]
    """Celery keeps "inside a task" in one process-wide flag that each eager apply_async sets and restores; two
    threads running eager tasks at once can leave it set, and every later EagerResult.get() in this process would
    refuse to run. Put it back as it was."""
    from celery._state import _set_task_join_will_block, task_join_will_block

    before = task_join_will_block()
    yield
    _set_task_join_will_block(before)


@pytest.mark.postgres
def test_two_sweepers_at_once_send_every_pending_task_exactly_once(
    app, session, broker, celery_join_flag_restored
):
    broker.down()
    outbox.enqueue_many(
        session, "tests.outbox.count_call", [([n], {"pause": 0.005}, None) for n in range(60)]
    )
    session.commit()
    assert len(_pending(session)) == 60
    broker.back()
    CALLS.clear()
    start = threading.Barrier(2)
    results: list[outbox.FlushResult] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(outbox.flush_pending(db.session, older_than=None, limit=5))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(CALLS) == list(range(60))  # each once
    assert sum(r.sent for r in results) == 60
    assert _pending(session) == []


@pytest.mark.postgres
def test_the_after_commit_publication_and_the_sweep_at_once_send_every_task_exactly_once(
    app, session, broker, celery_join_flag_restored
):
    """The after-commit publication claims its rows with one UPDATE (no SELECT first); a sweep running at the
    same moment over the same rows (the publication was late, or the broker came back) skips what it holds and
    what it sent: nothing goes twice, nothing is left."""
    broker.down()
    ids = outbox.enqueue_many(
        session, "tests.outbox.count_call", [([n], {"pause": 0.005}, None) for n in range(60)]
    )
    session.commit()
    assert len(_pending(session)) == 60
    broker.back()
    CALLS.clear()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(publish) -> None:  # type: ignore[no-untyped-def]
        try:
            with app.app_context():
                start.wait()
                publish()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(lambda: outbox._publish_ids(db.engine, ids),)),
        threading.Thread(
            target=run, args=(lambda: outbox.flush_pending(db.session, older_than=None, limit=5),)
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(CALLS) == list(range(60))  # each once
    assert _pending(session) == []


# --- OUTBOX_PUBLISHER = "thread": one publishing thread per process, batches (production, the load run) --------
THREAD_MODE = pytest.mark.app_config(OUTBOX_PUBLISHER="thread")


@THREAD_MODE
def test_in_thread_mode_the_confirmation_goes_once_from_the_publishing_thread(app, client, session):
    pledge = _pledge(client, session)
    assert outbox.publisher(app).wait_idle()
    assert _confirmations(pledge) == 1
    assert _pending(session) == []
    rows = session.execute(select(TaskOutbox)).scalars().all()
    # The confirmation task tells the donor through app.notifications: its e-mail is a task of its own.
    assert {r.task_name for r in rows} == {
        "pledges.send_confirmation",
        "pledges.notify_staff_new_pledge",
        "notifications.deliver",
    }
    assert all(r.dispatched_at is not None and r.attempts == 0 for r in rows)


@THREAD_MODE
def test_in_thread_mode_a_pledge_made_while_the_broker_is_down_waits_and_the_sweep_sends_its_mail_once(
    app, client, session, broker, celery_join_flag_restored
):
    # The sweep runs the confirmation eagerly here while the publisher thread runs the e-mail it queued
    # (app.notifications): two threads in eager tasks at once (see celery_join_flag_restored).
    broker.down()
    pledge = _pledge(client, session)  # the request answers with its redirect: it never waits on the broker
    assert outbox.publisher(app).wait_idle(30)
    assert mail.OUTBOX == []
    waiting = _pending(session)
    assert {r.task_name for r in waiting} == {"pledges.send_confirmation", "pledges.notify_staff_new_pledge"}
    # The first failure stops the batch (one connection timeout, not one per row): the rest is left untried.
    assert [r.attempts for r in waiting] == [1, 0]
    assert "OperationalError" in (waiting[0].last_error or "")

    broker.back()
    assert outbox.flush_pending(session, older_than=None).as_dict() == {
        "sent": 2,
        "failed": 0,
        "left": 0,
        "broker_down": False,
    }
    assert outbox.publisher(
        app
    ).wait_idle()  # the confirmation's e-mail (app.notifications) goes from the thread
    assert _confirmations(pledge) == 1
    assert _pending(session) == []
    assert outbox.flush_pending(session, older_than=None).sent == 0
    assert _confirmations(pledge) == 1


@THREAD_MODE
def test_in_thread_mode_many_commits_from_many_threads_are_published_once_each_in_batches(app, session):
    from sqlalchemy import event

    from tests.conftest import race

    CALLS.clear()
    threads, commits_each = 6, 8
    publisher_selects: list[str] = []

    def count_publisher_selects(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        sql = statement.lstrip()
        if threading.current_thread().name == "outbox-publisher" and (
            (sql.startswith("SELECT") and "FROM task_outbox" in sql)  # SQLite: read the batch, mark it after
            or (
                sql.startswith("UPDATE task_outbox") and "RETURNING" in sql
            )  # PostgreSQL: claim it in one UPDATE
        ):
            publisher_selects.append(statement)

    def commit_several(i: int) -> None:
        for k in range(commits_each):
            n = i * commits_each + k
            outbox.enqueue(db.session, "tests.outbox.count_call", n, pause=0.01, dedupe_key=f"count:{n}")
            db.session.commit()  # each commit hands its row to the one publishing thread

    event.listen(db.engine, "before_cursor_execute", count_publisher_selects)
    try:
        assert race(app, threads, commit_several) == (threads, 0, [])
        assert outbox.publisher(app).wait_idle(60)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_publisher_selects)
    total = threads * commits_each
    assert sorted(CALLS) == list(range(total))  # every task ran, each once
    assert _pending(session) == []
    assert session.execute(select(func.count()).select_from(TaskOutbox)).scalar_one() == total
    # Commits that arrived while a batch was being published went out together: fewer reads than commits.
    assert 1 <= len(publisher_selects) < total, len(publisher_selects)


@THREAD_MODE
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_in_thread_mode_a_forked_process_publishes_from_a_thread_of_its_own(app, session):
    """A gunicorn worker forked from a preloaded master inherits the master's publisher, but not its thread."""
    CALLS.clear()
    outbox.enqueue(session, "tests.outbox.count_call", 1)
    session.commit()  # the parent's publishing thread is started and sends it
    assert outbox.publisher(app).wait_idle() and CALLS == [1]

    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # "this process is multi-threaded, fork() may deadlock"
        pid = os.fork()
    if (
        pid == 0
    ):  # the child: queue a task, see it published by its own thread, report through the exit status
        code = 1
        try:
            db.engine.dispose(close=False)  # the parent's pooled connections are not ours to use
            child_row = outbox.enqueue(db.session, "tests.outbox.count_call", 2)
            db.session.commit()
            published = outbox.publisher(app).wait_idle(20)
            db.session.expire_all()
            code = (
                0
                if published and CALLS == [1, 2] and db.session.get(TaskOutbox, child_row).dispatched_at
                else 3
            )
        finally:
            os._exit(code)

    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked process hung: its rows went to a queue no thread reads")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert _pending(session) == []
    assert CALLS == [1]  # the parent sent only its own row; the child's was sent by the child
    outbox.enqueue(session, "tests.outbox.count_call", 3)
    session.commit()
    assert outbox.publisher(app).wait_idle() and CALLS == [1, 3]  # and the parent's thread still works


@THREAD_MODE
@pytest.mark.postgres
@pytest.mark.celery_worker
def test_in_thread_mode_a_real_worker_delivers_the_confirmation_once(app, client, session, celery_worker):
    pledge = _pledge(client, session)
    assert outbox.publisher(app).wait_idle(30)
    assert _pending(session) == []  # the broker (Redis) accepted both tasks
    deadline = time.monotonic() + 30
    while _confirmations(pledge) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a second delivery would show by now
    assert _confirmations(pledge) == 1
    session.expire_all()
    assert session.get(Pledge, pledge.id).confirmation_sent_at is not None


EXITS_RIGHT_AFTER_ITS_COMMIT = """
import sys
from app import create_app
from app.core import outbox
from app.extensions import db
app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1], OUTBOX_PUBLISHER="thread")
with app.app_context():
    print(outbox.enqueue(db.session, "ledger.verify"))
    db.session.commit()
"""


def test_in_thread_mode_a_process_that_exits_right_after_its_commit_still_sends_its_task(app, session):
    """A CLI command (or a worker restarted after max_requests) must not leave its last tasks to the sweep."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", EXITS_RIGHT_AFTER_ITS_COMMIT, app.config["SQLALCHEMY_DATABASE_URI"]],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "CHUNGTAY_ENV": "testing"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    row = session.get(TaskOutbox, int(done.stdout.split()[-1]))
    assert row.task_name == "ledger.verify" and row.dispatched_at is not None
