"""The e-mail of each event, built at delivery by the package that owns it (one text per event, no copy here),
with the opt-out line and the one-click unsubscribe headers (RFC 2369 List-Unsubscribe, RFC 8058
List-Unsubscribe-Post) added."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy.orm import Session

from app.core.i18n import in_language
from app.core.mail import Mail, send_mail
from app.notifications.models import Event, Notification


def build(session: Session, n: Notification) -> Mail | None:
    """The event's e-mail to n.address in the recipient's language, or None when the record it speaks of is gone."""
    with in_language(n.language):
        return _build(session, n)


def _build(session: Session, n: Notification) -> Mail | None:
    to = n.address
    if n.event == Event.PLEDGE_RECORDED:
        from app.pledges.models import Pledge
        from app.pledges.notify import confirmation_mail

        pledge = session.get(Pledge, n.subject_id)
        return confirmation_mail(session, pledge, to) if pledge is not None else None
    if n.event == Event.MONEY_RECEIVED:
        from app.bankfeed.notify import payment_received_mail

        return payment_received_mail(session, n.subject_id, to)
    if n.event == Event.INSTALMENT_DUE:
        from app.pledges import services
        from app.pledges.models import PledgeInstalment
        from app.pledges.notify import reminder_mail

        inst = session.get(PledgeInstalment, n.subject_id)
        if inst is None:
            return None
        state = next(
            s for s in services.instalment_states(session, inst.pledge) if s.instalment.id == inst.id
        )
        return reminder_mail(session, inst.pledge, state, to)
    if n.event == Event.CERTIFICATE_ISSUED:
        from app.certificates.models import Certificate
        from app.certificates.services import certificate_mail

        cert = session.get(Certificate, n.subject_id)
        return certificate_mail(session, cert, to) if cert is not None else None
    if n.event == Event.HOUSE_HANDED_OVER:
        from app.needs.notify import handed_over_mail

        return handed_over_mail(session, n.subject_id, to)
    return None


def send_email(session: Session, n: Notification, opt_out: str) -> bool:
    from app.notifications.services import OPT_OUT_MAIL

    mail = build(session, n)
    if mail is None:
        return False
    with in_language(n.language):
        footer = gettext(OPT_OUT_MAIL, link=opt_out)
    mail.body = "\n".join([mail.body.rstrip("\n"), "", "--", footer, ""])
    mail.headers["List-Unsubscribe"] = f"<{opt_out}>"
    mail.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    send_mail(mail)
    return True
