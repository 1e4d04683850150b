"""Contributions: money received comes in through app.contributions.receive.receive (re-exported here, with the
names its callers know); reversing a contribution lives here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.contributions.models import FundTransferProposal

from app.contributions.receive import (  # noqa: F401 - the names callers import from here
    ContributionError,
    MoneyIn,
    NewContribution,
    Received,
    bulk_insert,
    mask_account,
    pool_unit_for,
    queue_acknowledgements,
    receive,
    record_contribution,
    record_contributions,
    unit_key,
    withdraw_transfer_proposals,
)


def transfer_proposals_for(session: Session, user: User, limit: int = 100) -> list[FundTransferProposal]:
    """Fund transfer proposals the user's area sends or is to receive (another area's pledge paid into one of
    its accounts, or one of its pledges paid into another area's), newest first."""
    from sqlalchemy import or_
    from sqlalchemy.orm import selectinload

    from app.accounts.access import unit_scope_clause
    from app.contributions.models import FundTransferProposal as T

    return list(
        session.execute(
            select(T)
            .where(or_(unit_scope_clause(user, T.from_unit_id), unit_scope_clause(user, T.to_unit_id)))
            .options(selectinload(T.contribution), selectinload(T.from_unit), selectinload(T.to_unit))
            .order_by(T.id.desc())
            .limit(limit)
        ).scalars()
    )
