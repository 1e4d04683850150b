"""Automatic lapsing: pledges still unpaid (or partly paid) PLEDGE_LAPSE_AFTER_DAYS after their last due date
become lapsed by the daily task, once; payments stay; the donor is told once; staff may reopen them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.contributions.models import Channel
from app.core import mail
from app.pledges import services, tasks
from app.pledges.models import Pledge, PledgeStatus
from tests.conftest import login, post_form
from tests.pledges.helpers import SYSTEM, make_pledge


def lapse_mails() -> list:
    return [m for m in mail.OUTBOX if m["Subject"].endswith("đã quá hạn")]


def _overdue(session, world, *, last_due_days_ago: int, amount: int = 6_000_000, **kw) -> Pledge:  # type: ignore[no-untyped-def]
    """A pledge in two instalments whose last one fell due that many days ago."""
    today, n = services.today_vn(), last_due_days_ago
    return make_pledge(
        session,
        world,
        amount=amount,
        days_ago=n + 31,
        instalments=[
            (today - timedelta(days=n + 30), amount // 3),
            (today - timedelta(days=n), amount - amount // 3),
        ],
        **kw,
    )


def _pay(session, pledge: Pledge, amount: int, key: str) -> None:  # type: ignore[no-untyped-def]
    services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=amount,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key=key,
    )
    session.commit()


def _status(session, pledge: Pledge) -> PledgeStatus:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Pledge, pledge.id).status


def test_overdue_pledges_lapse_once_keeping_their_payments(session, world):  # type: ignore[no-untyped-def]
    unpaid = _overdue(session, world, last_due_days_ago=61, email="chua.nop@example.vn")
    partly = _overdue(
        session, world, last_due_days_ago=90, email="nop.mot.phan@example.vn", name="Hộ bà Phần"
    )
    _pay(session, partly, 2_000_000, "partly-1")
    recent = _overdue(session, world, last_due_days_ago=59, email="con.han@example.vn", name="Hộ ông Mới")
    paid = _overdue(session, world, last_due_days_ago=100, email="da.nop@example.vn", name="Hộ ông Đủ")
    _pay(session, paid, 6_000_000, "paid-1")
    cancelled = _overdue(session, world, last_due_days_ago=100, email="huy@example.vn", name="Hộ ông Hủy")
    services.transition(session, SYSTEM, cancelled, PledgeStatus.CANCELLED, reason="Đổi kế hoạch")
    session.commit()
    mail.OUTBOX.clear()

    assert tasks.lapse_overdue_pledges.delay().get() == 2
    assert _status(session, unpaid) == PledgeStatus.LAPSED
    assert _status(session, partly) == PledgeStatus.LAPSED
    assert _status(session, recent) == PledgeStatus.PLEDGED
    assert _status(session, paid) == PledgeStatus.FULFILLED
    assert _status(session, cancelled) == PledgeStatus.CANCELLED
    # The partly paid pledge keeps its money; the reason says why and how much came in.
    assert services.amount_paid(session, partly.id) == 2_000_000
    lapsed = session.get(Pledge, partly.id)
    assert "quá 60 ngày sau hạn nộp cuối" in lapsed.close_reason and "2.000.000 ₫" in lapsed.close_reason
    entry = (
        session.execute(
            select(AuditEntry)
            .where(AuditEntry.action == "pledge.status", AuditEntry.entity_id == str(partly.id))
            .order_by(AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )
    assert entry.new_values["status"] == "lapsed" and entry.actor_label == "pledges.lapse_overdue_pledges"

    # Each donor is told once, in Vietnamese, with what was received.
    mails = {m["To"]: m for m in lapse_mails()}
    assert set(mails) == {"chua.nop@example.vn", "nop.mot.phan@example.vn"}
    body = mails["nop.mot.phan@example.vn"].get_content()
    assert partly.reference in body and "Quá hạn, không thực hiện" in body
    assert "Đã nhận: 2.000.000 ₫" in body and "Chưa nhận: 4.000.000 ₫" in body
    assert mails["nop.mot.phan@example.vn"]["Subject"] == f"Đăng ký ủng hộ {partly.reference} đã quá hạn"

    # The beat fires again, or a worker retries: nothing more happens.
    assert tasks.lapse_overdue_pledges.delay().get() == 0
    assert tasks.lapse_overdue_pledges.apply().get() == 0
    assert len(lapse_mails()) == 2
    assert (
        len(
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "pledge.status", AuditEntry.entity_id == str(unpaid.id)
                )
            )
            .scalars()
            .all()
        )
        == 1
    )


@pytest.mark.app_config(PLEDGE_LAPSE_AFTER_DAYS=20)
def test_the_grace_period_is_a_setting(session, world):  # type: ignore[no-untyped-def]
    pledge = _overdue(session, world, last_due_days_ago=30)
    assert tasks.lapse_overdue_pledges.delay().get() == 1
    assert _status(session, pledge) == PledgeStatus.LAPSED
    assert "quá 20 ngày" in session.get(Pledge, pledge.id).close_reason


def test_a_pledge_without_mail_address_lapses_silently(session, world):  # type: ignore[no-untyped-def]
    pledge = _overdue(session, world, last_due_days_ago=70, email="")
    mail.OUTBOX.clear()
    assert tasks.lapse_overdue_pledges.delay().get() == 1
    assert _status(session, pledge) == PledgeStatus.LAPSED
    assert lapse_mails() == []


def test_staff_reopening_gives_a_new_grace_period(client, session, world):  # type: ignore[no-untyped-def]
    pledge = _overdue(session, world, last_due_days_ago=65, email="mo.lai@example.vn")
    assert tasks.lapse_overdue_pledges.delay().get() == 1
    login(client, world["khanh_son_staff"].email)
    page = client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}")
    assert "Quá hạn, không thực hiện" in page.get_data(as_text=True)
    resp = post_form(
        client,
        f"/can-bo/dang-ky-ung-ho/{pledge.id}/trang-thai",
        {"target": "pledged"},
        page=f"/can-bo/dang-ky-ung-ho/{pledge.id}",
        follow_redirects=True,
    )
    assert "Đã đăng ký" in resp.get_data(as_text=True)
    assert _status(session, pledge) == PledgeStatus.PLEDGED
    mail.OUTBOX.clear()
    # The next nights do not undo the officer's decision …
    assert tasks.lapse_overdue_pledges.delay().get() == 0
    tomorrow = (services.today_vn() + timedelta(days=1)).isoformat()
    assert tasks.lapse_overdue_pledges.delay(today=tomorrow).get() == 0
    assert _status(session, pledge) == PledgeStatus.PLEDGED
    # … until a whole new grace period has passed unpaid: lapsed again, and this lapse is told once.
    later = (services.today_vn() + timedelta(days=61)).isoformat()
    assert tasks.lapse_overdue_pledges.delay(today=later).get() == 1
    assert tasks.lapse_overdue_pledges.delay(today=later).get() == 0
    assert _status(session, pledge) == PledgeStatus.LAPSED
    assert [m["To"] for m in lapse_mails()] == ["mo.lai@example.vn"]


def test_money_after_the_lapse_revives_the_pledge_for_good(session, world):  # type: ignore[no-untyped-def]
    pledge = _overdue(session, world, last_due_days_ago=80)
    assert tasks.lapse_overdue_pledges.delay().get() == 1
    _pay(session, session.get(Pledge, pledge.id), 1_000_000, "late-1")
    assert _status(session, pledge) == PledgeStatus.PARTLY_PAID
    assert tasks.lapse_overdue_pledges.delay().get() == 0
    assert _status(session, pledge) == PledgeStatus.PARTLY_PAID


def test_the_task_is_in_the_beat_schedule(app):  # type: ignore[no-untyped-def]
    celery = app.extensions["celery"]
    entry = next(
        e for e in celery.conf.beat_schedule.values() if e["task"] == "pledges.lapse_overdue_pledges"
    )
    assert entry["schedule"] is not None
    assert "pledges.lapse_overdue_pledges" in celery.tasks
