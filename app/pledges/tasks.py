"""Celery tasks for pledges (ids in, never objects). Each commits its own work."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.core import transaction
from app.core.db import rowcount, utcnow
from app.extensions import db
from app.pledges import notify, services
from app.pledges.models import OFFLINE_METHODS, Pledge


def pledge_recorded(session: Session, pledge: Pledge) -> bool:
    from app.core.money import format_vnd
    from app.notifications.models import Event
    from app.notifications.services import Context
    from app.notifications.services import notify as notify_donor

    values = {"reference": pledge.reference, "amount": format_vnd(pledge.amount_vnd)}
    ctx = Context("pledge", pledge.id, values, email=pledge.contact_email, language=pledge.language)
    return bool(notify_donor(session, pledge.donor, Event.PLEDGE_RECORDED, ctx))


def instalment_due(session: Session, pledge: Pledge, state: services.InstalmentState) -> bool:
    from app.core.i18n import format_date_vn
    from app.core.money import format_vnd
    from app.notifications.models import Event
    from app.notifications.services import Context
    from app.notifications.services import notify as notify_donor

    inst = state.instalment
    values = {
        "seq": inst.seq,
        "reference": pledge.reference,
        "amount": format_vnd(state.outstanding_vnd),
        "due": format_date_vn(inst.due_on),
    }
    ctx = Context("instalment", inst.id, values, email=pledge.contact_email, language=pledge.language)
    return bool(notify_donor(session, pledge.donor, Event.INSTALMENT_DUE, ctx))


def _claim(pledge_id: int, column) -> Pledge | None:  # type: ignore[no-untyped-def]
    """Mark the mail as sent and commit before sending it: a task delivered twice (the outbox re-publishing, a
    worker lost before its ack) finds the mark and sends nothing. At most once: a mail server failure after the
    mark is logged, not retried."""
    claimed = rowcount(
        db.session.execute(
            update(Pledge).where(Pledge.id == pledge_id, column.is_(None)).values({column.key: utcnow()})
        )
    )
    transaction.checkpoint()
    return db.session.get(Pledge, pledge_id) if claimed else None


@shared_task(name="pledges.send_confirmation", acks_late=True, reject_on_worker_lost=True)
def send_confirmation(pledge_id: int) -> bool:
    """The donor hears that the pledge was recorded, on the channels they chose (app.notifications): the
    confirmation e-mail to the contact typed with the pledge, an SMS to the donor's phone."""
    pledge = _claim(pledge_id, Pledge.confirmation_sent_at)
    return bool(pledge and pledge_recorded(db.session, pledge))


@shared_task(name="pledges.ask_business", acks_late=True, reject_on_worker_lost=True)
def ask_business(pledge_id: int) -> int:
    """A pledge names a business on file by its tax code: its verified users are asked to confirm (19.1)."""
    pledge = db.session.get(Pledge, pledge_id)
    return notify.ask_business(db.session, pledge) if pledge is not None else 0


@shared_task(name="pledges.notify_staff_new_pledge", acks_late=True, reject_on_worker_lost=True)
def notify_staff_new_pledge(pledge_id: int) -> int:
    """Staff hear of pledges that will be paid offline (cash at the office, goods)."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or pledge.payment_method not in OFFLINE_METHODS:
        return 0
    pledge = _claim(pledge_id, Pledge.staff_notified_at)
    return notify.notify_staff_offline(db.session, pledge) if pledge else 0


@shared_task(name="pledges.send_instalment_reminders")
def send_instalment_reminders(days: int = services.REMINDER_DAYS, today: str | None = None) -> int:
    """Remind donors of instalments due in the next `days` days on their channels (app.notifications); each
    instalment is reminded once (the mark is committed with the messages, so a retried or concurrent run never
    reminds it twice)."""
    day = date.fromisoformat(today) if today else None
    claimed = services.instalment_reminders(db.session, days=days, today=day)
    for pledge, state in claimed:
        instalment_due(db.session, pledge, state)
    return len(claimed)


@shared_task(name="pledges.send_overdue_digest")
def send_overdue_digest(today: str | None = None) -> int:
    """Weekly: each commune and province officer gets the overdue pledges of their own area."""

    day = date.fromisoformat(today) if today else services.today_vn()
    staff = (
        db.session.execute(
            select(User)
            .where(
                User.role.in_([Role.COMMUNE_STAFF, Role.PROVINCE_STAFF]),
                User.is_active_account.is_(True),
                User.unit_id.is_not(None),
            )
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    sent = 0
    for user in staff:
        pledges = services.overdue_pledges_for(db.session, user, today=day, limit=500)
        if pledges:
            notify.send_digest(db.session, user, pledges, day)
            sent += 1
    return sent


@shared_task(name="pledges.lapse_overdue_pledges")
def lapse_overdue_pledges(today: str | None = None, after_days: int | None = None, chunk: int = 200) -> int:
    """Daily: pledges still unpaid or partly paid PLEDGE_LAPSE_AFTER_DAYS days after their last due date become
    lapsed (payments kept, staff may reopen them); each donor is told once. Idempotent: a second run finds
    nothing to do. Returns the number of pledges lapsed."""
    from flask import current_app

    day = date.fromisoformat(today) if today else services.today_vn()
    days = current_app.config["PLEDGE_LAPSE_AFTER_DAYS"] if after_days is None else after_days
    ids = services.lapse_candidates(db.session, after_days=days, today=day)
    db.session.rollback()  # the listing holds no lock; each chunk locks its own rows
    lapsed = 0
    for start in range(0, len(ids), chunk):
        lapsed += len(
            services.lapse_overdue(db.session, ids[start : start + chunk], after_days=days, today=day)
        )
        transaction.checkpoint()
    while True:  # tell the donors, each once (the mark is committed before the mail goes)
        claimed = services.claim_lapse_notices(db.session)
        transaction.checkpoint()
        if not claimed:
            break
        for pledge in claimed:
            notify.send_lapsed(db.session, pledge, after_days=days)
    return lapsed
