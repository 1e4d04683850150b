"""Statement files as the reconciliation of the feed, both ways.

One rule says which feed notification and which statement line are the same bank transaction (SameTransaction:
same bank reference; else same direction, amount, Vietnam day and normalised memo; else same amount and day with
the same pledge reference, or one memo holding the other). It is used both ways:
- the statement importer (app.payments.importing._store_lines) asks FeedTwins for each new line BEFORE writing it:
  a line the feed already delivered is written linked to that feed transaction, with its recording (contribution,
  pledge), so it is not received a second time and is never rewritten; only the matched feed rows are updated;
- the feed's per-credit step (app.bankfeed.services._receive_credit) calls take_statement_lines first: a
  notification arriving after its statement line was imported takes the line's recording (no second receive());
  a line still waiting in the review queue takes the feed's recording instead (share_recording). A debit is
  linked too (match_debit pays an order once whichever side reports the debit first).
day_report() lists, per account and day, what is in the file and not in the feed, in the feed and not in the file,
and amounts that differ; a day is closed (once) when there is none or each one is explained (audited)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.audit.services import record
from app.bankfeed.models import BankFeedTransaction, FeedStatus, ReconciliationDay
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.messages import N_
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.payments.models import LineStatus, StatementLine
from app.pledges.references import find_reference, normalize


class ReconciliationError(DomainError):
    """A reconciliation step refused; the message is Vietnamese."""


_NOT_KEY = re.compile(r"[^0-9a-z]")


def memo_key(memo: str) -> str:
    """A memo as both sides write it: no diacritics, case, punctuation or spacing (statements wrap memos). An
    ASCII memo (nearly all: banks strip accents) needs only lower(): fold() of ASCII is lower() with its spaces
    collapsed, and every space goes anyway."""
    return _NOT_KEY.sub("", memo.lower() if memo.isascii() else fold(memo))


def vn_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def _holds(a: str, b: str) -> bool:
    """One memo holds the other (at least 8 letters and digits each: "ung ho" alone proves nothing)."""
    return len(a) >= 8 and len(b) >= 8 and (a in b or b in a)


# ------------------------------------------------------------------------------------------------ same transaction
@dataclass(frozen=True, slots=True)
class Seen:
    """A bank transaction as one side saw it (a feed notification or a statement line): what "the same transaction"
    compares."""

    id: int
    is_credit: bool
    amount_vnd: int
    at: datetime
    reference: str | None
    memo: str


class SameTransaction:
    """The one rule of "the same bank transaction", used both ways: a statement imported after the feed
    (FeedTwins) and a feed notification arriving after the statement (take_statement_lines).

    Built over one side's transactions (in time order), asked with the other side's: the same direction and bank
    reference; else the same direction, amount, Vietnam day and memo (memo_key: statements wrap and re-case
    memos); else the same direction, amount and day with the same pledge reference in both memos, or one memo
    holding the other (the bank's export prefixes or cuts what the feed carried). Each candidate is taken once."""

    def __init__(self, candidates: Iterable[Seen]) -> None:
        self.by_ref: dict[tuple[bool, str], Seen] = {}
        self.by_content: dict[tuple[bool, int, date, str], list[Seen]] = defaultdict(list)
        self.by_amount: dict[tuple[bool, int, date], list[Seen]] = defaultdict(list)
        self.taken: set[int] = set()
        self.add(candidates)

    def add(self, candidates: Iterable[Seen]) -> None:
        """More candidates (another day's, read when a statement reaches that day)."""
        for c in candidates:
            if c.reference and (ref := normalize(c.reference)):
                self.by_ref.setdefault((c.is_credit, ref), c)
            day_key = (c.is_credit, c.amount_vnd, vn_day(c.at))
            self.by_content[(*day_key, memo_key(c.memo))].append(c)
            self.by_amount[day_key].append(c)

    def __bool__(self) -> bool:
        return bool(self.by_amount)

    def take(self, t: Seen) -> Seen | None:
        """The candidate that is the same transaction as `t` (marked taken), or None."""
        found = self._find(t)
        if found is not None:
            self.taken.add(found.id)
        return found

    def _find(self, t: Seen) -> Seen | None:
        ref = normalize(t.reference) if t.reference else ""
        if ref and (hit := self.by_ref.get((t.is_credit, ref))) is not None and hit.id not in self.taken:
            return hit
        key = memo_key(t.memo)
        day_key = (t.is_credit, t.amount_vnd, vn_day(t.at))
        for c in self.by_content.get((*day_key, key), ()):
            if c.id not in self.taken:
                return c
        same_amount = [c for c in self.by_amount.get(day_key, ()) if c.id not in self.taken]
        if not same_amount:
            return None
        pledge_ref = find_reference(t.memo)
        for c in same_amount:
            if (pledge_ref is not None and find_reference(c.memo) == pledge_ref) or _holds(
                key, memo_key(c.memo)
            ):
                return c
        return None


# ------------------------------------------------------------------------------------------------ the import hook
@dataclass(frozen=True, slots=True)
class FeedTwin:
    """The feed transaction a statement line repeats, and its recording (None: not recorded yet)."""

    id: int
    contribution_id: int | None
    pledge_id: int | None


class FeedTwins:
    """The feed's side of a statement import: the account's feed transactions not linked to a line yet, read one
    Vietnam day at a time as the statement's chunks reach it (load), and taken line by line (take) BEFORE the
    lines are written, so each line is written once, with its link and its recording (a national day is 400 000
    lines: rewriting them after the COPY cost about as much as writing them, bench/bench_reconcile.py).

    Races with the feed's recording task (bankfeed.record_pending, FOR UPDATE SKIP LOCKED): the day's rows not
    recorded yet are locked first (FOR UPDATE, in id order), so a batch the task is recording is waited for and
    then read as recorded, and the task skips the rows this import holds until it commits; it then finds them
    linked and takes the line's recording (take_statement_lines). A row still unrecorded that arrived after the
    lock is left alone: the task links it to its line once the import is committed (a late notification)."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id
        self.same = SameTransaction(())
        self.recording: dict[int, tuple[int | None, int | None]] = {}
        self.days: set[date] = set()

    def load(self, days: Iterable[date]) -> None:
        ft = BankFeedTransaction.__table__
        for day in sorted(set(days) - self.days):
            self.days.add(day)
            start, end = day_bounds(day)
            in_day = (
                ft.c.bank_account_id == self.account_id,
                ft.c.statement_line_id.is_(None),
                ft.c.txn_at >= start,
                ft.c.txn_at < end,
            )
            locked = set(
                self.session.execute(
                    select(ft.c.id)
                    .where(*in_day, ft.c.contribution_id.is_(None))
                    .order_by(ft.c.id)
                    .with_for_update()
                ).scalars()
            )
            rows = self.session.execute(
                select(
                    ft.c.id,
                    ft.c.is_credit,
                    ft.c.amount_vnd,
                    ft.c.txn_at,
                    ft.c.bank_reference,
                    ft.c.memo,
                    ft.c.contribution_id,
                    ft.c.pledge_id,
                )
                .where(*in_day)
                .order_by(ft.c.txn_at, ft.c.id)
            ).all()
            rows = [f for f in rows if f.contribution_id is not None or f.id in locked]
            self.recording.update((f.id, (f.contribution_id, f.pledge_id)) for f in rows)
            self.same.add(
                Seen(f.id, f.is_credit, f.amount_vnd, _aware(f.txn_at), f.bank_reference, f.memo)
                for f in rows
            )

    def take(
        self, is_credit: bool, amount_vnd: int, at: datetime, reference: str, memo: str
    ) -> FeedTwin | None:
        """The feed transaction a statement line repeats (SameTransaction), taken once, or None."""
        if not self.same:
            return None
        found = self.same.take(Seen(0, is_credit, amount_vnd, at, reference, memo))
        if found is None:
            return None
        cid, pid = self.recording[found.id]
        return FeedTwin(found.id, cid, pid)


def link_feed_rows(session: Session, links: list[tuple[int, int]]) -> None:
    """Feed rows linked to their statement lines ((feed id, line id) pairs), in bulk; only those rows are written.
    A feed row the session holds as an object reads its link again."""
    if not links:
        return
    _bulk_link(session, [{"fid": fid, "lid": lid} for fid, lid in links], [])
    for obj in list(session.identity_map.values()):
        if isinstance(obj, BankFeedTransaction):
            session.expire(obj, ["statement_line_id"])


def _aware(moment: datetime) -> datetime:
    """A timestamp read by a Core select (UTCDateTime gives it back aware; kept for safety with raw rows)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _bulk_link(session: Session, links: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> None:
    """Feed rows linked to their statement lines, and the lines given the feed's recording, in bulk: on PostgreSQL
    one UPDATE … FROM unnest(arrays) per table (bench_reconcile, 20 000 lines: 7.4 s as executemany, see the
    BENCHMARKS.md row), elsewhere executemany."""
    conn = session.connection()
    ft = BankFeedTransaction.__table__
    lt = StatementLine.__table__
    if conn.dialect.name == "postgresql":
        if links:
            conn.execute(
                text(
                    "UPDATE bank_feed_transactions AS f SET statement_line_id = v.lid "
                    "FROM unnest(CAST(:fids AS bigint[]), CAST(:lids AS bigint[])) AS v(fid, lid) "
                    "WHERE f.id = v.fid"
                ),
                {"fids": [x["fid"] for x in links], "lids": [x["lid"] for x in links]},
            )
        if recorded:
            conn.execute(
                text(
                    "UPDATE statement_lines AS l SET contribution_id = v.cid, pledge_id = v.pid, status = v.st, "
                    "handled_at = :now FROM unnest(CAST(:lids AS bigint[]), CAST(:cids AS bigint[]), "
                    "CAST(:pids AS bigint[]), CAST(:sts AS text[])) AS v(lid, cid, pid, st) WHERE l.id = v.lid"
                ),
                {
                    "lids": [x["lid"] for x in recorded],
                    "cids": [x["cid"] for x in recorded],
                    "pids": [x["pid"] for x in recorded],
                    "sts": [str(x["st"]) for x in recorded],
                    "now": utcnow(),
                },
            )
        return
    if links:
        conn.execute(
            update(ft).where(ft.c.id == bindparam("fid")).values(statement_line_id=bindparam("lid")), links
        )
    if recorded:
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


# ------------------------------------------------------------------------------------------------ the feed's hook
LATE_NOTE = "Trùng dòng sao kê đã nhập trước đó"


def take_statement_lines(session: Session, txns: Sequence[BankFeedTransaction]) -> set[int]:
    """Feed notifications arriving after the statement line of the same transaction was imported (the statement
    of the day came first, or the feed was late): each is linked to its line (SameTransaction, the rule a
    statement import uses the other way, FeedTwins), so the reconciliation page shows no difference. Returns the
    ids of the credits that must NOT be received: their line is already recorded (the feed row takes its
    contribution and pledge) or was set aside by staff (ignored: the feed row waits for staff). A credit whose
    line waits unrecorded in the review queue is linked and left to be received; share_recording then gives the
    line its contribution. Debits are only linked (match_debit pays an order once, whichever side reports it
    first).

    A queued credit that a statement import linked before the task reached it (the import locks the day's
    unrecorded rows, FeedTwins) is decided by the same rule from its linked line: the line the import recorded
    (by its pledge reference) is this credit's money.

    Called at the top of the per-credit step of app.bankfeed.services (a list, so a batch of notifications is one
    query per account and day)."""
    todo = [t for t in txns if t.bank_account_id is not None and t.statement_line_id is None]
    linked = [
        t for t in txns if t.is_credit and t.statement_line_id is not None and t.status == FeedStatus.QUEUED
    ]
    if not todo and not linked:
        return set()
    session.flush()
    lt = StatementLine.__table__
    ft = BankFeedTransaction.__table__
    handled: set[int] = set()
    if linked:
        lines = {
            r.id: r
            for r in session.execute(
                select(lt.c.id, lt.c.status, lt.c.contribution_id, lt.c.pledge_id).where(
                    lt.c.id.in_({t.statement_line_id for t in linked})
                )
            )
        }
        for t in linked:
            if (own := lines.get(t.statement_line_id or 0)) is not None:
                _take_line(t, own, handled)
    groups: dict[tuple[int, date], list[BankFeedTransaction]] = defaultdict(list)
    for t in todo:
        groups[(t.bank_account_id or 0, vn_day(t.txn_at))].append(t)
    for (account_id, day), group in groups.items():
        start, end = day_bounds(day)
        refs = {r for t in group if t.bank_reference for r in (t.bank_reference, normalize(t.bank_reference))}
        wanted: ColumnElement[bool] = lt.c.amount_vnd.in_({t.amount_vnd for t in group})
        if refs:
            wanted = or_(wanted, lt.c.reference.in_(refs))
        rows = session.execute(
            select(
                lt.c.id,
                lt.c.is_credit,
                lt.c.amount_vnd,
                lt.c.txn_at,
                lt.c.reference,
                lt.c.memo,
                lt.c.status,
                lt.c.contribution_id,
                lt.c.pledge_id,
            )
            .where(
                lt.c.bank_account_id == account_id,
                lt.c.txn_at >= start,
                lt.c.txn_at < end,
                wanted,
                ~select(ft.c.id).where(ft.c.statement_line_id == lt.c.id).exists(),
            )
            .order_by(lt.c.txn_at, lt.c.id)
        ).all()
        if not rows:
            continue
        by_id = {r.id: r for r in rows}
        same = SameTransaction(
            Seen(r.id, r.is_credit, r.amount_vnd, _aware(r.txn_at), r.reference, r.memo) for r in rows
        )
        for t in group:
            seen = same.take(Seen(t.id, t.is_credit, t.amount_vnd, t.txn_at, t.bank_reference, t.memo))
            if seen is None:
                continue
            line = by_id[seen.id]
            t.statement_line_id = line.id
            if t.is_credit:
                _take_line(t, line, handled)
    session.flush()
    return handled


def _take_line(t: BankFeedTransaction, line: Any, handled: set[int]) -> None:
    """A feed credit and its statement line (linked): the line's recording is the credit's, or the line was set
    aside by staff and the credit waits for them; else nothing (the credit is received, the line shares it)."""
    if line.contribution_id is not None:
        t.contribution_id = line.contribution_id
        t.pledge_id = line.pledge_id
        t.status = FeedStatus.RECEIVED
        t.note = LATE_NOTE
        handled.add(t.id)
    elif line.status == LineStatus.IGNORED:
        t.status = FeedStatus.PENDING
        t.note = "Trùng dòng sao kê cán bộ đã bỏ qua (không phải tiền ủng hộ): không ghi nhận."
        handled.add(t.id)


def recorded_twins(session: Session, txns: Sequence[BankFeedTransaction]) -> set[int]:
    """The feed credits (of `txns`) linked to a statement line that is recorded: the money of that transfer is
    received (the line's contribution), so receiving the credit would count it twice. A linked line still in the
    review queue, or set aside by staff, is not recorded: its credit may be received (share_recording then gives
    an open line that recording)."""
    linked = [(t.id, t.statement_line_id) for t in txns if t.is_credit and t.statement_line_id is not None]
    if not linked:
        return set()
    lt = StatementLine.__table__
    recorded = set(
        session.execute(
            select(lt.c.id).where(lt.c.id.in_({lid for _, lid in linked}), lt.c.contribution_id.is_not(None))
        ).scalars()
    )
    return {tid for tid, lid in linked if lid in recorded}


def share_recording(session: Session, txns: Sequence[BankFeedTransaction]) -> None:
    """A credit just received by the feed whose statement line (linked by take_statement_lines) waited
    unrecorded: the line takes the feed's contribution and leaves the review queue (as FeedTwins does
    for a line imported after its feed)."""
    recorded = [
        {
            "lid": t.statement_line_id,
            "cid": t.contribution_id,
            "pid": t.pledge_id,
            "st": LineStatus.MATCHED if t.pledge_id else LineStatus.RECEIPTED,
        }
        for t in txns
        if t.statement_line_id is not None and t.contribution_id is not None and t.is_credit
    ]
    if not recorded:
        return
    lt = StatementLine.__table__
    open_lines = set(
        session.execute(
            select(lt.c.id).where(
                lt.c.id.in_([r["lid"] for r in recorded]),
                lt.c.contribution_id.is_(None),
                lt.c.status == LineStatus.UNMATCHED,
            )
        ).scalars()
    )
    _bulk_link(session, [], [r for r in recorded if r["lid"] in open_lines])


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
    """The account's day: counts, and only the differences read into Python (a national day is 400 000 lines on
    each side: the lines are joined to their feed twins in SQL, never listed in an IN clause)."""
    start, end = day_bounds(day)
    lt = StatementLine.__table__
    ft = BankFeedTransaction.__table__
    twin = ft.alias("twin")
    in_day = (lt.c.bank_account_id == account.id, lt.c.txn_at >= start, lt.c.txn_at < end)
    feed_in_day = (ft.c.bank_account_id == account.id, ft.c.txn_at >= start, ft.c.txn_at < end)
    file_lines, matched = session.execute(
        select(func.count(lt.c.id), func.count(twin.c.id))
        .select_from(lt.outerjoin(twin, twin.c.statement_line_id == lt.c.id))
        .where(*in_day)
    ).one()
    feed_transactions = session.execute(select(func.count(ft.c.id)).where(*feed_in_day)).scalar_one()
    line_diffs = session.execute(
        select(
            lt.c.id,
            lt.c.txn_at,
            lt.c.is_credit,
            lt.c.amount_vnd,
            lt.c.reference,
            lt.c.memo,
            twin.c.id.label("twin_id"),
            twin.c.amount_vnd.label("twin_amount"),
        )
        .select_from(lt.outerjoin(twin, twin.c.statement_line_id == lt.c.id))
        .where(*in_day, or_(twin.c.id.is_(None), twin.c.amount_vnd != lt.c.amount_vnd))
    ).all()
    feed_diffs = session.execute(
        select(ft.c.id, ft.c.txn_at, ft.c.is_credit, ft.c.amount_vnd, ft.c.bank_reference, ft.c.memo).where(
            *feed_in_day, ft.c.statement_line_id.is_(None)
        )
    ).all()
    row = _day_row(session, account.id, day)
    notes: dict[str, str] = dict(row.explanations) if row else {}
    diffs: list[Difference] = []
    for line in line_diffs:
        diffs.append(
            Difference(
                "file_only" if line.twin_id is None else "amount",
                f"line:{line.id}",
                line.txn_at,
                line.is_credit,
                line.amount_vnd,
                other_amount_vnd=None if line.twin_id is None else line.twin_amount,
                reference=line.reference,
                memo=line.memo,
            )
        )
    for feed in feed_diffs:
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
        file_lines=int(file_lines),
        feed_transactions=int(feed_transactions),
        matched=int(matched),
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


def close_day(
    session: Session, actor: Actor, account: OfficialBankAccount, day: date
) -> tuple[ReconciliationDay, bool]:
    """Close the account's day once every difference is explained (audited). Idempotent: a second click (a double
    submit, a second tab) finds the day closed and changes nothing, records nothing; returns (the day, whether this
    call closed it). The day's row is locked first, so two clicks at once are served one after the other."""
    locked = session.execute(
        select(ReconciliationDay)
        .where(ReconciliationDay.bank_account_id == account.id, ReconciliationDay.day == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if locked is not None and locked.closed_at is not None:
        return locked, False
    report = day_report(session, account, day)
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
    return row, True
