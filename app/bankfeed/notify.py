"""The donor's e-mail when a bank feed credit pays their pledge: the amount and time received, then what the
pledge's confirmation mail shows (paid, outstanding, instalments: app.pledges.notify.payment_facts)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.contributions.models import Contribution
from app.core.mail import Mail
from app.core.money import format_vnd
from app.pledges.models import Pledge
from app.pledges.notify import external_url, payment_facts


def payment_received_mail(session: Session, contribution_id: int, to: str) -> Mail | None:
    """The e-mail of a credit that paid a pledge (app.notifications sends it, event "money_received")."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or contribution.pledge_id is None:
        return None
    pledge = session.get(Pledge, contribution.pledge_id)
    if pledge is None:
        return None
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        body = render_template(
            "bankfeed/mail/payment_received.txt",
            contribution=contribution,
            link=external_url("pledges.confirmation", reference=pledge.reference),
            **payment_facts(session, pledge),
        )
    subject = _(
        "Đã nhận %(amount)s cho đăng ký ủng hộ %(reference)s",
        amount=format_vnd(contribution.amount_vnd),
        reference=pledge.reference,
    )
    return Mail(to=[to], subject=subject, body=body)
