"""A house handed over: its funders are told (issue 19.6), by e-mail or SMS as each chose (app.notifications)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.i18n import format_date_vn
from app.core.mail import Mail
from app.core.web import public_url
from app.donors.models import Donor
from app.needs.models import HouseholdNeed, NeedStatus
from app.needs.tracing import funder_donor_ids


def handed_over_mail(session: Session, need_id: int, to: str) -> Mail | None:
    """The e-mail of a house handed over (app.notifications builds it in the recipient's language)."""
    need = session.get(HouseholdNeed, need_id)
    if need is None or need.handed_over_on is None:
        return None
    commune = need.commune.name
    body = "\n\n".join(
        [
            _("Kính gửi Quý vị,"),
            _(
                "Ngôi nhà Quý vị đã góp sức xây dựng cho hộ %(initials)s ở %(commune)s đã được bàn giao ngày "
                "%(on)s.",
                initials=need.head_initials,
                commune=commune,
                on=format_date_vn(need.handed_over_on),
            ),
            _("Ảnh và các giai đoạn của ngôi nhà:") + "\n" + public_url("needs.public_house", id=need.id),
            _("Trân trọng cảm ơn tấm lòng của Quý vị đối với người nghèo."),
        ]
    )
    subject = _("Ngôi nhà ở %(commune)s đã được bàn giao – Chung Tay", commune=commune)
    return Mail(to=[to], subject=subject, body=body + "\n")


def tell_funders(session: Session, need_id: int) -> int:
    """Write the message of every funder of a handed-over house (each once: notify() keeps one per address)."""
    from app.notifications.models import Event
    from app.notifications.services import Context, notify_many

    need = session.get(HouseholdNeed, need_id)
    if need is None or need.status != NeedStatus.HANDED_OVER or need.handed_over_on is None:
        return 0
    values = {"commune": need.commune.name, "on": format_date_vn(need.handed_over_on)}
    donors = session.execute(select(Donor).where(Donor.id.in_(funder_donor_ids(session, need_id)))).scalars()
    return len(
        notify_many(session, [(d, Event.HOUSE_HANDED_OVER, Context("need", need.id, values)) for d in donors])
    )
