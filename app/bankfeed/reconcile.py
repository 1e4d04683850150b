"""Statement files as the reconciliation of the feed.

The statement importer calls reconcile_statement(session, stmt) once, after storing a statement's new lines and
before recording the lines matched by reference: each new line the feed already delivered (same bank reference;
else same direction, amount, Vietnam day and normalised memo) is linked to that feed transaction and takes its
recording (contribution, pledge), so it is not received a second time; lines the feed missed are imported as
before. differences() lists, per account and day, what is in the file and not in the feed, in the feed and not in
the file, and amounts that differ; a day is closed when there is none or each one is explained (audited)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.bankfeed.models import BankFeedTransaction, ReconciliationDay
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.messages import N_
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.payments.models import BankStatement, LineStatus, StatementLine
from app.pledges.references import find_reference, normalize


class ReconciliationError(DomainError):
    """A reconciliation step refused; the message is Vietnamese."""


def memo_key(memo: str) -> str:
    """A memo as both sides write it: no diacritics, case, punctuation or spacing (statements wrap memos)."""
    return re.sub(r"[^0-9a-z]", "", fold(memo))


def vn_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def _holds(a: str, b: str) -> bool:
    """One memo holds the other (at least 8 letters and digits each: "ung ho" alone proves nothing)."""
    return len(a) >= 8 and len(b) >= 8 and (a in b or b in a)


# ------------------------------------------------------------------------------------------------ the import hook
def reconcile_statement(session: Session, stmt: BankStatement) -> int:
    """Link the statement's new lines to the feed transactions they repeat; returns how many were linked. Called
    once per import by app.payments.importing.import_statement, before record_matched_lines."""
    session.flush()
    lines = session.execute(
        select(
            StatementLine.id,
            StatementLine.is_credit,
            StatementLine.amount_vnd,
            StatementLine.txn_at,
            StatementLine.reference,
            StatementLine.memo,
        ).where(StatementLine.statement_id == stmt.id, StatementLine.contribution_id.is_(None))
    ).all()
    if not lines:
        return 0
    start, _ = day_bounds(vn_day(min(line.txn_at for line in lines)))
    _, end = day_bounds(vn_day(max(line.txn_at for line in lines)))
    feeds = list(
        session.execute(
            select(BankFeedTransaction)
            .where(
                BankFeedTransaction.bank_account_id == stmt.bank_account_id,
                BankFeedTransaction.statement_line_id.is_(None),
                BankFeedTransaction.txn_at >= start,
                BankFeedTransaction.txn_at < end,
            )
            .order_by(BankFeedTransaction.txn_at, BankFeedTransaction.id)
        ).scalars()
    )
    if not feeds:
        return 0
    by_ref: dict[tuple[bool, str], BankFeedTransaction] = {}
    by_content: dict[tuple[bool, int, date, str], list[BankFeedTransaction]] = defaultdict(list)
    by_amount: dict[tuple[bool, int, date], list[BankFeedTransaction]] = defaultdict(list)
    for f in feeds:
        if f.bank_reference:
            by_ref.setdefault((f.is_credit, normalize(f.bank_reference)), f)
        by_content[(f.is_credit, f.amount_vnd, vn_day(f.txn_at), memo_key(f.memo))].append(f)
        by_amount[(f.is_credit, f.amount_vnd, vn_day(f.txn_at))].append(f)
    taken: set[int] = set()
    links: list[dict[str, Any]] = []
    recorded: list[dict[str, Any]] = []
    for line in lines:
        feed: BankFeedTransaction | None = None
        ref = normalize(line.reference) if line.reference else ""
        if ref and (line.is_credit, ref) in by_ref and by_ref[(line.is_credit, ref)].id not in taken:
            feed = by_ref[(line.is_credit, ref)]
        else:
            key = memo_key(line.memo)
            day_key = (line.is_credit, line.amount_vnd, vn_day(line.txn_at))
            feed = next((f for f in by_content.get((*day_key, key), []) if f.id not in taken), None)
            if feed is None:
                # The bank's export may wrap, prefix or cut the memo the feed carried: the same amount and day
                # with the same pledge reference, or one memo holding the other, is the same transfer.
                pledge_ref = find_reference(line.memo)
                feed = next(
                    (
                        f
                        for f in by_amount.get(day_key, [])
                        if f.id not in taken
                        and (
                            (pledge_ref is not None and find_reference(f.memo) == pledge_ref)
                            or _holds(key, memo_key(f.memo))
                        )
                    ),
                    None,
                )
        if feed is None:
            continue
        taken.add(feed.id)
        links.append({"fid": feed.id, "lid": line.id})
        if line.is_credit and feed.contribution_id is not None:
            recorded.append(
                {
                    "lid": line.id,
                    "cid": feed.contribution_id,
                    "pid": feed.pledge_id,
                    "st": LineStatus.MATCHED if feed.pledge_id else LineStatus.RECEIPTED,
                }
            )
    conn = session.connection()
    if links:
        ft = BankFeedTransaction.__table__
        conn.execute(
            update(ft).where(ft.c.id == bindparam("fid")).values(statement_line_id=bindparam("lid")), links
        )
    if recorded:
        lt = StatementLine.__table__
        conn.execute(
            update(lt)
            .where(lt.c.id == bindparam("lid"))
            .values(
                contribution_id=bindparam("cid"),
                pledge_id=bindparam("pid"),
                status=bindparam("st"),
                handled_at=utcnow(),
            ),
            recorded,
        )
    session.expire_all()
    return len(links)


# ------------------------------------------------------------------------------------------------ the day's page
@dataclass
class Difference:
    kind: str  # file_only | feed_only | amount
    key: str
    at: datetime
    is_credit: bool
    amount_vnd: int
    other_amount_vnd: int | None = None
    reference: str = ""
    memo: str = ""  # staff-only evidence
    explanation: str = ""

    @property
    def label(self) -> str:
        return {
            "file_only": N_("Có trong sao kê, không có trong dữ liệu trực tuyến"),
            "feed_only": N_("Có trong dữ liệu trực tuyến, không có trong sao kê"),
            "amount": N_("Số tiền khác nhau"),
        }[self.kind]


@dataclass
class DayReport:
    account: OfficialBankAccount
    day: date
    file_lines: int
    feed_transactions: int
    matched: int
    differences: list[Difference]
    closed_at: datetime | None

    @property
    def unexplained(self) -> int:
        return sum(1 for d in self.differences if not d.explanation)


def _day_row(session: Session, account_id: int, day: date) -> ReconciliationDay | None:
    return session.execute(
        select(ReconciliationDay).where(
            ReconciliationDay.bank_account_id == account_id, ReconciliationDay.day == day
        )
    ).scalar_one_or_none()


def day_report(session: Session, account: OfficialBankAccount, day: date) -> DayReport:
    start, end = day_bounds(day)
    lines = session.execute(
        select(
            StatementLine.id,
            StatementLine.txn_at,
            StatementLine.is_credit,
            StatementLine.amount_vnd,
            StatementLine.reference,
            StatementLine.memo,
        ).where(
            StatementLine.bank_account_id == account.id,
            StatementLine.txn_at >= start,
            StatementLine.txn_at < end,
        )
    ).all()
    feeds = list(
        session.execute(
            select(BankFeedTransaction).where(
                BankFeedTransaction.bank_account_id == account.id,
                BankFeedTransaction.txn_at >= start,
                BankFeedTransaction.txn_at < end,
            )
        ).scalars()
    )
    line_ids = [line.id for line in lines]
    linked = {
        lid: (fid, amount)
        for fid, lid, amount in session.execute(
            select(
                BankFeedTransaction.id, BankFeedTransaction.statement_line_id, BankFeedTransaction.amount_vnd
            ).where(BankFeedTransaction.statement_line_id.in_(line_ids or [-1]))
        )
    }
    row = _day_row(session, account.id, day)
    notes: dict[str, str] = dict(row.explanations) if row else {}
    diffs: list[Difference] = []
    for line in lines:
        if line.id not in linked:
            diffs.append(
                Difference(
                    "file_only",
                    f"line:{line.id}",
                    line.txn_at,
                    line.is_credit,
                    line.amount_vnd,
                    reference=line.reference,
                    memo=line.memo,
                )
            )
        elif linked[line.id][1] != line.amount_vnd:
            diffs.append(
                Difference(
                    "amount",
                    f"line:{line.id}",
                    line.txn_at,
                    line.is_credit,
                    line.amount_vnd,
                    other_amount_vnd=linked[line.id][1],
                    reference=line.reference,
                    memo=line.memo,
                )
            )
    for feed in feeds:
        if feed.statement_line_id is None:
            diffs.append(
                Difference(
                    "feed_only",
                    f"feed:{feed.id}",
                    feed.txn_at,
                    feed.is_credit,
                    feed.amount_vnd,
                    reference=feed.bank_reference or "",
                    memo=feed.memo,
                )
            )
    for d in diffs:
        d.explanation = notes.get(d.key, "")
    diffs.sort(key=lambda d: (d.at, d.key))
    return DayReport(
        account=account,
        day=day,
        file_lines=len(lines),
        feed_transactions=len(feeds),
        matched=sum(1 for line in lines if line.id in linked),
        differences=diffs,
        closed_at=row.closed_at if row else None,
    )


def _row_for_update(session: Session, account_id: int, day: date) -> ReconciliationDay:
    row = _day_row(session, account_id, day)
    if row is None:
        row = ReconciliationDay(bank_account_id=account_id, day=day, explanations={})
        session.add(row)
        session.flush()
    return row


def explain(
    session: Session, actor: Actor, account: OfficialBankAccount, day: date, key: str, reason: str
) -> None:
    reason = nfc((reason or "").strip())
    if not reason:
        raise ReconciliationError(N_("Cần ghi lý do giải thích chênh lệch."), field="reason")
    report = day_report(session, account, day)
    if key not in {d.key for d in report.differences}:
        raise ReconciliationError(N_("Không có chênh lệch này trong ngày; hãy tải lại trang."))
    row = _row_for_update(session, account.id, day)
    old = row.explanations.get(key)
    row.explanations = {**row.explanations, key: reason}
    record(
        session,
        actor,
        "reconciliation.explain",
        "bank_reconciliation_day",
        row.id,
        old={"key": key, "reason": old} if old else None,
        new={"key": key, "reason": reason, "day": day.isoformat(), "account_id": account.id},
        unit_id=account.unit_id,
    )
    session.flush()


def close_day(session: Session, actor: Actor, account: OfficialBankAccount, day: date) -> ReconciliationDay:
    report = day_report(session, account, day)
    if report.closed_at is not None:
        raise ReconciliationError(N_("Ngày này đã được chốt đối soát."))
    if report.unexplained:
        raise ReconciliationError(
            N_(
                "Còn %(n)s chênh lệch chưa giải thích: chưa chốt được ngày %(day)s.",
                n=report.unexplained,
                day=day.strftime("%d/%m/%Y"),
            )
        )
    row = _row_for_update(session, account.id, day)
    row.closed_at = utcnow()
    row.closed_by_id = actor.user_id
    record(
        session,
        actor,
        "reconciliation.close",
        "bank_reconciliation_day",
        row.id,
        new={
            "day": day.isoformat(),
            "account_id": account.id,
            "file_lines": report.file_lines,
            "feed_transactions": report.feed_transactions,
            "differences": len(report.differences),
        },
        unit_id=account.unit_id,
    )
    session.flush()
    return row
