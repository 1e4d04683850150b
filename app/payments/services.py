"""Bank transfers: the account and VietQR for a pledge, statement import, matching and the review queue.

Money is recorded only through app.contributions.receive.receive (one MoneyIn per line, received by the unit that
owns the account the line arrived in).
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import batched, islice

from sqlalchemy import String, any_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.audit.services import record
from app.banking import vietqr
from app.banking.models import OfficialBankAccount
from app.banking.services import account_for_pledge, account_owner
from app.campaigns.models import Campaign, CampaignStatus
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import MoneyIn, mask_account, receive
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.text import fold, nfc
from app.core.uploads import store_bytes
from app.donors.models import Donor
from app.payments.models import (
    BankStatement,
    LineStatus,
    StatementLine,
    StatementStatus,
)
from app.payments.statements import (
    ParsedLine,
    ParseResult,
    StatementFormatError,
    parse_rows,
)
from app.payments.statements.parsing import _fold, detect_preset, fingerprint_digest, iter_rows, stream_lines
from app.pledges.models import Pledge, PledgeStatus
from app.pledges.references import find_references, normalize
from app.pledges.services import outstanding
from app.units.models import AdminUnit

CHUNK = 5000
log = logging.getLogger(__name__)


class PaymentError(ValueError):
    """A refused payment operation; the message is Vietnamese."""


# ------------------------------------------------------------------------------------------------ transfer info
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


# ------------------------------------------------------------------------------------------------ upload, parse
def create_statement(
    session: Session,
    actor: Actor,
    *,
    account: OfficialBankAccount,
    kind: str,
    data: bytes,
    original_name: str,
    preset: str = "auto",
    opening_balance_vnd: int | None = None,
) -> BankStatement:
    """Keep the uploaded file (for audit) and a draft statement; nothing is imported yet. The head of the file is
    read first, so a file refused there (StatementFormatError) leaves nothing behind, not even the stored copy."""
    head = list(islice(iter_rows(kind, data), 40))
    if preset == "auto":
        preset = detect_preset(head) or "custom"
    stored = store_bytes(data, kind, original_name, "statements")
    stmt = BankStatement(
        bank_account_id=account.id,
        unit_id=account.unit_id,
        preset=preset,
        campaign_id=(c.id if (c := active_campaign_for(session, account.unit_id)) else None),
        opening_balance_vnd=opening_balance_vnd,
        original_name=stored.original_name,
        file_kind=kind,
        file_path=str(stored.path),
        sha256=stored.sha256,
        uploaded_by_id=actor.user_id,
        mapping={},
        fixes={},
        skipped_rows=[],
    )
    session.add(stmt)
    session.flush()
    record(
        session,
        actor,
        "statement.upload",
        "bank_statement",
        stmt.id,
        new={
            "account": account.account_number[-4:],
            "file": stored.original_name,
            "sha256": stored.sha256,
            "preset": preset,
        },
        unit_id=account.unit_id,
    )
    return stmt


def statement_head(stmt: BankStatement, n: int = 40) -> tuple[list[list], int]:
    """The first n rows of the stored file and its number of rows, read as a stream (for the column mapping)."""
    rows = iter_rows(stmt.file_kind, stmt.file_path)
    head = list(islice(rows, n))
    return head, len(head) + sum(1 for _ in rows)


def stream_statement(stmt: BankStatement) -> tuple[ParseResult, Iterator[ParsedLine]]:
    """The stored file parsed as a stream (parsing.stream_lines): what import_statement reads."""
    return stream_lines(
        iter_rows(stmt.file_kind, stmt.file_path),
        preset=stmt.preset,
        mapping=stmt.mapping,
        fixes=stmt.fixes,
        skipped=stmt.skipped_rows,
        opening_balance_vnd=stmt.opening_balance_vnd,
    )


def parse_statement(
    stmt: BankStatement, rows: list[list] | None = None, *, keep_lines: int | None = None
) -> ParseResult:
    """The statement's lines, errors and balance check; the stored file is read as a stream (no list of its
    rows). `keep_lines` keeps only the first lines (a preview: line_count and the totals cover them all)."""
    rows = rows if rows is not None else iter_rows(stmt.file_kind, stmt.file_path)
    return parse_rows(
        rows,
        preset=stmt.preset,
        mapping=stmt.mapping,
        fixes=stmt.fixes,
        skipped=stmt.skipped_rows,
        opening_balance_vnd=stmt.opening_balance_vnd,
        keep_lines=keep_lines,
    )


def lock_statement(session: Session, stmt: BankStatement) -> BankStatement:
    """Lock the statement's row (PostgreSQL: SELECT … FOR UPDATE) and re-read it, so the status a caller checks
    next is the committed one: two staff pressing "Nhập" on the same draft at once are served one after the
    other, and the second sees IMPORTED and gets a message instead of colliding on the lines' unique key."""
    return session.execute(
        select(BankStatement)
        .where(BankStatement.id == stmt.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()  # the same object as `stmt`, its attributes re-read


def set_corrections(
    session: Session, actor: Actor, stmt: BankStatement, *, fixes: dict, skipped: list[int]
) -> None:
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError("Sao kê đã được nhập; không sửa được nữa.")
    merged = {**(stmt.fixes or {})}
    for row, values in fixes.items():
        clean = {k: nfc(str(v)) for k, v in values.items() if v is not None and str(v).strip()}
        if clean:
            merged[str(row)] = clean
    stmt.fixes = merged
    stmt.skipped_rows = sorted({int(x) for x in skipped})
    session.flush()
    record(
        session,
        actor,
        "statement.corrections",
        "bank_statement",
        stmt.id,
        new={"fixes": merged, "skipped_rows": stmt.skipped_rows},
        unit_id=stmt.unit_id,
    )


def set_mapping(session: Session, actor: Actor, stmt: BankStatement, mapping: dict) -> None:
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError("Sao kê đã được nhập; không đổi cách đọc cột được nữa.")
    stmt.preset = "custom"
    stmt.mapping = mapping
    session.flush()
    record(
        session,
        actor,
        "statement.mapping",
        "bank_statement",
        stmt.id,
        new={"mapping": mapping},
        unit_id=stmt.unit_id,
    )


# ------------------------------------------------------------------------------------------------ proposals
_GENERIC = {
    "cong",
    "ty",
    "tnhh",
    "co",
    "phan",
    "cp",
    "mtv",
    "ho",
    "ong",
    "ba",
    "anh",
    "chi",
    "gia",
    "dinh",
    "chi nhanh",
    "ngan",
    "hang",
    "tmcp",
}
_WORD = re.compile(r"[a-z0-9]+")


def _name_key(name: str) -> str:
    words = _WORD.findall(fold(name))
    while words and words[0] in _GENERIC:
        words = words[1:]
    return " ".join(words)


@dataclass
class _Candidate:
    pledge_id: int
    reference: str
    amount_vnd: int
    due_vnd: int
    name_key: str
    created_at: datetime


class Proposer:
    """Proposals for credit lines without a reference: same amount (what is due, or the pledge), the donor's
    name in the memo, and a transfer made after the pledge. Loaded once per statement (no query per line)."""

    def __init__(self, session: Session, unit_id: int | None):
        scope = [unit_id] if unit_id is not None else None
        if unit_id is not None:
            scope += list(
                session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit_id)).scalars()
            )
        q = (
            select(Pledge.id, Pledge.reference, Pledge.amount_vnd, Pledge.created_at, Donor.name)
            .join(Donor, Donor.id == Pledge.donor_id)
            .where(Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]))
        )
        if scope is not None:
            q = q.where(or_(Pledge.receiving_unit_id.in_(scope), Pledge.earmark_unit_id.in_(scope)))
        rows = session.execute(q).all()
        paid = (
            dict(
                session.execute(
                    select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
                    .where(
                        Contribution.status == ContributionStatus.RECORDED,
                        Contribution.pledge_id.in_([r.id for r in rows] or [-1]),
                    )
                    .group_by(Contribution.pledge_id)
                ).all()
            )
            if rows
            else {}
        )
        self._by_amount_and_time: dict[tuple[int, datetime], tuple[int | None, str]] = {}
        self.by_amount: dict[int, list[_Candidate]] = defaultdict(list)
        self.by_first_word: dict[str, list[_Candidate]] = defaultdict(list)
        for r in rows:
            c = _Candidate(
                r.id,
                r.reference,
                r.amount_vnd,
                max(0, r.amount_vnd - int(paid.get(r.id) or 0)),
                _name_key(r.name),
                r.created_at,
            )
            self.by_amount[c.due_vnd].append(c)
            if c.amount_vnd != c.due_vnd:
                self.by_amount[c.amount_vnd].append(c)
            if len(c.name_key.split()) >= 2:
                self.by_first_word[c.name_key.split()[0]].append(c)

    def propose(self, amount_vnd: int, memo: str, counterparty: str, at: datetime) -> tuple[int | None, str]:
        amount_hits = self.by_amount.get(amount_vnd, ())
        by_first_word = self.by_first_word
        words = _WORD.findall(_fold(f"{memo} {counterparty}")) if by_first_word else ()
        name_hits = [c for w in set(words) for c in by_first_word.get(w, ())]
        if not amount_hits and not name_hits:
            return None, ""
        if not name_hits:  # the answer depends on the amount and the time only: computed once for each
            key = (amount_vnd, at)
            cached = self._by_amount_and_time.get(key)
            if cached is None:
                cached = self._rank(amount_hits, (), words, amount_vnd, at)
                if len(self._by_amount_and_time) > 100_000:
                    self._by_amount_and_time.clear()
                self._by_amount_and_time[key] = cached
            return cached
        return self._rank(amount_hits, name_hits, words, amount_vnd, at)

    def _rank(self, amount_hits, name_hits, words, amount_vnd: int, at: datetime) -> tuple[int | None, str]:  # type: ignore[no-untyped-def]
        scores: dict[int, list] = {}  # pledge id -> [score, reasons, candidate]

        def add(c: _Candidate, points: int, why: str) -> None:
            entry = scores.setdefault(c.pledge_id, [0, [], c])
            entry[0] += points
            entry[1].append(why)

        for c in amount_hits:
            add(
                c,
                50 if c.due_vnd == amount_vnd else 40,
                "đúng số tiền còn phải nộp" if c.due_vnd == amount_vnd else "đúng số tiền đăng ký",
            )
        if name_hits:
            padded = " " + " ".join(words) + " "
            for c in name_hits:
                if f" {c.name_key} " in padded:
                    add(c, 40, "tên người ủng hộ có trong nội dung")
        if not scores:
            return None, ""
        for entry in scores.values():
            c = entry[2]
            if c.created_at <= at + timedelta(days=1):
                entry[0] += 10
                entry[1].append("chuyển sau ngày đăng ký")
        ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
        if not ranked:  # name words matched but no candidate's full name did
            return None, ""
        best_id, (best, reasons, _) = ranked[0]
        if best < 50 or (len(ranked) > 1 and ranked[1][1][0] == best):
            return None, ""
        return best_id, "; ".join(reasons)[:255]


