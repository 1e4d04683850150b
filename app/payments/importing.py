"""A bank statement from upload to import: the stored file, its column mapping and corrections, parsing as a
stream, and the import itself (lines stored once per account, matched lines recorded, proposals for the rest)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import batched, islice

from sqlalchemy import String, any_, bindparam, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.audit.services import record
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_, restored, stored
from app.core.text import nfc
from app.core.uploads import store_bytes
from app.payments.bulk import CHUNK, bulk_insert_lines
from app.payments.errors import PaymentError
from app.payments.models import (
    BankStatement,
    LineStatus,
    StatementImportProgress,
    StatementLine,
    StatementStatus,
)
from app.payments.proposals import Proposer
from app.payments.recording import record_matched_lines
from app.payments.statements import ParsedLine, ParseResult, RowError, StatementFormatError, parse_rows
from app.payments.statements.parsing import fingerprint_digest, iter_rows, score_presets, stream_lines
from app.payments.transfers import active_campaign_for
from app.payouts.services import match_statement_debits
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
    preview: bool = True,
) -> BankStatement:
    """Keep the uploaded file (for audit) and a draft statement; nothing is imported yet. The head of the file is
    read first, so a file refused there (StatementFormatError) leaves nothing behind, not even the stored copy.

    Every preset is scored on the head of the file and the best fit chosen (score_presets; the scores are kept
    for staff to see); then the whole file is parsed once and its preview stored (refresh_preview): the draft
    page reads that, never the file again. With preview=False (a large file, when a worker is configured) the
    preview is left empty for the payments.preview_statement task to fill."""
    head = list(islice(iter_rows(kind, data), 200))
    scores = score_presets(head)
    chosen_by = "staff"
    if preset == "auto":
        preset = scores[0].preset if scores else "custom"
        chosen_by = "auto"
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
        detection={"chosen": preset, "by": chosen_by, "scores": [x.as_dict() for x in scores]},
        preview={},
    )
    session.add(stmt)
    session.flush()
    if preview:
        refresh_preview(stmt, data)
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
            "preset_score": scores[0].score if scores and scores[0].preset == preset else None,
        },
        unit_id=account.unit_id,
    )
    return stmt


PREVIEW_LINES = 30  # lines kept in the stored preview (a national statement is a million)
PREVIEW_ERRORS = 1000  # error messages kept; the rows of every error are kept (for "skip all")


def refresh_preview(stmt: BankStatement, data: bytes | None = None) -> None:
    """Parse the statement (its stored file, or `data`, the bytes just uploaded) once, with its mapping, fixes and
    skipped rows, and store what the draft page shows: counts, totals, errors, balance breaks, page furniture and
    the first lines. A custom layout not mapped yet stores an empty preview."""
    if stmt.preset == "custom" and not stmt.mapping:
        stmt.preview = {}
        return
    rows = iter_rows(stmt.file_kind, data if data is not None else stmt.file_path)
    try:
        result = parse_statement(stmt, rows, keep_lines=PREVIEW_LINES)  # type: ignore[arg-type]
    except StatementFormatError as exc:
        stmt.preview = {"format_error": str(exc)}
        return
    stmt.preview = {
        "line_count": result.line_count,
        "credits_vnd": result.credits_vnd,
        "debits_vnd": result.debits_vnd,
        "error_count": len(result.errors),
        "error_rows": sorted({e.file_row for e in result.errors}),
        "errors": [{**asdict(e), "message": stored(e.message)} for e in result.errors[:PREVIEW_ERRORS]],
        "breaks": [stored(b) for b in result.breaks[:PREVIEW_ERRORS]],
        "break_count": len(result.breaks),
        "furniture_rows": result.furniture_rows,
        "furniture_examples": [list(x) for x in result.furniture_examples],
        "ignored_rows": result.ignored_rows,
        "skipped_rows": result.skipped_rows,
        "lines": [_line_dict(x) for x in result.lines],
        "parsed_at": utcnow().isoformat(),
    }


def _line_dict(line: ParsedLine) -> dict:
    return {
        "file_row": line.file_row,
        "txn_at": line.txn_at.isoformat(),
        "has_time": line.has_time,
        "is_credit": line.is_credit,
        "amount_vnd": line.amount_vnd,
        "reference": line.reference,
        "memo": line.memo,
        "counterparty": line.counterparty,
        "row_no": line.row_no,
        "balance_vnd": line.balance_vnd,
    }


@dataclass
class StoredPreview:
    """The stored preview as the draft page reads it (RowError and ParsedLine objects again)."""

    line_count: int
    credits_vnd: int
    debits_vnd: int
    errors: list[RowError]
    error_count: int
    error_rows: list[int]
    breaks: list[str]
    furniture_rows: int
    furniture_examples: list[tuple[int, str]]
    lines: list[ParsedLine]
    format_error: str = ""


def stored_preview(stmt: BankStatement) -> StoredPreview:
    p = stmt.preview or {}
    return StoredPreview(
        line_count=int(p.get("line_count", 0)),
        credits_vnd=int(p.get("credits_vnd", 0)),
        debits_vnd=int(p.get("debits_vnd", 0)),
        errors=[RowError(**{**e, "message": restored(e["message"])}) for e in p.get("errors", [])],
        error_count=int(p.get("error_count", 0)),
        error_rows=[int(x) for x in p.get("error_rows", [])],
        breaks=[restored(b) for b in p.get("breaks", [])],
        furniture_rows=int(p.get("furniture_rows", 0)),
        furniture_examples=[(int(r), str(t)) for r, t in p.get("furniture_examples", [])],
        lines=[
            ParsedLine(**{**x, "txn_at": datetime.fromisoformat(x["txn_at"])}) for x in p.get("lines", [])
        ],
        format_error=str(p.get("format_error", "")),
    )


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
    session: Session,
    actor: Actor,
    stmt: BankStatement,
    *,
    fixes: dict,
    skipped: list[int],
    refresh: bool = True,
) -> None:
    """Keep staff's fixes and skipped rows, and parse again for the preview (refresh=False: leave the preview
    empty for the background task to fill)."""
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError(N_("Sao kê đã được nhập; không sửa được nữa."))
    merged = {**(stmt.fixes or {})}
    for row, values in fixes.items():
        clean = {k: nfc(str(v)) for k, v in values.items() if v is not None and str(v).strip()}
        if clean:
            merged[str(row)] = clean
    stmt.fixes = merged
    stmt.skipped_rows = sorted({int(x) for x in skipped})
    if refresh:
        refresh_preview(stmt)
    else:
        stmt.preview = {}
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


def set_mapping(
    session: Session, actor: Actor, stmt: BankStatement, mapping: dict, *, refresh: bool = True
) -> None:
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError(N_("Sao kê đã được nhập; không đổi cách đọc cột được nữa."))
    stmt.preset = "custom"
    stmt.mapping = mapping
    stmt.detection = {**(stmt.detection or {}), "chosen": "custom", "by": "staff"}
    if refresh:
        refresh_preview(stmt)
    else:
        stmt.preview = {}
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
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a statement: every line once per bank account (bulk inserts), credit lines carrying a valid
    pledge reference recorded at once, proposals for the rest. Refuses while a broken row is neither fixed nor
    skipped, and while a balance break is not acknowledged.

    Without `result` the stored file is read and parsed as a stream and stored in chunks of IMPORT_CHUNK lines
    (a national statement is a million lines: neither its rows nor its lines are ever all in memory), inside a
    savepoint of the caller's transaction: a broken row or a balance break found late rolls back whatever was
    already stored, so a refused import leaves nothing, and the caller's commit stores the statement whole.
    The statement's row stays locked until that commit: a concurrent import waits, then finds it imported.
    `progress(lines read so far)` is called after each chunk (the background task shows it to staff).

    A statement of which no line could be read is refused (NO_LINES), never imported as "0 lines"."""
    if lock_statement(session, stmt).status != StatementStatus.DRAFT:
        raise PaymentError(N_("Sao kê này đã được nhập hoặc đã hủy."))
    try:
        if result is None:
            result, lines = stream_statement(stmt)
        else:
            lines = iter(result.lines)
    except StatementFormatError as exc:
        raise PaymentError(*exc.args) from exc
    if refusal := _refusal(result, acknowledge_breaks):
        raise PaymentError(refusal)
    started = time.perf_counter()
    savepoint = session.begin_nested()
    try:
        new_count, proposed = _store_lines(session, stmt, result, lines, acknowledge_breaks, progress)
        if refusal := _refusal(result, acknowledge_breaks):
            raise PaymentError(refusal)
    except StatementFormatError as exc:  # the file became unreadable half-way (a corrupt spreadsheet)
        savepoint.rollback()
        raise PaymentError(*exc.args) from exc
    except PaymentError:
        savepoint.rollback()
        raise
    if result.line_count == 0:  # "skip all errors" of a wrongly read file is not an import of 0 lines
        savepoint.rollback()
        raise PaymentError(NO_LINES)
    savepoint.commit()
    total = result.line_count
    log.info(
        "statement %s: %d lines, %d new, stored in %.1f s",
        stmt.id,
        total,
        new_count,
        time.perf_counter() - started,
    )

    proposed -= one_proposal_per_pledge(session, stmt)
    matched = record_matched_lines(session, actor, stmt)
    match_statement_debits(session, stmt.id)  # debits naming a payout order (CT-PO-…) pay that order

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


