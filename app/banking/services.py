"""Which official account a donor is shown, and which unit owns it (whose books receive the money)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.access import unit_scope_clause
from app.banking.models import OfficialBankAccount
from app.units.models import AdminUnit

# What makes an account one donors are shown and money is booked to: approved by a second central admin
# (app.banking.changes) and not deactivated.
USABLE = (OfficialBankAccount.is_active.is_(True), OfficialBankAccount.approved.is_(True))

NO_ACCOUNT = (
    object()
)  # official_account_owner: no unit up the chain, nor the central committee, has an account


def unit_chain(session: Session, unit_id: int | None) -> list[int | None]:
    """The unit, its parents, then None (central)."""
    chain: list[int | None] = []
    unit = session.get(AdminUnit, unit_id) if unit_id else None
    while unit is not None:
        chain.append(unit.id)
        unit = unit.parent
    chain.append(None)
    return chain


def account_owner(session: Session, account_id: int) -> int | None:
    """The unit that owns an official account: bank money arriving in it is received by that unit, whatever the
    pledge its memo names (issue 15.3: never silently in another area's books)."""
    return session.execute(
        select(OfficialBankAccount.unit_id).where(OfficialBankAccount.id == account_id)
    ).scalar_one()


def official_account_owner(session: Session, unit_id: int | None) -> int | None | object:
    """The unit whose active official account official_accounts_for() shows first (None: central), in one query
    of ids (a pledge records it); NO_ACCOUNT when no unit up the chain has one."""
    chain = unit_chain(session, unit_id)
    units = [u for u in chain if u is not None]
    owners = set(
        session.execute(
            select(OfficialBankAccount.unit_id)
            .distinct()
            .where(
                *USABLE,
                or_(OfficialBankAccount.unit_id.is_(None), OfficialBankAccount.unit_id.in_(units))
                if units
                else OfficialBankAccount.unit_id.is_(None),
            )
        ).scalars()
    )
    return next((u for u in chain if u in owners), NO_ACCOUNT)


def official_accounts_for(session: Session, unit_id: int | None) -> list[OfficialBankAccount]:
    """Active official bank accounts of the unit, else its province, else central (unit None)."""
    for uid in unit_chain(session, unit_id):
        clause = OfficialBankAccount.unit_id.is_(None) if uid is None else OfficialBankAccount.unit_id == uid
        found = list(
            session.execute(
                select(OfficialBankAccount).where(clause, *USABLE).order_by(OfficialBankAccount.id)
            ).scalars()
        )
        if found:
            return found
    return []


def account_for_pledge(session: Session, pledge: Any) -> OfficialBankAccount | None:
    """The account the donor of `pledge` pays into: the first one the pledge page lists (official_accounts_for:
    the earmarked unit's, else up its chain, else the central committee's), so that the QR code and the page
    never differ. (`pledge`: anything with earmark_unit_id and receiving_unit_id; banking imports no pledges.)"""
    accounts = official_accounts_for(session, pledge.earmark_unit_id or pledge.receiving_unit_id)
    return accounts[0] if accounts else None


def accounts_in_scope(session: Session, user: Any) -> list[OfficialBankAccount]:
    """The active accounts of the staff member's area (their statements are theirs to reconcile)."""
    q = select(OfficialBankAccount).where(*USABLE, unit_scope_clause(user, OfficialBankAccount.unit_id))
    return list(session.execute(q.order_by(OfficialBankAccount.unit_id, OfficialBankAccount.id)).scalars())


def public_accounts(session: Session) -> list[OfficialBankAccount]:
    """Every active account, central first, then by unit: the public list donors check a transfer against."""
    return list(
        session.execute(
            select(OfficialBankAccount)
            .where(*USABLE)
            .order_by(
                OfficialBankAccount.unit_id.is_not(None), OfficialBankAccount.unit_id, OfficialBankAccount.id
            )
        ).scalars()
    )