# ------------------------------------------------------------------------------------------------ import
@dataclass
class ImportSummary:
    lines_total: int
    lines_new: int
    lines_already: int
    lines_matched: int
    lines_proposed: int


def _masked(counterparty: str) -> str | None:
    m = re.search(r"\d{6,}", counterparty or "")
    return mask_account(m.group(0)) if m else None


def import_statement(
    session: Session,
    actor: Actor,
    stmt: BankStatement,
    *,
    acknowledge_breaks: bool = False,
    result: ParseResult | None = None,
) -> ImportSummary:
    """Import a statement: every line once per bank account (bulk inserts), credit lines carrying a valid
    pledge reference recorded at once, proposals for the rest. Refuses while a broken row is neither fixed nor
    skipped, and while a balance break is not acknowledged.

    Without `result` the stored file is read and parsed as a stream and stored in chunks of IMPORT_CHUNK lines
    (a national statement is a million lines: neither its rows nor its lines are ever all in memory), inside a
    savepoint of the caller's transaction: a broken row or a balance break found late rolls back whatever was
    already stored, so a refused import leaves nothing, and the caller's commit stores the statement whole.
    The statement's row stays locked until that commit: a concurrent import waits, then finds it imported."""
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError("Sao kê này đã được nhập hoặc đã hủy.")
    try:
        if result is None:
            result, lines = stream_statement(stmt)
        else:
            lines = iter(result.lines)
    except StatementFormatError as exc:
        raise PaymentError(str(exc)) from exc
    if refusal := _refusal(result, acknowledge_breaks):
        raise PaymentError(refusal)
    started = time.perf_counter()
    savepoint = session.begin_nested()
    try:
        new_count, proposed = _store_lines(session, stmt, result, lines, acknowledge_breaks)
        if refusal := _refusal(result, acknowledge_breaks):
            raise PaymentError(refusal)
    except StatementFormatError as exc:  # the file became unreadable half-way (a corrupt spreadsheet)
        savepoint.rollback()
        raise PaymentError(str(exc)) from exc
    except PaymentError:
        savepoint.rollback()
        raise
    savepoint.commit()
    total = result.line_count
    log.info(
        "statement %s: %d lines, %d new, stored in %.1f s",
        stmt.id,
        total,
        new_count,
        time.perf_counter() - started,
    )

    matched = record_matched_lines(session, actor, stmt)

    stmt.status = StatementStatus.IMPORTED
    stmt.imported_at = utcnow()
    stmt.lines_total = total
    stmt.lines_new = new_count
    stmt.lines_already = total - new_count
    stmt.lines_matched = matched
    stmt.credits_vnd = result.credits_vnd
    stmt.debits_vnd = result.debits_vnd
    stmt.balance_report = "\n".join(result.breaks)
    session.flush()
    record(
        session,
        actor,
        "statement.import",
        "bank_statement",
        stmt.id,
        new={
            "lines": stmt.lines_total,
            "new": stmt.lines_new,
            "already": stmt.lines_already,
            "matched": stmt.lines_matched,
            "proposed": proposed,
            "credits_vnd": stmt.credits_vnd,
            "debits_vnd": stmt.debits_vnd,
            "balance_breaks": len(result.breaks),
            "skipped_rows": stmt.skipped_rows,
        },
        unit_id=stmt.unit_id,
    )
    log.info(
        "statement %s: %d matched lines recorded, %.1f s in all",
        stmt.id,
        matched,
        time.perf_counter() - started,
    )
    return ImportSummary(total, new_count, total - new_count, matched, proposed)


