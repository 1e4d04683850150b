"""A feed notification that arrives after the bank's statement file of its day was imported (issue 17): it is the
same transfer as the statement's line, so it takes the line's recording instead of receiving the money a second
time, and the reconciliation page of the day shows no difference."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.accounts.models import Role
from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.contributions.models import Contribution
from app.payments.importing import import_statement
from app.payments.models import LineStatus, StatementLine
from app.pledges.models import Pledge
from tests.bankfeed.conftest import post_sepay, sepay_body
from tests.conftest import login
from tests.factories import SYSTEM, make_user
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import stmt_from, vcb_csv

DAY = date(2024, 9, 1)
WHEN = "2024-09-01 14:02:37"


def _import(session, acc, lines):  # type: ignore[no-untyped-def]
    stmt = stmt_from(session, acc, vcb_csv([(DAY, lines)], 100_000_000))
    import_statement(session, SYSTEM, stmt)
    session.commit()
    return {
        line.reference: line
        for line in session.execute(
            select(StatementLine).where(StatementLine.statement_id == stmt.id)
        ).scalars()
    }


def _money(session):  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count(Contribution.id), func.coalesce(func.sum(Contribution.amount_vnd), 0))
    ).one()


def _differences(client, session, kh_setup) -> int:  # type: ignore[no-untyped-def]
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    page = client.get(f"/can-bo/doi-soat/{kh_setup['prov_acc'].id}/{DAY.isoformat()}")
    assert page.status_code == 200
    return page.get_data(as_text=True).count('class="difference"')


def test_a_late_notification_with_the_statements_reference_is_not_received_again(
    feed_app, client, session, kh_setup
):
    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh_setup["province"])
    memo = f"NGUYEN VAN AN {pledge.reference} ung ho"
    lines = _import(session, kh_setup["prov_acc"], [("FT24245LATE1", 2_000_000, memo)])
    line = lines["FT24245LATE1"]
    assert line.status == LineStatus.MATCHED and line.contribution_id is not None
    assert tuple(_money(session)) == (1, 2_000_000)

    body = sepay_body(2_000_000, memo, reference="FT24245LATE1", when=WHEN)
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    assert tuple(_money(session)) == (1, 2_000_000)  # not doubled
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    assert feed.statement_line_id == line.id
    assert feed.contribution_id == line.contribution_id and feed.pledge_id == pledge.id
    assert feed.status == FeedStatus.RECEIVED
    paid = session.get(Pledge, pledge.id)
    assert paid is not None and paid.status.value == "fulfilled"
    assert post_sepay(client, body).status_code == 200  # SePay's retry: still once
    assert tuple(_money(session)) == (1, 2_000_000)
    assert _differences(client, session, kh_setup) == 0


def test_a_late_notification_under_another_reference_matches_by_amount_day_and_memo(
    feed_app, client, session, kh_setup
):
    """The feed's reference is not the statement's document number; the same amount, day and memo (the
    statement wrapped it onto a second row) is the same transfer. The line was recorded by its pledge reference."""
    pledge = make_pledge(session, kh_setup["campaign"], 1_500_000, receiving=kh_setup["province"])
    lines = _import(
        session,
        kh_setup["prov_acc"],
        [("5390.3001", 1_500_000, f"TRAN THI BINH {pledge.reference}|ung ho dong bao")],
    )
    line = lines["5390.3001"]
    assert line.contribution_id is not None
    body = sepay_body(
        1_500_000, f"TRAN THI BINH {pledge.reference} ung ho dong bao", reference="MBVCB.99001", when=WHEN
    )
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    assert tuple(_money(session)) == (1, 1_500_000)
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    assert feed.statement_line_id == line.id and feed.contribution_id == line.contribution_id
    assert _differences(client, session, kh_setup) == 0


def test_a_late_notification_of_a_line_waiting_in_the_review_queue_records_it_once(
    feed_app, client, session, kh_setup
):
    """A line without a pledge reference waits in the review queue, unrecorded; the feed's notification of it
    records the money (as the feed does) and the line takes that recording: it leaves the queue, so nobody can
    record it a second time."""
    lines = _import(session, kh_setup["prov_acc"], [("5390.4001", 700_000, "LE THI CUC ung ho nguoi ngheo")])
    line = lines["5390.4001"]
    assert line.status == LineStatus.UNMATCHED and line.contribution_id is None
    assert tuple(_money(session)) == (0, 0)
    body = sepay_body(700_000, "LE THI CUC ung ho nguoi ngheo", reference="FT24245Q01", when=WHEN)
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    assert tuple(_money(session)) == (1, 700_000)
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    line = session.get_one(StatementLine, line.id)
    assert feed.statement_line_id == line.id
    assert line.contribution_id == feed.contribution_id and line.status == LineStatus.RECEIPTED
    assert _differences(client, session, kh_setup) == 0
    queue = client.get("/can-bo/sao-ke/cho-xu-ly").get_data(as_text=True)
    assert "LE THI CUC" not in queue


def test_a_late_notification_of_another_transfer_is_received_and_both_are_differences(
    feed_app, client, session, kh_setup
):
    _import(session, kh_setup["prov_acc"], [("5390.5001", 900_000, "PHAM VAN DUNG ung ho")])
    body = sepay_body(800_000, "HOANG THI EM ung ho quy", reference="FT24245Q02", when=WHEN)
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    assert tuple(_money(session)) == (1, 800_000)
    assert session.execute(select(BankFeedTransaction.statement_line_id)).scalar_one() is None
    assert _differences(client, session, kh_setup) == 2


def _pending_twin_of_a_queued_line(client, session, kh_setup):  # type: ignore[no-untyped-def]
    """A line waiting in the review queue, and the feed's notification of the same transfer arriving while no
    campaign is active for the account's area: the credit is linked to the line and waits for staff."""
    from app.campaigns.models import CampaignStatus

    kh_setup["campaign"].status = CampaignStatus.CLOSED
    session.commit()
    lines = _import(session, kh_setup["prov_acc"], [("5390.6001", 600_000, "VO THI GIANG ung ho")])
    line = lines["5390.6001"]
    body = sepay_body(600_000, "VO THI GIANG ung ho", reference="FT24245R01", when=WHEN)
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    assert feed.status == FeedStatus.PENDING and feed.statement_line_id == line.id
    assert tuple(_money(session)) == (0, 0)
    kh_setup["campaign"].status = CampaignStatus.ACTIVE
    session.commit()
    return feed, line