NO_LINES = (
    "Không có dòng giao dịch nào đọc được trong sao kê này: chưa nhập gì. Có thể mẫu sao kê chưa đúng "
    "(hãy chọn mẫu khác hoặc tự ghép cột), hoặc tệp không có giao dịch."
)


def _refusal(result: ParseResult, acknowledge_breaks: bool) -> str | None:
    if result.errors:
        return N_(
            "Còn %(n)s dòng lỗi: sửa hoặc chọn bỏ qua từng dòng rồi nhập lại. Chưa có dòng nào được nhập.",
            n=len(result.errors),
        )
    if result.breaks and not acknowledge_breaks:
        return N_(
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
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Fingerprint, drop the lines already stored, look up references, propose and bulk-insert, one chunk of
    lines at a time. Once the import is bound to be refused (a broken row, an unacknowledged break) nothing
    more is stored: the rest is only parsed, to report every broken row. Returns (new lines, proposals).

    Each new line the bank feed already delivered (reconcile.FeedTwins: the one rule SameTransaction, the feed's
    rows of the line's day read once) is written linked to it, with the feed's recording when the feed recorded
    it (no proposal, never received again); then only those feed rows are updated with their line.

    Kept for the whole statement: the occurrence count of each fingerprint (20-byte digests) and the feed rows of
    the statement's days."""
    from app.bankfeed.reconcile import FeedTwins, link_feed_rows, vn_day

    account_id = stmt.bank_account_id
    proposer = Proposer(session, stmt.unit_id)
    twins = FeedTwins(session, account_id)
    occurrences: dict[bytes, int] = {}
    new_count = proposed = read = 0
    for chunk in batched(lines, IMPORT_CHUNK):
        read += len(chunk)
        if progress is not None:
            progress(read)
        if _refusal(result, acknowledge_breaks):
            continue
        keyed: list[tuple[str, int, ParsedLine]] = []
        for line in chunk:
            digest = fingerprint_digest(line)
            n = occurrences[digest] = occurrences.get(digest, 0) + 1
            keyed.append((digest.hex(), n, line))
        del chunk
        existing = _existing_keys(session, account_id, list({fp for fp, _, _ in keyed}))
        twins.load({vn_day(line.txn_at) for _, _, line in keyed})
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
        links: list[tuple[int, int]] = []  # (row index, feed id)
        for idx, (fp, n, line) in enumerate(keyed):
            if existing and (fp, n) in existing:
                continue
            twin = twins.take(line.is_credit, line.amount_vnd, line.txn_at, line.reference, line.memo)
            if twin is not None:
                links.append((len(rows), twin.id))
                if line.is_credit and twin.contribution_id is not None:  # the feed's recording is the line's
                    status = LineStatus.MATCHED if twin.pledge_id else LineStatus.RECEIPTED
                    rows.append((fp, n, line, status, twin.pledge_id, None, "", twin.contribution_id))
                    continue
            pledge_id = next((pledges[r] for r in refs.get(idx, ()) if r in pledges), None)
            proposal, reason = (None, "")
            if line.is_credit and pledge_id is None:
                proposal, reason, _score = proposer.propose_scored(
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
                    None,
                )
            )
        del keyed, existing
        new_count += len(rows)
        ids = bulk_insert_lines(session, account_id, stmt.id, rows, ids_of=[i for i, _ in links])
        link_feed_rows(session, [(fid, ids[i]) for i, fid in links])
    return new_count, proposed


def one_proposal_per_pledge(session: Session, stmt: BankStatement) -> int:
    """At most one open line proposed per pledge (issue 17: one open 50 000 000 ₫ pledge was proposed for every
    50 000 000 ₫ line of the day): for each pledge proposed in this statement, of all the review queue's open
    lines proposing it, keep the best-scored (the donor's name, then the earliest transfer) and clear the others.
    Returns the number of proposals cleared."""
    pledge_ids = list(
        session.execute(
            select(StatementLine.proposed_pledge_id)
            .where(StatementLine.statement_id == stmt.id, StatementLine.proposed_pledge_id.is_not(None))
            .distinct()
        ).scalars()
    )
    if not pledge_ids:
        return 0
    rows = []
    for i in range(0, len(pledge_ids), CHUNK):
        rows += session.execute(
            select(
                StatementLine.id,
                StatementLine.proposed_pledge_id,
                StatementLine.amount_vnd,
                StatementLine.memo,
                StatementLine.counterparty,
                StatementLine.txn_at,
            ).where(
                StatementLine.status == LineStatus.UNMATCHED,
                StatementLine.proposed_pledge_id.in_(pledge_ids[i : i + CHUNK]),
            )
        ).all()
    groups: dict[int, list] = {}
    for r in rows:
        groups.setdefault(r.proposed_pledge_id, []).append(r)
    contested = {pid: group for pid, group in groups.items() if len(group) > 1}
    if not contested:
        return 0
    proposer = Proposer(session, stmt.unit_id)
    cleared: list[int] = []
    for pid, group in contested.items():
        ranked = sorted(
            group,
            key=lambda r: (
                -proposer.score(pid, r.amount_vnd, r.memo, r.counterparty, r.txn_at),
                r.txn_at,
                r.id,
            ),
        )
        cleared += [r.id for r in ranked[1:]]
    for ids in batched(cleared, CHUNK):
        session.execute(
            update(StatementLine)
            .where(StatementLine.id.in_(ids))
            .values(proposed_pledge_id=None, proposal_reason="")
        )
    return len(cleared)


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


# ------------------------------------------------------------------------------------------------ progress
def queue_import(session: Session, stmt: BankStatement) -> None:
    """A background import about to be queued: its progress row, committed with the request."""
    row = session.get(StatementImportProgress, stmt.id)
    total = int((stmt.preview or {}).get("line_count", 0))
    if row is None:
        session.add(StatementImportProgress(statement_id=stmt.id, lines_total=total))
    else:
        row.state, row.lines_done, row.lines_total, row.message = "queued", 0, total, ""
        row.updated_at = utcnow()
    session.flush()


def import_progress(session: Session, statement_id: int) -> StatementImportProgress | None:
    return session.get(StatementImportProgress, statement_id)


def progress_writer(session: Session, statement_id: int) -> Callable[[int], None]:
    """`progress` for import_statement in a background task: each call writes the lines read so far through a
    connection of its own, committed at once, so the draft page shows it while the import's own transaction is
    still open. PostgreSQL only (SQLite has one writer at a time: its import shows no progress)."""
    engine = session.get_bind().engine  # type: ignore[union-attr]
    if engine.dialect.name != "postgresql":
        return lambda done: None
    table = StatementImportProgress.__table__

    def write(done: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(
                    table.update()
                    .where(table.c.statement_id == statement_id)
                    .values(state="running", lines_done=done, updated_at=utcnow())
                )
        except Exception:  # noqa: BLE001 - progress is a courtesy: never the reason an import fails
            log.warning("statement %s: progress not written", statement_id, exc_info=True)

    return write


def finish_progress(session: Session, statement_id: int, *, ok: bool, done: int, message: str = "") -> None:
    """The progress row's last state, in the task's own transaction (committed with the import, or alone after
    a refused import was rolled back)."""
    row = session.get(StatementImportProgress, statement_id)
    if row is None:
        return
    row.state = "done" if ok else "failed"
    row.lines_done = done
    row.message = message
    row.updated_at = utcnow()