def _refusal(result: ParseResult, acknowledge_breaks: bool) -> str | None:
    if result.errors:
        return (
            f"Còn {len(result.errors)} dòng lỗi: sửa hoặc chọn bỏ qua từng dòng rồi nhập lại. "
            "Chưa có dòng nào được nhập."
        )
    if result.breaks and not acknowledge_breaks:
        return (
            "Số dư trên sao kê không khớp (có thể thiếu dòng). Kiểm tra báo cáo số dư, "
            "rồi xác nhận nếu vẫn muốn nhập."
        )
    return None


IMPORT_CHUNK = 50_000


def _store_lines(
    session: Session,
    stmt: BankStatement,
    result: ParseResult,
    lines: Iterator[ParsedLine],
    acknowledge_breaks: bool,
) -> tuple[int, int]:
    """Fingerprint, drop the lines already stored, look up references, propose and bulk-insert, one chunk of
    lines at a time. Once the import is bound to be refused (a broken row, an unacknowledged break) nothing
    more is stored: the rest is only parsed, to report every broken row. Returns (new lines, proposals).

    Kept for the whole statement: the occurrence count of each fingerprint (20-byte digests), nothing else."""
    account_id = stmt.bank_account_id
    proposer = Proposer(session, stmt.unit_id)
    occurrences: dict[bytes, int] = {}
    new_count = proposed = 0
    for chunk in batched(lines, IMPORT_CHUNK):
        if _refusal(result, acknowledge_breaks):
            continue
        keyed: list[tuple[str, int, ParsedLine]] = []
        for line in chunk:
            digest = fingerprint_digest(line)
            n = occurrences[digest] = occurrences.get(digest, 0) + 1
            keyed.append((digest.hex(), n, line))
        del chunk
        existing = _existing_keys(session, account_id, list({fp for fp, _, _ in keyed}))
        refs: dict[int, list[str]] = {}  # each credit line's candidate references, in the order written
        for idx, (_, _, line) in enumerate(keyed):
            if line.is_credit:
                found = find_references(line.memo) + (
                    find_references(line.reference) if line.reference else []
                )
                if found:
                    refs[idx] = found
        wanted = sorted({ref for found in refs.values() for ref in found})
        pledges: dict[str, int] = {}
        for i in range(0, len(wanted), CHUNK):
            pledges.update(
                (ref, pid)
                for ref, pid in session.execute(
                    select(Pledge.reference, Pledge.id).where(Pledge.reference.in_(wanted[i : i + CHUNK]))
                )
            )
        rows: list[tuple] = []
        for idx, (fp, n, line) in enumerate(keyed):
            if existing and (fp, n) in existing:
                continue
            pledge_id = next((pledges[r] for r in refs.get(idx, ()) if r in pledges), None)
            proposal, reason = (None, "")
            if line.is_credit and pledge_id is None:
                proposal, reason = proposer.propose(
                    line.amount_vnd, line.memo, line.counterparty, line.txn_at
                )
                proposed += proposal is not None
            rows.append(
                (
                    fp,
                    n,
                    line,
                    LineStatus.DEBIT
                    if not line.is_credit
                    else LineStatus.MATCHED
                    if pledge_id
                    else LineStatus.UNMATCHED,
                    pledge_id,
                    proposal,
                    reason,
                )
            )
        del keyed, existing
        new_count += len(rows)
        bulk_insert_lines(session, account_id, stmt.id, rows)
    return new_count, proposed


