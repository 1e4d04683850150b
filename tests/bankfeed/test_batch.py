"""The webhook stores a notification and answers at once; the task bankfeed.record_pending records what is queued,
a batch per receive() call (one ledger transaction per batch), a refused credit waits for staff with its reason
without holding the rest, and staff's retry button records it once the reason is gone.

With Celery eager (development, the other tests here) the task runs right after the webhook's commit; these tests
turn eager off, as in production, so the webhook's answer and the task's work are seen apart."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.bankfeed import tasks
from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.contributions.models import Contribution
from app.ledger.models import LedgerTransaction
from app.pledges.models import Pledge, PledgeStatus
from tests.bankfeed.conftest import PROV_ACCOUNT, direct_body, post_direct, post_sepay, sepay_body
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.payments.conftest import make_pledge


@pytest.fixture
def queued_app(feed_app):  # type: ignore[no-untyped-def]
    """Celery as in production: tasks go to the (in-memory) broker instead of running in the request."""
    celery = feed_app.extensions["celery"]
    celery.conf.task_always_eager = False
    # Coalescing: one publication per this many seconds per process; an hour, so that no test depends on time.
    feed_app.config["BANKFEED_RECORD_DELAY"] = 3600.0
    with celery.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield feed_app
    celery.conf.task_always_eager = True


def queued_messages(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["celery"].connection_for_write() as conn:
        return conn.default_channel.queue_declare("celery", passive=True).message_count


def rows(session) -> list[BankFeedTransaction]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.execute(select(BankFeedTransaction).order_by(BankFeedTransaction.id)).scalars())


def feed_receipts(session) -> list[LedgerTransaction]:  # type: ignore[no-untyped-def]
    return list(
        session.execute(
            select(LedgerTransaction).where(LedgerTransaction.source_id.like("bankfeed:%"))
        ).scalars()
    )


def test_webhook_answers_before_the_money_is_recorded_and_the_task_records_it(
    queued_app, client, session, kh_setup
):
    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh_setup["province"])
    session.commit()
    resp = post_direct(client, direct_body(2_000_000, f"UNG HO {pledge.reference}"))
    assert resp.status_code == 200 and resp.get_json()["success"] is True
    # A second notification within the coalescing delay publishes no second task (the first one, started after its
    # countdown, takes both rows).
    assert post_sepay(client, sepay_body(300_000, "ung ho")).status_code == 200
    assert queued_messages(queued_app) == 1
    assert [r.status for r in rows(session)] == [FeedStatus.QUEUED, FeedStatus.QUEUED]
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 0

    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    assert "Đang chờ ghi nhận" in client.get("/can-bo/giao-dich-truc-tuyen").get_data(as_text=True)

    assert tasks.record_pending.apply().get() == 2  # what the worker (or the minute's sweep) runs
    assert [r.status for r in rows(session)] == [FeedStatus.RECEIVED, FeedStatus.RECEIVED]
    amounts = sorted(session.execute(select(Contribution.amount_vnd)).scalars())
    assert amounts == [300_000, 2_000_000]
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    page = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "300.000" in page and "2.000.000" in page
    assert tasks.record_pending.apply().get() == 0  # nothing left, nothing twice
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 2


def test_a_batch_is_one_receive_call_and_one_ledger_transaction(queued_app, client, session, kh_setup):
    amounts = [100_000 + 1_000 * i for i in range(25)]  # past COPY_MIN_ROWS: the COPY path on PostgreSQL
    for i, amount in enumerate(amounts):
        assert post_direct(client, direct_body(amount, f"ung ho {i}")).status_code == 200
    assert post_direct(client, direct_body(55_000, "phi dich vu", direction="debit")).status_code == 200
    tasks.record_pending.apply()
    statuses = [r.status for r in rows(session)]
    assert statuses == [FeedStatus.RECEIVED] * 25 + [FeedStatus.DEBIT]
    assert sorted(session.execute(select(Contribution.amount_vnd)).scalars()) == amounts
    (tx,) = feed_receipts(session)  # one posting for the batch's campaign
    assert sum(leg.amount_vnd for leg in tx.postings if leg.amount_vnd > 0) == sum(amounts)


def test_a_refused_credit_waits_with_its_reason_and_does_not_hold_the_batch(
    queued_app, client, session, kh_setup
):
    for i in range(3):
        post_direct(client, direct_body(200_000, f"ung ho {i}"))
    # A row receive() refuses (an amount of 0 no provider sends: the adapters refuse it; written by hand here).
    bad = rows(session)[1]
    bad.amount_vnd = 0
    session.commit()
    tasks.record_pending.apply()
    got = rows(session)
    assert [r.status for r in got] == [FeedStatus.RECEIVED, FeedStatus.PENDING, FeedStatus.RECEIVED]
    assert "lớn hơn 0" in got[1].note
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 2


def test_staff_see_why_a_credit_waits_and_record_it_with_the_retry_button(
    queued_app, client, session, kh_setup
):
    from app.campaigns.models import CampaignStatus

    kh_setup["campaign"].status = CampaignStatus.CLOSED
    session.commit()
    post_direct(client, direct_body(400_000, "ung ho"))
    tasks.record_pending.apply()
    (row,) = rows(session)
    assert row.status == FeedStatus.PENDING

    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    page = client.get("/can-bo/giao-dich-truc-tuyen?loai=cho-xu-ly").get_data(as_text=True)
    assert "Chưa có cuộc vận động đang diễn ra" in page and "Ghi nhận lại" in page

    kh_setup["campaign"].status = CampaignStatus.ACTIVE
    session.commit()
    resp = client.post(
        f"/can-bo/giao-dich-truc-tuyen/{row.id}/ghi-nhan",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "Đã ghi nhận khoản tiền." in resp.get_data(as_text=True)
    (row,) = rows(session)
    assert row.status == FeedStatus.RECEIVED and row.note == ""
    assert session.execute(select(Contribution.amount_vnd)).scalars().all() == [400_000]
    # the sweep finds nothing more to do: the money is there once
    tasks.record_pending.apply()
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 1


def test_unknown_account_is_never_queued(queued_app, client, session, kh_setup):
    post_direct(client, direct_body(900_000, "ung ho", account="9999999999"))
    assert [r.status for r in rows(session)] == [FeedStatus.UNKNOWN_ACCOUNT]
    assert queued_messages(queued_app) == 0
    assert PROV_ACCOUNT != "9999999999"
