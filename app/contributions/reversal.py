"""One path for money out. Every reversal — a receipt on the ledger page, one statement line's share, a typed row or a
whole import batch undone, a card refund, an allocation withdrawn — comes here, so the ledger posting AND the record it
belongs to (the contribution, the need's funding) are reversed together, and the pledge the money paid is recomputed.

- `reverse_contributions(session, actor, ids, reason)`: contributions one by one (locked). For each ledger
  transaction they were posted in, the whole transaction is reversed when they are all of its receipts (a receipt
  with its own transaction, a batch undone entirely), else each one's share alone (a statement line among others).
- `reverse_posting(session, actor, transaction_id, reason)`: a whole receipt transaction and every contribution posted
  in it, in bulk (an import batch of thousands of rows).
- `withdraw_allocation(session, actor, transaction_id, funding_id, reason)`: an allocation's ledger transaction and
  the need's funding it paid.

Nothing is deleted: the ledger gets mirror transactions (append-only), contributions are marked reversed (the public
statement then shows them struck out as "Đã hủy"; its page cache is keyed on the ledger's latest transaction, which
the reversal just added). Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contributions.models import (
    Channel,
    Contribution,
    ContributionStatus,
    FundTransferProposal,
    TransferStatus,
)
from app.contributions.receive import ContributionError, withdraw_transfer_proposals
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.text import nfc
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction


def _reason(reason: str | None) -> str:
    text = (nfc(reason) or "").strip()
    if not text:
        raise ContributionError(N_("Lý do đảo: chưa nhập."))
    if len(text) > 1000:
        raise ContributionError(N_("Lý do đảo: quá dài (tối đa 1000 ký tự)."))
    return text


def _refresh_pledges(session: Session, actor: Actor, pledge_ids: Iterable[int | None]) -> None:
    """What a pledge has received changed: its status follows (fulfilled → partly paid → pledged)."""
    # The same pledge step receive() ends with: refresh_status -> transition (money mode), whatever the channel.
    from app.pledges.models import Pledge
    from app.pledges.services import refresh_status

    for pid in sorted({p for p in pledge_ids if p is not None}):
        pledge = session.get(Pledge, pid)
        if pledge is not None:
            refresh_status(session, actor, pledge)


def _refuse_goods_in_a_store(session: Session, gifts: list[Contribution]) -> None:
    """A gift in kind already taken into a store (app.goods) is not reversed behind the store's back: its goods
    would stay in stock with no gift behind them (refused; the `goods` check of app.ledger.verify would flag it)."""
    if not gifts:
        return
    from app.goods.models import GoodsReceipt

    taken = session.execute(
        select(GoodsReceipt.contribution_id)
        .where(GoodsReceipt.contribution_id.in_([c.id for c in gifts]))
        .limit(1)
    ).scalar()
    if taken is not None:
        receipt_no = next(c.receipt_no for c in gifts if c.id == taken)
        raise ContributionError(
            N_(
                "Biên nhận %(receipt_no)s: hiện vật đã được nhập kho, không hủy được khoản đóng góp này.",
                receipt_no=receipt_no,
            )
        )


def reverse_contributions(
    session: Session,
    actor: Actor,
    contribution_ids: Iterable[int],
    reason: str,
    *,
    source_type: str = "",
    source_id: object = "",
) -> list[Contribution]:
    """Reverse these contributions: the ledger (whole transactions or shares, see the module), the contributions
    marked reversed and audited, their pledges recomputed. The contributions are locked first (in id order), so
    of two concurrent reversals of one receipt, one reverses it and the other is refused; refused too for one
    already reversed or never posted, without a reason, and by the ledger when its pool's money has moved on
    (allocated beyond what would remain). `source_type`/`source_id` name what asked for a whole reversal."""
    reason = _reason(reason)
    ids = sorted(set(contribution_ids))
    if not ids:
        return []
    found = list(
        session.execute(
            select(Contribution)
            .where(Contribution.id.in_(ids))
            .order_by(Contribution.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )
    if len(found) != len(ids):
        raise ContributionError(N_("Không tìm thấy khoản đóng góp."))
    by_tx: dict[int, list[Contribution]] = {}
    for c in found:
        if c.status == ContributionStatus.REVERSED:
            raise ContributionError(N_("Biên nhận %(no)s đã được hủy trước đó.", no=c.receipt_no))
        if c.ledger_transaction_id is None:
            raise ContributionError(N_("Biên nhận %(no)s: chưa được ghi sổ.", no=c.receipt_no))
        by_tx.setdefault(c.ledger_transaction_id, []).append(c)
    _refuse_goods_in_a_store(session, [c for c in found if c.channel == Channel.IN_KIND])
    for tx_id in sorted(by_tx):
        group = by_tx[tx_id]
        posted = set(
            session.execute(
                select(Contribution.id).where(Contribution.ledger_transaction_id == tx_id)
            ).scalars()
        )
        if posted == {c.id for c in group} and not ledger.has_share_reversals(session, tx_id):
            rev = ledger.reverse(
                session,
                actor,
                tx_id,
                reason=reason,
                occurred_on=today_vn(),
                source_type=source_type or ("contribution" if len(group) == 1 else ""),
                source_id=source_id or (group[0].id if len(group) == 1 else ""),
            )
            for c in group:
                c.reversal_transaction_id = rev.id
            continue
        for c in group:
            if c.channel == Channel.IN_KIND:  # in-kind items always have their own transaction; never here
                raise ContributionError(N_("Hiện vật không đảo theo cách này."))
            c.reversal_transaction_id = ledger.reverse_receipt_share(
                session,
                actor,
                tx_id,
                pool_unit_id=c.pool_unit_id,
                purpose=c.purpose,
                amount_vnd=c.amount_vnd,
                reason=reason,
                occurred_on=today_vn(),
                memo=f"biên nhận {c.receipt_no}",
            ).id
    for c in found:
        c.status = ContributionStatus.REVERSED
        withdraw_transfer_proposals(session, actor, c, reason)  # no money left to pass on to the other area
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
                "reversal_transaction_id": c.reversal_transaction_id,
                "amount_vnd": c.amount_vnd,
            },
            unit_id=c.receiving_unit_id,
        )
    session.flush()
    _refresh_pledges(session, actor, (c.pledge_id for c in found))
    session.flush()
    return found


def reverse_contribution(session: Session, actor: Actor, contribution_id: int, reason: str) -> Contribution:
    """One contribution (see reverse_contributions)."""
    return reverse_contributions(session, actor, [contribution_id], reason)[0]


def reverse_posting(
    session: Session,
    actor: Actor,
    transaction_id: int,
    reason: str,
    *,
    source_type: str = "",
    source_id: object = "",
) -> LedgerTransaction:
    """Reverse a whole receipt transaction and mark every contribution posted in it reversed, in one UPDATE (an import
    batch of many thousand rows; the caller audits the batch), then recompute their pledges. The ledger locks the
    transaction and refuses a second reversal, a transaction of which a share was already reversed, and one whose
    money has moved on. Lock order here is transaction then contributions (reverse_contributions: contributions then
    transaction); no caller reaches one transaction both ways (whole import batches here; single receipts and
    statement lines there, the ledger page refusing batches)."""
    reason = _reason(reason)
    rev = ledger.reverse(
        session,
        actor,
        transaction_id,
        reason=reason,
        occurred_on=today_vn(),
        source_type=source_type,
        source_id=source_id,
    )
    pledge_ids = list(
        session.execute(
            select(Contribution.pledge_id)
            .where(
                Contribution.ledger_transaction_id == transaction_id,
                Contribution.status == ContributionStatus.RECORDED,
                Contribution.pledge_id.is_not(None),
            )
            .distinct()
        ).scalars()
    )
    with_proposals = list(
        session.execute(
            select(Contribution)
            .join(FundTransferProposal, FundTransferProposal.contribution_id == Contribution.id)
            .where(
                Contribution.ledger_transaction_id == transaction_id,
                Contribution.status == ContributionStatus.RECORDED,
                FundTransferProposal.status == TransferStatus.PROPOSED,
            )
            .distinct()
        ).scalars()
    )
    session.execute(
        update(Contribution)
        .where(
            Contribution.ledger_transaction_id == transaction_id,
            Contribution.status == ContributionStatus.RECORDED,
        )
        .values(status=ContributionStatus.REVERSED, reversal_transaction_id=rev.id)
    )
    for c in with_proposals:
        withdraw_transfer_proposals(session, actor, c, reason)
    session.flush()
    _refresh_pledges(session, actor, pledge_ids)
    return rev


def withdraw_allocation(
    session: Session,
    actor: Actor,
    transaction_id: int,
    funding_id: int | None,
    reason: str,
    *,
    source_type: str = "",
    source_id: object = "",
) -> LedgerTransaction:
    """Withdraw an allocation: its ledger transaction reversed (the money back in the pools) and the need's funding
    it paid revoked (app.needs.funding.revoke_need_funding: refused once construction started or money was paid
    out to the house). Errors are the ledger's or the needs registry's (ValueError subclasses)."""
    from app.needs import funding as needs_funding

    rev = ledger.reverse(
        session,
        actor,
        transaction_id,
        reason=_reason(reason),
        occurred_on=today_vn(),
        source_type=source_type,
        source_id=source_id,
    )
    if funding_id is not None:
        needs_funding.revoke_need_funding(
            session, actor, funding_id, reason, revocation_transaction_id=rev.id
        )
    return rev


def reverse_from_books(
    session: Session, actor: Actor, transaction_id: int, reason: str
) -> tuple[LedgerTransaction | None, list[Contribution]]:
    """The ledger page's reversal of one posting, kept in step with what it recorded: a receipt with its
    contribution(s) and pledge (reverse_contributions), an allocation with the need's funding it paid
    (withdraw_allocation), anything else (a transfer) plainly. Returns the reversal and the contributions reversed.
    Postings whose record has its own page (a statement line, an import batch, a tranche, a proposal line) are
    refused by the view before this (app.ledger.views.reversed_elsewhere)."""
    from app.needs.models import FundingStatus, NeedFunding

    gifts = contributions_of_posting(session, transaction_id)
    if gifts:
        done = reverse_contributions(session, actor, [c.id for c in gifts], reason)
        return session.get(LedgerTransaction, done[0].reversal_transaction_id), done
    funding_id = session.execute(
        select(NeedFunding.id).where(
            NeedFunding.ledger_transaction_id == transaction_id, NeedFunding.status == FundingStatus.ACTIVE
        )
    ).scalar()
    if funding_id is not None:
        return withdraw_allocation(session, actor, transaction_id, funding_id, reason), []
    from app.goods.services import handout_of_transaction, reverse_handout

    handout = handout_of_transaction(session, transaction_id)
    if handout is not None:  # goods handed out: the goods go back into the store with the reversal
        undone = reverse_handout(session, actor, None, handout.id, reason)
        return session.get(LedgerTransaction, undone.reversal_transaction_id or 0), []
    return ledger.reverse(session, actor, transaction_id, reason=_reason(reason), occurred_on=today_vn()), []


def contributions_of_posting(session: Session, transaction_id: int) -> list[Contribution]:
    """The contributions a ledger transaction recorded (none for an allocation, a disbursement, a transfer)."""
    return list(
        session.execute(
            select(Contribution)
            .where(Contribution.ledger_transaction_id == transaction_id)
            .order_by(Contribution.id)
        ).scalars()
    )