def _existing_keys(session: Session, account_id: int, fps: list[str]) -> set[tuple[str, int]]:
    """(fingerprint, occurrence) of this account's stored lines with one of these fingerprints: on PostgreSQL
    one query per chunk of lines (an array parameter, the unique index), elsewhere IN lists of CHUNK."""
    existing: set[tuple[str, int]] = set()
    if not fps:
        return existing
    q = select(StatementLine.fingerprint, StatementLine.occurrence).where(
        StatementLine.bank_account_id == account_id
    )
    if session.connection().dialect.name == "postgresql":
        found = session.execute(
            q.where(
                StatementLine.fingerprint == any_(bindparam("fps", fps, type_=postgresql.ARRAY(String(40))))
            )
        )
        existing.update((fp, n) for fp, n in found)
        return existing
    for i in range(0, len(fps), CHUNK):
        found = session.execute(q.where(StatementLine.fingerprint.in_(fps[i : i + CHUNK])))
        existing.update((fp, n) for fp, n in found)
    return existing


_LINE_COLUMNS = (
    "bank_account_id",
    "statement_id",
    "fingerprint",
    "occurrence",
    "file_row",
    "row_no",
    "txn_at",
    "has_time",
    "is_credit",
    "amount_vnd",
    "reference",
    "memo",
    "counterparty",
    "status",
    "pledge_id",
    "proposed_pledge_id",
    "proposal_reason",
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return (
        value.translate(_COPY_ESCAPES)
        if ("\\" in value or "\t" in value or "\n" in value or "\r" in value)
        else value
    )


def bulk_insert_lines(session: Session, account_id: int, statement_id: int, rows: Iterable[tuple]) -> None:
    """Insert statement lines in bulk, inside the session's transaction: on PostgreSQL one COPY in text format
    written in large blocks (no per-cell adaptation) and sorted by fingerprint, elsewhere executemany in chunks. Each row is
    (fingerprint, occurrence, ParsedLine, status, pledge id, proposed pledge id, proposal reason).
    Never one ORM object per line (a national statement has a million). Benchmark-driven (docs/CONVENTIONS.md,
    "Benchmark-driven machinery"): BENCHMARKS.md row payments.statement_import (31 139 lines/s, 23.9x the per-row
    baseline, target 10x and 1 000 000 lines in 180 s). At 20 000 lines it gains only 1.18x over executemany
    (07/12/2026): to be timed nationally, and removed if the row holds without it. The executemany path is what
    the SQLite tests run."""
    session.flush()
    conn = session.connection()
    table = StatementLine.__table__
    if conn.dialect.name == "postgresql":
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            # Ids in file order (the order staff see and matched lines are recorded in), rows sent in
            # fingerprint order: the unique (account, fingerprint, occurrence) index then grows at a few
            # places instead of at a random page per line, the costliest part of a large import.
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence('statement_lines', 'id')) FROM generate_series(1, %s)",
                (len(rows),),
            )
            ids = [r[0] for r in cur.fetchall()]
        fps = [r[0] for r in rows]
        order = sorted(range(len(rows)), key=fps.__getitem__)  # stable: occurrences stay ascending
        del fps
        cols = ", ".join(f'"{c}"' for c in ("id", *_LINE_COLUMNS))
        head = f"\t{account_id}\t{statement_id}\t"
        stamps: dict = {}
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            buf: list[str] = []
            for i in order:
                fp, n, line, status, pledge_id, proposal, reason = rows[i]
                at = stamps.get(line.txn_at)
                if at is None:
                    at = stamps[line.txn_at] = line.txn_at.isoformat()
                buf.append(
                    f"{ids[i]}{head}{fp}\t{n}\t{line.file_row}\t{_copy_text(line.row_no)}\t{at}\t"
                    f"{'t' if line.has_time else 'f'}\t{'t' if line.is_credit else 'f'}\t{line.amount_vnd}\t"
                    f"{_copy_text(line.reference)}\t{_copy_text(line.memo)}\t{_copy_text(line.counterparty)}\t"
                    f"{status.value}\t{pledge_id if pledge_id is not None else chr(92) + 'N'}\t"
                    f"{proposal if proposal is not None else chr(92) + 'N'}\t{_copy_text(reason)}\n"
                )
                if len(buf) >= 20_000:
                    copy.write("".join(buf))
                    buf.clear()
            if buf:
                copy.write("".join(buf))
    else:
        it = iter(rows)
        while chunk := list(islice(it, CHUNK)):
            conn.execute(
                insert(table),
                [
                    dict(
                        bank_account_id=account_id,
                        statement_id=statement_id,
                        fingerprint=fp,
                        occurrence=n,
                        file_row=line.file_row,
                        row_no=line.row_no,
                        txn_at=line.txn_at,
                        has_time=line.has_time,
                        is_credit=line.is_credit,
                        amount_vnd=line.amount_vnd,
                        reference=line.reference,
                        memo=line.memo,
                        counterparty=line.counterparty,
                        status=status,
                        pledge_id=pledge_id,
                        proposed_pledge_id=proposal,
                        proposal_reason=reason,
                    )
                    for fp, n, line, status, pledge_id, proposal, reason in chunk
                ],
            )


