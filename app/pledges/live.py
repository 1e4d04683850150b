"""What the donor's open pages show live (issue 17.2's donor side): money received against a pledge and the last
payment, "Đã nhận 10.000.000 ₫ lúc 14:02", polled by app/static/js/live.js without a reload."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.contributions.models import Contribution, ContributionStatus
from app.core.i18n import VN_TZ
from app.core.money import format_vnd
from app.pledges import services
from app.pledges.models import Pledge


def last_payment(session: Session, pledge_ids: list[int]) -> Contribution | None:
    if not pledge_ids:
        return None
    return session.execute(
        select(Contribution)
        .where(Contribution.pledge_id.in_(pledge_ids), Contribution.status == ContributionStatus.RECORDED)
        .order_by(Contribution.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def payment_sentence(c: Contribution) -> str:
    at = c.received_at.astimezone(VN_TZ) if c.received_at.tzinfo else c.received_at
    return _(
        "Đã nhận %(amount)s lúc %(time)s ngày %(day)s",
        amount=format_vnd(c.amount_vnd),
        time=at.strftime("%H:%M"),
        day=at.strftime("%d/%m/%Y"),
    )


def pledge_status(session: Session, pledge: Pledge) -> dict[str, Any]:
    paid = services.amount_paid(session, pledge.id)
    last = last_payment(session, [pledge.id])
    return {
        "reference": pledge.reference,
        "status": pledge.status.value,
        "status_label": _(pledge.status_label),
        "paid_vnd": paid,
        "paid": format_vnd(paid),
        "outstanding_vnd": max(0, pledge.amount_vnd - paid),
        "outstanding": format_vnd(max(0, pledge.amount_vnd - paid)),
        "last_id": last.id if last else 0,
        "last_payment": payment_sentence(last) if last else "",
    }
