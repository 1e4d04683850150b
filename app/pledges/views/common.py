"""The pledges blueprint and what its pages share: the card switch and the unit lists of the forms (cached in
app.pledges.formcache)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    session,
)
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import can_access_unit_id
from app.accounts.models import Role, User
from app.contributions.models import Contribution
from app.core.cards import card_available
from app.extensions import db
from app.pledges.formcache import unit_lists
from app.pledges.models import (
    Pledge,
)
from app.pledges.references import normalize as normalize_reference

bp = Blueprint("pledges", __name__)


def card_enabled() -> bool:
    """Card payment is offered only when it really works (app.core.cards: the gateway on, configured, reachable)."""
    return card_available()


def communes_for(raw: str | None, fallback_id: int | None) -> list[tuple[int, str]]:
    pid = int(raw) if raw and str(raw).isdecimal() else fallback_id
    return unit_lists()[1].get(pid, []) if pid else []


def pledge_by_reference(reference: str) -> Pledge:
    ref = normalize_reference(reference)
    if not ref or len(ref) > 19:
        abort(404)
    pledge = db.session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one_or_none()
    if pledge is None:
        abort(404)
    return pledge


def is_owner(pledge: Pledge) -> bool:
    return bool(
        current_user.is_authenticated
        and current_user.role == Role.DONOR
        and current_user.donor_id == pledge.donor_id
    )


def staff_sees(pledge: Pledge) -> bool:
    if not (current_user.is_authenticated and current_user.is_staff):
        return False
    return can_access_unit_id(db.session, current_user, pledge.receiving_unit_id) or (
        pledge.earmark_unit_id is not None
        and can_access_unit_id(db.session, current_user, pledge.earmark_unit_id)
    )


def claimable(pledge: Pledge) -> bool:
    """An account may be made from a pledge when nobody uses this donor yet and the e-mail is the donor's."""
    if not pledge.contact_email:
        return False
    if db.session.execute(select(User.id).where(User.donor_id == pledge.donor_id)).first():
        return False
    donor_email = (pledge.donor.email or "").lower()
    return not donor_email or donor_email == pledge.contact_email.lower()


OWN_PLEDGES = "own_pledges"
OWN_PLEDGES_KEPT = 20


def remember_own(pledge_id: int) -> None:
    """This browser typed the pledge (or opened the signed link of its e-mail): it sees it as its donor."""
    own = [i for i in session.get(OWN_PLEDGES, []) if isinstance(i, int) and i != pledge_id]
    session[OWN_PLEDGES] = [*own[-(OWN_PLEDGES_KEPT - 1) :], pledge_id]


def holds_pledge(pledge: Pledge) -> bool:
    """The donor of this pledge: its browser, its signed link (remember_own) or a signed-in user of its donor."""
    return is_owner(pledge) or pledge.id in session.get(OWN_PLEDGES, [])


def receipt_facts(contribution: Contribution) -> dict[str, object]:
    """What the printed receipt says besides the row (issue 19.3): the amount in words, the place (the issuing
    committee's province or commune, as on its certificates), the date in the Vietnamese form and the signed
    verification address of its QR code."""
    from app.certificates.words import amount_in_words
    from app.papers.services import place_date, receipt_verify_url

    return {
        "amount_words": amount_in_words(contribution.amount_vnd),
        "place_date": place_date(db.session, contribution),
        # the signed verification address (app.papers): printed receipts before it linked to the statement entry
        "verify_url": receipt_verify_url(contribution),
    }
