"""importer: the statement's stored preview and preset detection, and background import progress (issue 17);
statement lines re-fingerprinted (the memo's identity no longer depends on where it wrapped).

The fingerprint of a statement line now folds the memo and counterparty and drops all their whitespace
(app.payments.statements.parsing._squeeze). Lines stored before keep their identity only if their fingerprint is
recomputed the same way: otherwise re-importing an old statement would store its lines again (and record money
matched by reference a second time). A migration imports no application code, so the rule is repeated here.

Revision ID: 0016_importer
Revises: 0015_verify
"""

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from hashlib import sha1

from alembic import op
import sqlalchemy as sa

VN = timezone(timedelta(hours=7))
_SPACES = re.compile(r"\s+")
BATCH = 5000

revision = "0016_importer"
down_revision = "0015_verify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detection", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.alter_column("detection", server_default=None)
        batch_op.alter_column("preview", server_default=None)
    op.create_table(
        "statement_import_progress",
        sa.Column("statement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("lines_done", sa.Integer(), nullable=False),
        sa.Column("lines_total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_statement_import_progress")),
    )
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_lines_proposed_pledge_id"), ["proposed_pledge_id"], unique=False
        )

    refingerprint(op.get_bind())


def _fold(text):
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped).lower()).strip()


def _squeeze(text):
    folded = text.lower() if text.isascii() else _fold(text)
    return _SPACES.sub("", folded)


def _when(value, has_time):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(VN)
    return local.strftime("%Y-%m-%dT%H:%M:%S") if has_time else local.strftime("%Y-%m-%d")


def fingerprint(txn_at, has_time, is_credit, amount_vnd, reference, memo, counterparty):
    parts = (
        _when(txn_at, bool(has_time)),
        "C" if is_credit else "D",
        str(amount_vnd),
        (reference or "").strip().upper(),
        _squeeze(memo or ""),
        _squeeze(counterparty or ""),
    )
    return sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def refingerprint(conn):
    """Every stored line's fingerprint recomputed, and occurrences renumbered per (account, fingerprint) in line
    order. Rows are first moved to negative occurrences, so no intermediate state meets the unique key."""
    lines = conn.execute(
        sa.text(
            "SELECT id, bank_account_id, txn_at, has_time, is_credit, amount_vnd, reference, memo, counterparty "
            "FROM statement_lines ORDER BY bank_account_id, id"
        )
    ).all()
    if not lines:
        return
    seen = {}
    updates = []
    for r in lines:
        fp = fingerprint(r.txn_at, r.has_time, r.is_credit, r.amount_vnd, r.reference, r.memo, r.counterparty)
        key = (r.bank_account_id, fp)
        seen[key] = seen.get(key, 0) + 1
        updates.append({"line_id": r.id, "fp": fp, "n": seen[key]})
    conn.execute(sa.text("UPDATE statement_lines SET occurrence = -id"))
    stmt = sa.text("UPDATE statement_lines SET fingerprint = :fp, occurrence = :n WHERE id = :line_id")
    for i in range(0, len(updates), BATCH):
        conn.execute(stmt, updates[i : i + BATCH])


def downgrade():
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_lines_proposed_pledge_id"))
    op.drop_table("statement_import_progress")
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.drop_column("preview")
        batch_op.drop_column("detection")
