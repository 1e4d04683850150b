"""Monthly gifts: start (a pledge of twelve monthly instalments), pause, resume, stop. Every status change of the
pledge goes through app.pledges.services (insert_pledge, edit_pledge, transition)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.accounts.access import unit_scope_clause
from app.accounts.models import User
from app.audit.services import record
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import fold, sql_fold
from app.core.transaction import DomainError
from app.donors.models import Donor
from app.pledges.models import Pledge, PledgeSchedule, PledgeStatus
from app.pledges.services import (
    MAX_INSTALMENTS,
    MIN_PLEDGE_VND,
    InstalmentInput,
    PledgeInput,
    campaign_for,
    edit_pledge,
    insert_pledge,
    instalment_states,
    transition,
)
from app.recurring.models import GiftState, MonthlyGift

MONTHS = MAX_INSTALMENTS  # a year of months: the pledge's longest instalment plan
STOP_REASON = "Nhà tài trợ dừng ủng hộ hằng tháng."


class GiftError(DomainError):
    """A refused monthly gift action; the message is Vietnamese and names the field."""


def monthly_dates(day: int, count: int, *, after: date) -> list[date]:
    """`count` dates on `day` of consecutive months, the first strictly after `after`."""
    year, month = after.year, after.month
    if after.day >= day:
        month += 1
    out = []
    for _ in range(count):
        if month > 12:
            year, month = year + 1, month - 12
        out.append(date(year, month, day))
        month += 1
    return out


def start(session: Session, actor: Actor, donor: Donor, *, monthly_vnd: int, day: int) -> MonthlyGift:
    if monthly_vnd < MIN_PLEDGE_VND:
        raise GiftError(
            N_("Số tiền mỗi tháng: tối thiểu %(amount)s.", amount=format_vnd(MIN_PLEDGE_VND)),
            field="monthly",
        )
    if not 1 <= day <= 28:
        raise GiftError(N_("Ngày chuyển hằng tháng: từ 1 đến 28."), field="day")
    campaign = campaign_for(session)
    if campaign is None:
        raise GiftError(N_("Hiện chưa có cuộc vận động nào đang diễn ra."))
    dates = monthly_dates(day, MONTHS, after=today_vn())
    ref = insert_pledge(
        session,
        actor,
        campaign,
        donor,
        PledgeInput(
            amount_vnd=monthly_vnd * MONTHS,
            schedule=PledgeSchedule.INSTALMENTS,
            instalments=[InstalmentInput(d, monthly_vnd) for d in dates],
            contact_email=donor.email,
            note=f"Ủng hộ hằng tháng {format_vnd(monthly_vnd)}, ngày {day} mỗi tháng.",
        ),
    )
    gift = MonthlyGift(
        donor_id=donor.id,
        pledge_id=ref.id,
        monthly_vnd=monthly_vnd,
        day_of_month=day,
        created_by_id=actor.user_id,
    )
    session.add(gift)
    session.flush()
    record(
        session,
        actor,
        "monthly_gift.start",
        "monthly_gift",
        gift.id,
        new={"pledge_id": ref.id, "reference": ref.reference, "monthly_vnd": monthly_vnd, "day": day},
        unit_id=ref.receiving_unit_id,
    )
    return gift


def _change(gift: MonthlyGift, old: GiftState) -> dict[str, Any]:
    """The audit entry's values for a state change (the action is written at each call, for tests/audit)."""
    return {
        "old": {"state": old},
        "new": {"state": gift.state, "reference": gift.pledge.reference},
        "unit_id": gift.pledge.receiving_unit_id,
    }


def pause(session: Session, actor: Actor, gift: MonthlyGift) -> None:
    """No reminder and no lapse while paused; money that still arrives with the reference is received as ever."""
    if gift.state != GiftState.ACTIVE:
        raise GiftError(
            N_("Ủng hộ hằng tháng đang “%(state_label)s”: không tạm dừng được.", state_label=gift.state_label)
        )
    gift.pledge.reminders_paused_at = utcnow()
    session.flush()
    record(session, actor, "monthly_gift.pause", "monthly_gift", gift.id, **_change(gift, GiftState.ACTIVE))


