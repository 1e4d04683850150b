"""A bank statement from upload to import: the stored file, its column mapping and corrections, parsing as a
stream, and the import itself (lines stored once per account, matched lines recorded, proposals for the rest)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import batched, islice

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.audit.services import record
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.text import nfc
from app.core.uploads import store_bytes
from app.payments.bulk import CHUNK, bulk_insert_lines
from app.payments.errors import PaymentError
from app.payments.models import BankStatement, LineStatus, StatementLine, StatementStatus
from app.payments.proposals import Proposer
from app.payments.recording import record_matched_lines
from app.payments.statements import ParsedLine, ParseResult, StatementFormatError, parse_rows
from app.payments.statements.parsing import detect_preset, fingerprint_digest, iter_rows, stream_lines
from app.payments.transfers import active_campaign_for
from app.pledges.models import Pledge
from app.pledges.references import find_references

log = logging.getLogger(__name__)


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


@dataclass
class ImportSummary:
    lines_total: int
    lines_new: int
    lines_already: int
    lines_matched: int
    lines_proposed: int


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

    from app.bankfeed.reconcile import reconcile_statement  # lines the bank feed already delivered: not again

    reconcile_statement(session, stmt)
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
