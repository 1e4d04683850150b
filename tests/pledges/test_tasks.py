"""Celery tasks (run eagerly): instalment reminders are sent once; the weekly digest reaches the right staff."""

from __future__ import annotations

from datetime import timedelta

from app.core import mail
from app.pledges import services, tasks
from app.pledges.models import PledgeStatus
from tests.pledges.helpers import SYSTEM, make_pledge


def reminders():  # type: ignore[no-untyped-def]
    return [m for m in mail.OUTBOX if m["Subject"].startswith("Nhắc lịch nộp")]


def test_reminder_sent_once_per_instalment(session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    pledge = make_pledge(
        session,
        world,
        amount=6_000_000,
        email="ho.tam@example.vn",
        instalments=[(today + timedelta(days=3), 2_000_000), (today + timedelta(days=40), 4_000_000)],
    )
    mail.OUTBOX.clear()
    assert tasks.send_instalment_reminders.delay(days=7).get() == 1
    [msg] = reminders()
    assert msg["To"] == "ho.tam@example.vn"
    body = msg.get_content()
    assert pledge.reference in body and "2.000.000 ₫" in body and "58010000123456" in body
    # The beat fires again (or two workers run it): no second mail for the same instalment.
    assert tasks.send_instalment_reminders.delay(days=7).get() == 0
    assert tasks.send_instalment_reminders.apply(kwargs={"days": 7}).get() == 0
    assert len(reminders()) == 1
    # 40 days later the second instalment comes into the window and is reminded, once.
    later = (today + timedelta(days=36)).isoformat()
    assert tasks.send_instalment_reminders.delay(days=7, today=later).get() == 1
    assert tasks.send_instalment_reminders.delay(days=7, today=later).get() == 0
    assert len(reminders()) == 2


def test_no_reminder_for_paid_or_cancelled(session, world):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from app.contributions.models import Channel

    today = services.today_vn()
    paid = make_pledge(
        session,
        world,
        amount=2_000_000,
        instalments=[(today + timedelta(days=2), 1_000_000), (today + timedelta(days=30), 1_000_000)],
    )
    services.record_pledge_payment(
        session,
        SYSTEM,
        paid,
        amount_vnd=1_000_000,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
    )
    cancelled = make_pledge(
        session,
        world,
        amount=2_000_000,
        email="b@example.vn",
        instalments=[(today + timedelta(days=2), 1_000_000), (today + timedelta(days=30), 1_000_000)],
    )
    services.transition(session, SYSTEM, cancelled, PledgeStatus.CANCELLED, reason="thử")
    session.commit()
    mail.OUTBOX.clear()
    assert tasks.send_instalment_reminders.delay(days=7).get() == 0
    assert reminders() == []


def test_overdue_digest_goes_to_each_area(session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    late = make_pledge(
        session,
        world,
        amount=5_000_000,
        email="tre@example.vn",
        name="Hộ bà Trễ Hạn",
        days_ago=30,
        instalments=[(today - timedelta(days=8), 2_500_000), (today + timedelta(days=20), 2_500_000)],
    )
    make_pledge(
        session,
        world,
        amount=5_000_000,
        email="dung@example.vn",
        name="Hộ ông Đúng Hạn",
        instalments=[(today + timedelta(days=8), 2_500_000), (today + timedelta(days=20), 2_500_000)],
    )
    mail.OUTBOX.clear()
    sent = tasks.send_overdue_digest.delay().get()
    digests = {
        m["To"]: m.get_content() for m in mail.OUTBOX if m["Subject"].startswith("Đăng ký ủng hộ quá hạn")
    }
    assert sent == 2 == len(digests)  # Khánh Sơn's officer and the province's; not Cam Lâm's
    assert world["cam_lam_staff"].email not in digests
    body = digests[world["khanh_son_staff"].email]
    assert late.reference in body and "Hộ bà Trễ Hạn" in body and "2.500.000 ₫" in body
    assert "Đúng Hạn" not in body
    assert late.reference in digests[world["province_staff"].email]
