"""Pledge lifecycle and staff edits: pledged → partly paid → fulfilled, cancelled, lapsed; edits stay consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.contributions.models import Channel
from app.pledges import services
from app.pledges.models import PledgeSchedule, PledgeStatus
from tests.pledges.helpers import SYSTEM, make_pledge


def pay(session, pledge, amount, key):  # type: ignore[no-untyped-def]
    out = services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=amount,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key=key,
    )
    session.commit()
    return out


def test_status_follows_the_money(session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=6_000_000)
    assert pledge.status == PledgeStatus.PLEDGED
    pay(session, pledge, 2_000_000, "a")
    assert pledge.status == PledgeStatus.PARTLY_PAID
    pay(session, pledge, 2_000_000, "a")  # the same payment delivered twice counts once
    assert services.amount_paid(session, pledge.id) == 2_000_000
    pay(session, pledge, 5_000_000, "b")  # 1.000.000 too much: kept as an unrestricted gift
    assert pledge.status == PledgeStatus.FULFILLED
    assert services.amount_paid(session, pledge.id) == 6_000_000
    assert services.outstanding(session, pledge) == 0


def test_illegal_transitions_are_named(session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=1_000_000)
    with pytest.raises(services.IllegalTransition):
        services.transition(session, SYSTEM, pledge, PledgeStatus.FULFILLED)
    with pytest.raises(services.IllegalTransition):
        services.transition(session, SYSTEM, pledge, PledgeStatus.PARTLY_PAID)
    with pytest.raises(services.PledgeError, match="Lý do: chưa nhập."):
        services.transition(session, SYSTEM, pledge, PledgeStatus.CANCELLED)
    services.transition(session, SYSTEM, pledge, PledgeStatus.CANCELLED, reason="Doanh nghiệp đổi kế hoạch")
    assert pledge.status == PledgeStatus.CANCELLED and pledge.closed_at is not None
    with pytest.raises(services.IllegalTransition, match="Đã hủy"):
        services.transition(session, SYSTEM, pledge, PledgeStatus.LAPSED, reason="x")
    services.transition(session, SYSTEM, pledge, PledgeStatus.PLEDGED)  # reopened
    assert pledge.status == PledgeStatus.PLEDGED and pledge.closed_at is None
    pay(session, pledge, 1_000_000, "full")
    with pytest.raises(services.IllegalTransition):
        services.transition(session, SYSTEM, pledge, PledgeStatus.CANCELLED, reason="muộn")
    actions = [
        a.action
        for a in session.execute(
            select(AuditEntry).where(AuditEntry.entity_id == str(pledge.id)).order_by(AuditEntry.id)
        ).scalars()
    ]
    assert actions.count("pledge.status") >= 3


def test_reopened_pledge_keeps_what_was_paid(session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=4_000_000)
    pay(session, pledge, 1_000_000, "p1")
    services.transition(session, SYSTEM, pledge, PledgeStatus.LAPSED, reason="Quá hạn 3 tháng")
    services.transition(session, SYSTEM, pledge, PledgeStatus.PLEDGED)
    assert pledge.status == PledgeStatus.PARTLY_PAID


def test_edit_below_paid_refused(session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=10_000_000)
    pay(session, pledge, 4_000_000, "p")
    with pytest.raises(services.BelowPaidError, match="thấp hơn số đã nhận 4.000.000 ₫"):
        services.edit_pledge(session, SYSTEM, pledge, amount_vnd=3_000_000, schedule=PledgeSchedule.NOW)
    session.rollback()
    assert pledge.amount_vnd == 10_000_000
    services.edit_pledge(session, SYSTEM, pledge, amount_vnd=4_000_000, schedule=PledgeSchedule.NOW)
    session.commit()
    assert pledge.status == PledgeStatus.FULFILLED  # reduced to exactly what came in
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "pledge.edit")).scalar_one()
    assert entry.old_values["amount_vnd"] == 10_000_000 and entry.new_values["amount_vnd"] == 4_000_000


def test_edit_schedule_keeps_instalments_summing(session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    d1, d2, d3 = (today + timedelta(days=n) for n in (2, 32, 62))
    pledge = make_pledge(session, world, amount=6_000_000, instalments=[(d1, 3_000_000), (d2, 3_000_000)])
    pledge.instalments[0].reminder_sent_at = datetime.now(UTC)
    session.commit()
    with pytest.raises(services.InstalmentMismatch, match="chưa bằng"):
        services.edit_pledge(
            session,
            SYSTEM,
            pledge,
            amount_vnd=9_000_000,
            schedule=PledgeSchedule.INSTALMENTS,
            instalments=[services.InstalmentInput(d1, 3_000_000), services.InstalmentInput(d2, 3_000_000)],
        )
    session.rollback()
    services.edit_pledge(
        session,
        SYSTEM,
        pledge,
        amount_vnd=9_000_000,
        schedule=PledgeSchedule.INSTALMENTS,
        instalments=[
            services.InstalmentInput(d1, 3_000_000),
            services.InstalmentInput(d2, 3_000_000),
            services.InstalmentInput(d3, 3_000_000),
        ],
    )
    session.commit()
    assert sum(i.amount_vnd for i in pledge.instalments) == pledge.amount_vnd == 9_000_000
    assert pledge.instalments[0].reminder_sent_at is not None  # the reminded instalment is not reminded again
    assert pledge.instalments[2].reminder_sent_at is None


def test_payments_settle_instalments_in_date_order(session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    pledge = make_pledge(
        session,
        world,
        amount=6_000_000,
        days_ago=30,
        instalments=[
            (today - timedelta(days=10), 2_000_000),
            (today + timedelta(days=20), 2_000_000),
            (today + timedelta(days=50), 2_000_000),
        ],
    )
    assert services.overdue_amount(session, pledge) == 2_000_000
    pay(session, pledge, 3_000_000, "x")
    states = services.instalment_states(session, pledge)
    assert [(s.paid_vnd, s.outstanding_vnd, s.overdue) for s in states] == [
        (2_000_000, 0, False),
        (1_000_000, 1_000_000, False),
        (0, 2_000_000, False),
    ]
    assert services.overdue_amount(session, pledge) == 0


def test_staff_edit_page_refuses_below_paid(client, session, world):  # type: ignore[no-untyped-def]
    from tests.conftest import login, post_form

    pledge = make_pledge(session, world, amount=10_000_000)
    pay(session, pledge, 4_000_000, "p")
    login(client, world["khanh_son_staff"].email)
    url = f"/can-bo/dang-ky-ung-ho/{pledge.id}/sua"
    resp = post_form(client, url, {"amount": "3.000.000", "schedule": "now"})
    assert resp.status_code == 422
    assert "không thể giảm xuống 3.000.000 ₫, thấp hơn số đã nhận 4.000.000 ₫" in resp.get_data(as_text=True)
    session.expire_all()
    assert pledge.amount_vnd == 10_000_000
    resp = post_form(client, url, {"amount": "12.000.000", "schedule": "now"})
    assert resp.status_code == 302
    session.expire_all()
    assert pledge.amount_vnd == 12_000_000
