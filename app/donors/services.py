"""Who speaks for a business (issue 19.1): pledges that name a business on file by its tax code wait for the
business (or staff) to confirm them; staff verify a business record. Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.audit.services import record
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.text import fold, nfc, search_words
from app.core.transaction import DomainError
from app.donors.models import ANONYMOUS_NAME, Donor, PublicDisplay
from app.pledges.models import Pledge

MIN_REASON = 5


class DonorError(DomainError):
    """A refused donor action; the message is Vietnamese."""


def published_name(donor: Donor, contribution: Contribution) -> str:
    """The name a contribution of this donor is published under (anonymous gifts stay anonymous)."""
    if contribution.is_anonymous or donor.public_display == PublicDisplay.ANONYMOUS:
        return ANONYMOUS_NAME
    return donor.name


def rename_published(c: Contribution, name: str) -> None:
    """The one way a contribution's public name changes after it is recorded. Once its day is published (it has
    a salt), the salt is dropped and the commitment kept (verify_export.ROOT_FORMAT): the day still verifies and
    the old name cannot be tested against the commitment."""
    if name != c.public_name and c.name_salt is not None:
        c.name_salt = None
    c.public_name = name


def republish(session: Session, contributions: list[Contribution], donor: Donor) -> None:
    """Contributions now belonging to `donor`: its id, kind and the name they are published under (with the
    statement's search words). The ledger is not touched: its entries carry amounts and accounts, not donors."""
    for c in contributions:
        c.donor_id = donor.id
        c.donor_kind = donor.kind
        if not c.is_anonymous:
            rename_published(c, published_name(donor, c))
        c.search_key = " ".join(
            filter(
                None,
                [search_words(c.public_name), search_words(c.pledge_reference, c.bank_txn_ref, c.receipt_no)],
            )
        )
    session.flush()


def verified_contacts(session: Session, donor: Donor) -> list[str]:
    """Who may confirm pledges made in a business's name: the active users of a verified business record."""
    if donor.verified_at is None:
        return []
    return list(
        session.execute(
            select(User.email)
            .where(User.donor_id == donor.id, User.role == Role.DONOR, User.is_active_account.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def speaks_for(session: Session, user: User, donor_id: int | None) -> bool:
    """A signed-in user of the verified business record `donor_id`."""
    if donor_id is None or user.role != Role.DONOR or user.donor_id != donor_id:
        return False
    donor = session.get(Donor, donor_id)
    return donor is not None and donor.verified_at is not None


def _reason(reason: str) -> str:
    text = (nfc(reason) or "").strip()
    if len(text) < MIN_REASON:
        raise DonorError(N_("Lý do: cần nhập lý do (ít nhất 5 ký tự)."))
    return text[:2000]


def attach_pledge(session: Session, actor: Actor, pledge: Pledge, *, how: str, reason: str = "") -> None:
    """The business confirmed (how="business": one of its verified users, by the signed link or its dashboard)
    or staff verified (how="staff", with a reason) that a pledge naming it is its own: the pledge and the money
    received for it move to the business's record and are published under its name from now on. Audited."""
    if pledge.claimed_donor_id is None:
        raise DonorError(N_("Đăng ký này không chờ doanh nghiệp xác nhận."))
    if how == "staff":
        reason = _reason(reason)
    business = session.get_one(Donor, pledge.claimed_donor_id)
    old_donor = pledge.donor_id
    contributions = list(
        session.execute(select(Contribution).where(Contribution.pledge_id == pledge.id)).scalars()
    )
    republish(session, contributions, business)
    pledge.donor_id = business.id
    pledge.claimed_donor_id = None
    session.flush()
    record(
        session,
        actor,
        "pledge.attach",
        "pledge",
        pledge.id,
        old={"donor_id": old_donor},
        new={
            "donor_id": business.id,
            "how": how,
            "reason": reason,
            "contributions": [c.id for c in contributions],
        },
        unit_id=pledge.receiving_unit_id,
    )


def reject_claim(session: Session, actor: Actor, pledge: Pledge, *, how: str, reason: str = "") -> None:
    """The business (or staff) says the pledge is not its own: it stays under the name typed, for good."""
    if pledge.claimed_donor_id is None:
        raise DonorError(N_("Đăng ký này không chờ doanh nghiệp xác nhận."))
    if how == "staff":
        reason = _reason(reason)
    old = pledge.claimed_donor_id
    pledge.claimed_donor_id = None
    session.flush()
    record(
        session,
        actor,
        "pledge.claim_rejected",
        "pledge",
        pledge.id,
        old={"claimed_donor_id": old},
        new={"how": how, "reason": reason},
        unit_id=pledge.receiving_unit_id,
    )


def verify_business(session: Session, actor: Actor, donor: Donor, reason: str) -> None:
    """Staff checked the business (registration papers, a call to its published number): its users may now
    confirm pledges made in its name. With a reason, audited."""
    text = _reason(reason)
    if donor.verified_at is not None:
        raise DonorError(N_("Nhà tài trợ này đã được xác minh."))
    donor.verified_at = utcnow()
    session.flush()
    record(session, actor, "donor.verify", "donor", donor.id, new={"reason": text})


def pending_claims(session: Session, donor_id: int) -> list[Pledge]:
    return list(
        session.execute(
            select(Pledge).where(Pledge.claimed_donor_id == donor_id).order_by(Pledge.created_at, Pledge.id)
        ).scalars()
    )


def update_business(
    session: Session, actor: Actor, user: User, *, name: str, contact_person: str, phone: str, address: str
) -> Donor:
    """A verified business's users manage its name and contacts (issue 19.1). Audited."""
    if not speaks_for(session, user, user.donor_id):
        raise DonorError(N_("Chỉ người dùng của doanh nghiệp đã xác minh mới sửa được thông tin."))
    donor = session.get_one(Donor, user.donor_id)
    return correct_details(
        session, actor, donor, name=name, contact_person=contact_person, phone=phone, address=address
    )


def correct_details(
    session: Session, actor: Actor, donor: Donor, *, name: str, contact_person: str, phone: str, address: str
) -> Donor:
    """The donor's name and contacts corrected (a verified business's users, or a donor exercising the right to
    correct their data, app.privacy): the public list follows the name. Audited as donor.update. The caller
    checks who may do it."""
    new_name = (nfc(name) or "").strip()
    if not new_name:
        raise DonorError(N_("Tên nhà tài trợ: chưa nhập."))
    old = {
        "name": donor.name,
        "contact_person": donor.contact_person,
        "phone": donor.phone,
        "address": donor.address,
    }
    donor.name = new_name[:255]
    donor.contact_person = (nfc(contact_person) or "").strip()[:255]
    donor.phone = (phone or "").strip()[:20] or None
    donor.address = (nfc(address) or "").strip()[:500]
    session.flush()
    if old["name"] != donor.name:  # the public list follows the business's name
        contributions = list(
            session.execute(select(Contribution).where(Contribution.donor_id == donor.id)).scalars()
        )
        republish(session, contributions, donor)
    donor.search_key = " ".join(filter(None, [fold(donor.name), donor.tax_code or ""]))
    session.flush()
    record(
        session,
        actor,
        "donor.update",
        "donor",
        donor.id,
        old=old,
        new={
            "name": donor.name,
            "contact_person": donor.contact_person,
            "phone": donor.phone,
            "address": donor.address,
        },
    )
    return donor