def _staff_page(client, session, kh_setup) -> str:  # type: ignore[no-untyped-def]
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    return client.get("/can-bo/giao-dich-truc-tuyen?loai=cho-xu-ly").get_data(as_text=True)


def test_staff_retry_a_pending_credit_whose_statement_line_is_not_recorded(
    feed_app, client, session, kh_setup
):
    """The line of the same transfer waits unrecorded in the review queue: the money has not been received by
    either side, so staff's retry records it once and the line takes that recording (it leaves the queue)."""
    from tests.conftest import csrf_from

    feed, line = _pending_twin_of_a_queued_line(client, session, kh_setup)
    page = _staff_page(client, session, kh_setup)
    assert "Ghi nhận lại" in page
    resp = client.post(
        f"/can-bo/giao-dich-truc-tuyen/{feed.id}/ghi-nhan",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "Đã ghi nhận khoản tiền." in resp.get_data(as_text=True)
    session.expire_all()
    assert tuple(_money(session)) == (1, 600_000)
    feed = session.get_one(BankFeedTransaction, feed.id)
    line = session.get_one(StatementLine, line.id)
    assert feed.status == FeedStatus.RECEIVED
    assert line.status == LineStatus.RECEIPTED and line.contribution_id == feed.contribution_id
    assert "VO THI GIANG" not in client.get("/can-bo/sao-ke/cho-xu-ly").get_data(as_text=True)
    day = client.get(f"/can-bo/doi-soat/{kh_setup['prov_acc'].id}/{DAY.isoformat()}").get_data(as_text=True)
    assert 'class="difference"' not in day


def test_staff_retry_refused_once_the_statement_line_is_recorded(feed_app, client, session, kh_setup):
    """Staff recorded the line from the review queue meanwhile: the money is received; a retry of the feed's
    credit would receive it a second time, so the page offers none and the action is refused."""
    from app.payments.recording import receipt_lines
    from tests.conftest import csrf_from

    feed, line = _pending_twin_of_a_queued_line(client, session, kh_setup)
    receipt_lines(session, SYSTEM, {line.id: None}, {kh_setup["prov_acc"].id})
    session.commit()
    assert tuple(_money(session)) == (1, 600_000)
    page = _staff_page(client, session, kh_setup)
    assert "VO THI GIANG" in page and "Ghi nhận lại" not in page
    resp = client.post(
        f"/can-bo/giao-dich-truc-tuyen/{feed.id}/ghi-nhan",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "Đã ghi nhận khoản tiền." not in resp.get_data(as_text=True)
    session.expire_all()
    assert tuple(_money(session)) == (1, 600_000)
