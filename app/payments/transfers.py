"""Paying a pledge by bank transfer: the account and VietQR to show; the active campaign of an area (where
money received there goes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.banking import vietqr
from app.banking.models import OfficialBankAccount
from app.banking.services import account_for_pledge
from app.campaigns.models import Campaign, CampaignStatus
from app.pledges.models import Pledge
from app.pledges.services import outstanding
from app.units.models import AdminUnit


@dataclass
class TransferDetails:
    account: OfficialBankAccount
    amount_vnd: int | None  # what is still due; None once the pledge is paid
    note: str  # the transfer note: the pledge reference
    payload: str  # the VietQR payload


def transfer_details(session: Session, pledge: Pledge) -> TransferDetails | None:
    account = account_for_pledge(session, pledge)
    if account is None:
        return None
    due = int(outstanding(session, pledge)) or None
    payload = vietqr.build_payload(account.bank_bin, account.account_number, due, pledge.reference)
    return TransferDetails(account=account, amount_vnd=due, note=pledge.reference, payload=payload)


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