def _line_money(line, owner_unit_id: int | None, key: str, pledge_id: int | None = None) -> MoneyIn:  # type: ignore[no-untyped-def]
    """A statement line as money received: by the unit that owns the account it arrived in."""
    return MoneyIn(
        amount_vnd=line.amount_vnd,
        channel=Channel.BANK_TRANSFER,
        received_at=line.txn_at,
        receiving_unit_id=owner_unit_id,
        bank_account_id=line.bank_account_id,
        pledge_id=pledge_id,
        bank_txn_ref=line.reference or None,
        masked_account=_masked(line.counterparty),
        source=f"statement:{line.statement_id}:{line.id}",
        idempotency_key=key,
    )


def record_matched_lines(session: Session, actor: Actor, stmt: BankStatement) -> int:
    """Record the money of the statement's lines matched by reference, all at once, through receive(): each
    line pays its pledge (in line order, so several lines for one pledge fill it up in turn; any excess an
    unrestricted gift), received by the account's owner, one ledger transaction per campaign. Returns the number
    of lines recorded."""
    lines = session.execute(
        select(
            StatementLine.id,
            StatementLine.statement_id,
            StatementLine.bank_account_id,
            StatementLine.pledge_id,
            StatementLine.amount_vnd,
            StatementLine.txn_at,
            StatementLine.reference,
            StatementLine.counterparty,
        )
        .where(
            StatementLine.statement_id == stmt.id,
            StatementLine.status == LineStatus.MATCHED,
            StatementLine.contribution_id.is_(None),
        )
        .order_by(StatementLine.id)
    ).all()
    if not lines:
        return 0
    owner = account_owner(session, stmt.bank_account_id)
    made = receive(
        session,
        actor,
        [_line_money(line, owner, f"bankline:{line.id}", line.pledge_id) for line in lines],
        batch_source=f"statement:{stmt.id}",
    )
    contribution_of: dict[int, int] = {}
    for r in made:
        contribution_of.setdefault(lines[r.index].id, r.id)
    now = utcnow()
    table = StatementLine.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam("line_id"))
        .values(contribution_id=bindparam("cid"), handled_by_id=actor.user_id, handled_at=now),
        [{"line_id": line.id, "cid": contribution_of.get(line.id)} for line in lines],
    )
    session.flush()
    return len(lines)