def resume(session: Session, actor: Actor, gift: MonthlyGift) -> None:
    """The months still unpaid are asked again from the next `day` on (the skipped months are not asked late):
    the pledge's instalments re-dated through edit_pledge (audited, amount unchanged)."""
    if gift.state != GiftState.PAUSED:
        raise GiftError(
            N_("Ủng hộ hằng tháng đang “%(state_label)s”: không tiếp tục được.", state_label=gift.state_label)
        )
    pledge = gift.pledge
    states = instalment_states(session, pledge)
    settled = [s for s in states if s.outstanding_vnd == 0]
    waiting = [s for s in states if s.outstanding_vnd > 0]
    last_settled = max((s.instalment.due_on for s in settled), default=today_vn())
    dates = monthly_dates(gift.day_of_month, len(waiting), after=max(today_vn(), last_settled))
    instalments = [InstalmentInput(s.instalment.due_on, s.instalment.amount_vnd) for s in settled] + [
        InstalmentInput(d, s.instalment.amount_vnd) for d, s in zip(dates, waiting, strict=True)
    ]
    pledge.reminders_paused_at = None
    edit_pledge(
        session,
        actor,
        pledge,
        amount_vnd=pledge.amount_vnd,
        schedule=pledge.schedule,
        instalments=instalments,
    )
    record(session, actor, "monthly_gift.resume", "monthly_gift", gift.id, **_change(gift, GiftState.PAUSED))


def stop(session: Session, actor: Actor, gift: MonthlyGift) -> None:
    """The pledge is cancelled (the pledge state machine): no more reminders; what was received stays received."""
    old = gift.state
    if old not in (GiftState.ACTIVE, GiftState.PAUSED):
        raise GiftError(
            N_("Ủng hộ hằng tháng đang “%(state_label)s”: không dừng được.", state_label=gift.state_label)
        )
    gift.pledge.reminders_paused_at = None
    transition(session, actor, gift.pledge, PledgeStatus.CANCELLED, reason=STOP_REASON)
    record(session, actor, "monthly_gift.stop", "monthly_gift", gift.id, **_change(gift, old))


def of_donor(session: Session, donor_id: int) -> list[MonthlyGift]:
    return list(
        session.execute(
            select(MonthlyGift)
            .join(Pledge, Pledge.id == MonthlyGift.pledge_id)
            .where(MonthlyGift.donor_id == donor_id)
            .order_by(MonthlyGift.id.desc())
        ).scalars()
    )


def gift_of_donor(session: Session, donor_id: int, gift_id: int) -> MonthlyGift | None:
    gift = session.get(MonthlyGift, gift_id)
    return gift if gift is not None and gift.donor_id == donor_id else None


# ----------------------------------------------------------------------------------------- staff list
STAFF_PAGE = 50


def staff_list(session: Session, user: User, *, q: str = "", page: int = 1) -> tuple[list[MonthlyGift], int]:
    """Staff: the monthly gifts received in their area (by the pledge's receiving unit; a province sees its
    communes'), newest first, STAFF_PAGE a page; `q` finds the donor, with or without diacritics, or the pledge
    reference."""
    stmt = (
        select(MonthlyGift)
        .join(Pledge, Pledge.id == MonthlyGift.pledge_id)
        .join(Donor, Donor.id == MonthlyGift.donor_id)
        .where(unit_scope_clause(user, Pledge.receiving_unit_id))
    )
    if q.strip():
        stmt = stmt.where(
            or_(sql_fold(Donor.name).like(f"%{fold(q)}%"), Pledge.reference == q.strip().upper())
        )
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.options(joinedload(MonthlyGift.pledge).joinedload(Pledge.donor))
        .order_by(MonthlyGift.id.desc())
        .limit(STAFF_PAGE)
        .offset((max(page, 1) - 1) * STAFF_PAGE)
    )
    return list(rows.scalars()), total
