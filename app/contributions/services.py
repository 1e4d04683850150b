"""Contributions: money received comes in through app.contributions.receive.receive (re-exported here, with the
names its callers know); reversing a contribution lives here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contributions.models import Channel, Contribution, ContributionStatus
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
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.ledger import services as ledger


def reverse_contribution(session: Session, actor: Actor, contribution: Contribution, reason: str) -> None:
    """Undo a single recorded contribution with a ledger reversal (never a delete)."""
    if contribution.status == ContributionStatus.REVERSED:
        raise ContributionError("Khoản đóng góp này đã được hủy trước đó.")
    if contribution.ledger_transaction_id is None:
        raise ContributionError("Khoản đóng góp chưa được ghi sổ.")
    tx = session.get(ledger.LedgerTransaction, contribution.ledger_transaction_id)
    if tx is not None and tx.source_type == "batch":
        raise ContributionError("Khoản này thuộc một lô nhập; hãy hủy cả lô.")
    rev = ledger.reverse(
        session,
        actor,
        contribution.ledger_transaction_id,
        reason=reason,
        occurred_on=today_vn(),
        source_type="contribution",
        source_id=contribution.id,
    )
    contribution.status = ContributionStatus.REVERSED
    contribution.reversal_transaction_id = rev.id
    withdraw_transfer_proposals(session, actor, contribution, reason)
    record(
        session,
        actor,
        "contribution.reverse",
        "contribution",
        contribution.id,
        old={"status": ContributionStatus.RECORDED},
        new={"status": ContributionStatus.REVERSED, "reason": reason},
        unit_id=contribution.receiving_unit_id,
    )
    session.flush()


def reverse_contribution_share(
    session: Session, actor: Actor, contribution_id: int, reason: str
) -> Contribution:
    """Undo one contribution alone, also when it was posted with others in one ledger transaction (a bank
    statement's matched lines): a new ledger transaction mirrors its share only — the pool (unit or national)
    and purpose it was received into, its amount — so the other receipts stay as they were. A contribution
    with its own ledger transaction is reversed by reverse_contribution. The contribution row is locked first,
    so two concurrent reversals of it yield one; refused once it is reversed, and by the ledger when its
    pool's money has been allocated beyond what would remain."""
    c = session.execute(
        select(Contribution)
        .where(Contribution.id == contribution_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if c is None:
        raise ContributionError("Không tìm thấy khoản đóng góp.")
    if c.status == ContributionStatus.REVERSED:
        raise ContributionError(f"Biên nhận {c.receipt_no} đã được hủy trước đó.")
    if c.ledger_transaction_id is None:
        raise ContributionError("Khoản đóng góp chưa được ghi sổ.")
    tx = session.get(ledger.LedgerTransaction, c.ledger_transaction_id)
    if tx is None or tx.source_type != "batch":
        reverse_contribution(session, actor, c, reason)
        return c
    if c.channel == Channel.IN_KIND:  # in-kind items of a batch have their own transaction; never here
        raise ContributionError("Hiện vật không đảo theo cách này.")
    rev = ledger.reverse_receipt_share(
        session,
        actor,
        c.ledger_transaction_id,
        pool_unit_id=c.pool_unit_id,
        purpose=c.purpose,
        amount_vnd=c.amount_vnd,
        reason=reason,
        occurred_on=today_vn(),
        memo=f"biên nhận {c.receipt_no}",
    )
    c.status = ContributionStatus.REVERSED
    c.reversal_transaction_id = rev.id
    withdraw_transfer_proposals(session, actor, c, reason)
    record(
        session,
        actor,
        "contribution.reverse",
        "contribution",
        c.id,
        old={"status": ContributionStatus.RECORDED},
        new={
            "status": ContributionStatus.REVERSED,
            "reason": reason,
            "reversal_transaction_id": rev.id,
            "amount_vnd": c.amount_vnd,
            "shared_transaction_id": c.ledger_transaction_id,
        },
        unit_id=c.receiving_unit_id,
    )
    session.flush()
    return c


def transfer_proposals_for(session: Session, user, limit: int = 100) -> list:  # type: ignore[no-untyped-def]
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
