"""Paying a pledge by bank transfer: the account and VietQR to show; the active campaign of an area (where
money received there goes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.banking import vietqr
from app.banking.models import OfficialBankAccount
from app.banking.services import official_accounts_for
from app.campaigns.models import Campaign, CampaignStatus
from app.pledges.models import Pledge
from app.pledges.services import amount_due
from app.units.models import AdminUnit


@dataclass
class TransferDetails:
    account: OfficialBankAccount
    amount_vnd: int | None  # what the transfer asks for; None once the pledge is paid
    note: str  # the transfer note: the pledge reference
    payload: str  # the VietQR payload


def transfer_options(session: Session, pledge: Pledge, *, whole: bool = False) -> list[TransferDetails]:
    """One transfer per official account the pledge page lists (official_accounts_for: the earmarked unit's,
    else up its chain, else the central committee's; all owned by one unit, so any of them books the money the
    same way). The amount is the instalment due (pledges.services.amount_due), or the whole remainder when the
    donor chooses it (`whole`)."""
    accounts = official_accounts_for(session, pledge.earmark_unit_id or pledge.receiving_unit_id)
    if not accounts:
        return []
    due = amount_due(session, pledge)
    amount = (due.remainder_vnd if whole else due.amount_vnd) or None
    return [
        TransferDetails(
            account=a,
            amount_vnd=amount,
            note=pledge.reference,
            payload=vietqr.build_payload(a.bank_bin, a.account_number, amount, pledge.reference),
        )
        for a in accounts
    ]


def transfer_details(
    session: Session, pledge: Pledge, *, account_id: int | None = None, whole: bool = False
) -> TransferDetails | None:
    """The transfer into one of the pledge's accounts (the first when none is named); None when the account is
    not one of them."""
    options = transfer_options(session, pledge, whole=whole)
    if account_id is None:
        return options[0] if options else None
    return next((o for o in options if o.account.id == account_id), None)


def active_campaign_for(session: Session, unit_id: int | None) -> Campaign | None:
    chain: list[int | None] = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = session.execute(select(AdminUnit.parent_id).where(AdminUnit.id == unit_id)).scalar()
    for uid in [*chain, None]:
        c = (
            session.execute(
                select(Campaign)
                .where(
                    Campaign.status == CampaignStatus.ACTIVE,
                    Campaign.scope_unit_id.is_(None) if uid is None else Campaign.scope_unit_id == uid,
                )
                .order_by(Campaign.year.desc(), Campaign.id.desc())
            )
            .scalars()
            .first()
        )
        if c is not None:
            return c
    return None