def _line_key(session: Session, line_id: int) -> str:
    """The idempotency key that records a line's money: bankline:<id>; once that recording was reversed (the
    line is open again, see reverse_line) bankline:<id>:2, :3 … so a new recording is not taken for the
    reversed one. A key whose receipt is still recorded is returned as is (the recording stays idempotent)."""
    base = f"bankline:{line_id}"
    n = 1
    while True:
        key = base if n == 1 else f"{base}:{n}"
        statuses = (
            session.execute(
                select(Contribution.status).where(Contribution.idempotency_key.in_([key, f"{key}:excess"]))
            )
            .scalars()
            .all()
        )
        if not statuses or ContributionStatus.RECORDED in statuses:
            return key
        n += 1


def _record_lines_for_pledges(
    session: Session, actor: Actor, pairs: list[tuple[StatementLine, Pledge]]
) -> None:
    """Lines of the review queue paid to a pledge (a confirmed proposal, a reference typed by staff)."""
    items = [
        _line_money(
            line,
            account_owner(session, line.bank_account_id),
            _line_key(session, line.id),
            pledge.id,
        )
        for line, pledge in pairs
    ]
    made = receive(session, actor, items)
    first: dict[int, int] = {}
    for r in made:
        first.setdefault(r.index, r.id)
    now = utcnow()
    for idx, (line, pledge) in enumerate(pairs):
        line.status = LineStatus.MATCHED
        line.pledge_id = pledge.id
        line.contribution_id = first.get(idx)
        line.handled_by_id = actor.user_id
        line.handled_at = now


