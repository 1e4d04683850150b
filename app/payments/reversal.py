"""Undoing what a statement line recorded: its receipts, reversed, and the line back in the review queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contributions.models import Contribution, ContributionStatus
from app.contributions.reversal import reverse_contributions
from app.core.actor import Actor
from app.core.messages import N_
from app.core.text import nfc
from app.ledger.services import LedgerError
from app.payments.errors import PaymentError
from app.payments.models import BankStatement, LineStatus, StatementLine
from app.pledges.models import Pledge
from app.pledges.services import refresh_status

REVERSIBLE_LINE_STATUSES = (LineStatus.MATCHED, LineStatus.RECEIPTED)


def line_contributions(session: Session, line: StatementLine, *, lock: bool = False) -> list[Contribution]:
    """The receipts recorded from a line: the one it points to and, for a line paying more than its pledge
    still expected, the unrestricted gift of the excess (key + ":excess")."""
    if line.contribution_id is None:
        return []
    first = session.get(Contribution, line.contribution_id)
    if first is None:
        return []
    base = (first.idempotency_key or "").removesuffix(":excess")
    q = select(Contribution).where(Contribution.source == f"statement:{line.statement_id}:{line.id}")
    q = (
        q.where(Contribution.idempotency_key.in_([base, f"{base}:excess"]))
        if base
        else q.where(Contribution.id == first.id)
    )
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return list(session.execute(q.order_by(Contribution.id)).scalars())


def reverse_line(
    session: Session, actor: Actor, line_id: int, reason: str, account_ids: set[int] | None = None
) -> list[Contribution]:
    """Undo the receipt(s) recorded from one statement line — matched to the wrong pledge, or not to be recorded
    at all — without touching the statement's other lines: each receipt's share of the statement's ledger
    transaction is reversed by a new transaction (append-only; app.contributions.reversal), the receipts are
    marked reversed, the line goes back to the review queue (unmatched, to be matched again by hand), and the
    pledge it paid gets its status recomputed. Thank-you letters already issued stay as they are, as for any
    other reversed contribution (an approver may revoke them on the certificate pages).

    The line is locked first: of two staff reversing it at once, one reverses and the other is refused.
    `account_ids` (the bank accounts of the caller's area) limits which lines may be reversed."""
    reason = (nfc(reason) or "").strip()
    if not reason:
        raise PaymentError(N_("Lý do đảo: chưa nhập."))
    if len(reason) > 1000:
        raise PaymentError(N_("Lý do đảo: quá dài (tối đa 1000 ký tự)."))
    line = session.execute(
        select(StatementLine)
        .where(StatementLine.id == line_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if line is None or (account_ids is not None and line.bank_account_id not in account_ids):
        raise PaymentError(N_("Không tìm thấy dòng sao kê, hoặc dòng không thuộc địa bàn của bạn."))
    if line.status not in REVERSIBLE_LINE_STATUSES or line.contribution_id is None:
        raise PaymentError(
            N_(
                "Dòng %(row)s chưa được ghi nhận hoặc đã được đảo trước đó; không có khoản nào để đảo.",
                row=line.file_row,
            )
        )
    contributions = line_contributions(session, line, lock=True)
    recorded = [c for c in contributions if c.status == ContributionStatus.RECORDED]
    if not recorded:
        raise PaymentError(N_("Biên nhận của dòng %(row)s đã được hủy trước đó.", row=line.file_row))
    try:
        reverse_contributions(session, actor, [c.id for c in recorded], reason)
    except LedgerError as exc:
        raise PaymentError(
            N_("Không đảo được dòng %(row)s: %(error)s", row=line.file_row, error=exc)
        ) from exc
    except ValueError as exc:  # ContributionError
        raise PaymentError(*exc.args) from exc
    old = {"status": line.status, "pledge_id": line.pledge_id, "contribution_id": line.contribution_id}
    pledge_ids = sorted(
        {c.pledge_id for c in recorded if c.pledge_id is not None}
        | ({line.pledge_id} if line.pledge_id else set())
    )
    line.status = LineStatus.UNMATCHED
    line.pledge_id = None
    line.contribution_id = None
    line.handled_by_id = None
    line.handled_at = None
    if line.proposed_pledge_id in pledge_ids:  # do not propose the wrong pledge again
        line.proposed_pledge_id = None
        line.proposal_reason = ""
    session.flush()
    for pid in pledge_ids:  # the receipts' pledges were recomputed by the reversal; the line's own one here
        pledge = session.get(Pledge, pid)
        if pledge is not None:
            refresh_status(session, actor, pledge)
    stmt = session.get(BankStatement, line.statement_id)
    record(
        session,
        actor,
        "statement_line.reverse",
        "statement_line",
        line.id,
        old=old,
        new={
            "status": LineStatus.UNMATCHED,
            "reason": reason,
            "amount_vnd": line.amount_vnd,
            "statement_id": line.statement_id,
            "receipts": {c.receipt_no: c.amount_vnd for c in recorded},
            "reversal_transaction_ids": [c.reversal_transaction_id for c in recorded],
        },
        unit_id=stmt.unit_id if stmt else None,
    )
    session.flush()
    return recorded
