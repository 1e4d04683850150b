"""Statement lines written in bulk: a COPY on PostgreSQL, executemany in chunks elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.payments.models import StatementLine

CHUNK = 5000

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
    "contribution_id",
    "handled_at",
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return (
        value.translate(_COPY_ESCAPES)
        if ("\\" in value or "\t" in value or "\n" in value or "\r" in value)
        else value
    )


def bulk_insert_lines(
    session: Session, account_id: int, statement_id: int, rows: list[tuple], *, ids_of: Sequence[int] = ()
) -> dict[int, int]:
    """Insert statement lines in bulk, inside the session's transaction: on PostgreSQL one COPY in text format
    written in large blocks (no per-cell adaptation) and sorted by fingerprint, elsewhere executemany in chunks. Each row is
    (fingerprint, occurrence, ParsedLine, status, pledge id, proposed pledge id, proposal reason, contribution id):
    a line written with its contribution (the bank feed recorded its money) is written handled now.
    Returns {row index: line id} for the rows of `ids_of` (the lines to link to their feed transaction).
    Never one ORM object per line (a national statement has a million). Benchmark-driven (docs/CONVENTIONS.md,
    "Benchmark-driven machinery"): BENCHMARKS.md row payments.statement_import (31 139 lines/s, 23.9x the per-row
    baseline, target 10x and 1 000 000 lines in 180 s). At 20 000 lines it gains only 1.18x over executemany
    (07/12/2026): to be timed nationally, and removed if the row holds without it. The executemany path is what
    the SQLite tests run."""
    session.flush()
    if not rows:
        return {}
    conn = session.connection()
    table = StatementLine.__table__
    now = utcnow()
    if conn.dialect.name == "postgresql":
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
        null = chr(92) + "N"
        handled = f"\t{now.isoformat()}\n"
        unhandled = f"\t{null}\t{null}\n"
        stamps: dict = {}
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            buf: list[str] = []
            for i in order:
                fp, n, line, status, pledge_id, proposal, reason, contribution_id = rows[i]
                at = stamps.get(line.txn_at)
                if at is None:
                    at = stamps[line.txn_at] = line.txn_at.isoformat()
                buf.append(
                    f"{ids[i]}{head}{fp}\t{n}\t{line.file_row}\t{_copy_text(line.row_no)}\t{at}\t"
                    f"{'t' if line.has_time else 'f'}\t{'t' if line.is_credit else 'f'}\t{line.amount_vnd}\t"
                    f"{_copy_text(line.reference)}\t{_copy_text(line.memo)}\t{_copy_text(line.counterparty)}\t"
                    f"{status.value}\t{pledge_id if pledge_id is not None else null}\t"
                    f"{proposal if proposal is not None else null}\t{_copy_text(reason)}"
                    + (unhandled if contribution_id is None else f"\t{contribution_id}{handled}")
                )
                if len(buf) >= 20_000:
                    copy.write("".join(buf))
                    buf.clear()
            if buf:
                copy.write("".join(buf))
        return {i: ids[i] for i in ids_of}
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
                    contribution_id=contribution_id,
                    handled_at=None if contribution_id is None else now,
                )
                for fp, n, line, status, pledge_id, proposal, reason, contribution_id in chunk
            ],
        )
    if not ids_of:
        return {}
    # executemany does not give the ids back: read those asked for by the lines' unique key
    wanted = {(rows[i][0], rows[i][1]): i for i in ids_of}
    fps = sorted({fp for fp, _ in wanted})
    found: dict[int, int] = {}
    for k in range(0, len(fps), CHUNK):
        for line_id, fp, n in conn.execute(
            select(table.c.id, table.c.fingerprint, table.c.occurrence).where(
                table.c.bank_account_id == account_id, table.c.fingerprint.in_(fps[k : k + CHUNK])
            )
        ):
            if (fp, n) in wanted:
                found[wanted[(fp, n)]] = line_id
    return found