# ------------------------------------------------------------------------------------------------ review queue
def _open_lines(session: Session, line_ids: list[int], account_ids: set[int]) -> list[StatementLine]:
    lines = list(
        session.execute(
            select(StatementLine).where(StatementLine.id.in_(line_ids or [-1])).order_by(StatementLine.id)
        ).scalars()
    )
    if any(line.bank_account_id not in account_ids for line in lines) or len(lines) != len(set(line_ids)):
        raise PaymentError("Có dòng sao kê không tồn tại hoặc không thuộc địa bàn của bạn.")
    done = [line for line in lines if line.status != LineStatus.UNMATCHED]
    if done:
        raise PaymentError(
            f"{len(done)} dòng đã được xử lý trước đó (hoặc là dòng ghi nợ); hãy tải lại trang."
        )
    return lines


def confirm_proposals(session: Session, actor: Actor, line_ids: list[int], account_ids: set[int]) -> int:
    lines = _open_lines(session, line_ids, account_ids)
    missing = [line.file_row for line in lines if line.proposed_pledge_id is None]
    if missing:
        raise PaymentError("Dòng " + ", ".join(map(str, missing)) + " chưa có đề xuất để xác nhận.")
    _record_lines_for_pledges(
        session, actor, [(line, session.get(Pledge, line.proposed_pledge_id)) for line in lines]
    )
    session.flush()
    return len(lines)


def match_to_references(
    session: Session, actor: Actor, refs_by_line: dict[int, str], account_ids: set[int]
) -> int:
    """Staff typed a pledge reference (or pledge number) next to each line."""
    lines = _open_lines(session, list(refs_by_line), account_ids)
    found = {}
    for line in lines:
        ref = normalize(refs_by_line[line.id])
        pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one_or_none()
        if pledge is None:
            raise PaymentError(f"Dòng {line.file_row}: không có đăng ký ủng hộ mã “{refs_by_line[line.id]}”.")
        found[line.id] = pledge
    _record_lines_for_pledges(session, actor, [(line, found[line.id]) for line in lines])
    session.flush()
    return len(lines)


def receipt_lines(
    session: Session, actor: Actor, names_by_line: dict[int, str | None], account_ids: set[int]
) -> int:
    """Turn lines without a pledge into receipts: named (the name staff typed) or "Nhà hảo tâm"."""
    lines = _open_lines(session, list(names_by_line), account_ids)
    items: list[MoneyIn] = []
    for line in lines:
        stmt = session.get(BankStatement, line.statement_id)
        campaign_id = stmt.campaign_id or (
            c.id if (c := active_campaign_for(session, stmt.unit_id)) else None
        )
        if campaign_id is None:
            raise PaymentError(
                "Chưa có cuộc vận động đang diễn ra cho địa bàn này; không ghi biên nhận được."
            )
        name = nfc(names_by_line[line.id] or "") or None
        item = _line_money(line, account_owner(session, line.bank_account_id), _line_key(session, line.id))
        item.display_name = name
        item.is_anonymous = name is None
        item.campaign_id = campaign_id
        items.append(item)
    made = receive(session, actor, items)
    now = utcnow()
    for r in made:
        line = lines[r.index]
        line.status = LineStatus.RECEIPTED
        line.contribution_id = r.id
        line.handled_by_id = actor.user_id
        line.handled_at = now
    session.flush()
    return len(lines)


def ignore_lines(
    session: Session, actor: Actor, line_ids: list[int], account_ids: set[int], reason: str
) -> int:
    lines = _open_lines(session, line_ids, account_ids)
    if not (reason or "").strip():
        raise PaymentError("Lý do bỏ qua: cần ghi lý do (ví dụ: hoàn trả, chuyển nhầm).")
    session.execute(
        update(StatementLine)
        .where(StatementLine.id.in_([x.id for x in lines]))
        .values(status=LineStatus.IGNORED, handled_by_id=actor.user_id, handled_at=utcnow())
    )
    for line in lines:
        unit_id = account_owner(session, line.bank_account_id)
        record(
            session,
            actor,
            "statement_line.ignore",
            "statement_line",
            line.id,
            new={"reason": nfc(reason), "amount_vnd": line.amount_vnd},
            unit_id=unit_id,
        )
    session.flush()
    return len(lines)


# ------------------------------------------------------------------------------------------------ reversal
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
    from app.contributions.reversal import reverse_contributions
    from app.ledger.services import LedgerError
    from app.pledges.services import refresh_status

    reason = (nfc(reason) or "").strip()
    if not reason:
        raise PaymentError("Lý do đảo: chưa nhập.")
    if len(reason) > 1000:
        raise PaymentError("Lý do đảo: quá dài (tối đa 1000 ký tự).")
    line = session.execute(
        select(StatementLine)
        .where(StatementLine.id == line_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if line is None or (account_ids is not None and line.bank_account_id not in account_ids):
        raise PaymentError("Không tìm thấy dòng sao kê, hoặc dòng không thuộc địa bàn của bạn.")
    if line.status not in REVERSIBLE_LINE_STATUSES or line.contribution_id is None:
        raise PaymentError(
            f"Dòng {line.file_row} chưa được ghi nhận hoặc đã được đảo trước đó; không có khoản nào để đảo."
        )
    contributions = line_contributions(session, line, lock=True)
    recorded = [c for c in contributions if c.status == ContributionStatus.RECORDED]
    if not recorded:
        raise PaymentError(f"Biên nhận của dòng {line.file_row} đã được hủy trước đó.")
    try:
        reverse_contributions(session, actor, [c.id for c in recorded], reason)
    except LedgerError as exc:
        raise PaymentError(f"Không đảo được dòng {line.file_row}: {exc}") from exc
    except ValueError as exc:  # ContributionError
        raise PaymentError(str(exc)) from exc
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
