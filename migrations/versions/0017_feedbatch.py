"""feedbatch: bank feed rows queued by the webhook and recorded by a task in batches (issue 17): the status
"queued" and a partial index of the queued rows.

Revision ID: 0017_feedbatch
Revises: 0017_recon
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_feedbatch"
down_revision = "0017_recon"
branch_labels = None
depends_on = None

OLD = ("received", "debit", "unknown_account", "pending")
NEW = ("queued", *OLD)


def _check(values):
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table("bank_feed_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_bank_feed_transactions_bank_feed_status"), type_="check")
        batch_op.create_check_constraint("bank_feed_status", _check(NEW))
        batch_op.create_index(
            "ix_bank_feed_transactions_queued",
            ["id"],
            unique=False,
            postgresql_where=sa.text("status = 'queued'"),
            sqlite_where=sa.text("status = 'queued'"),
        )


def downgrade():
    op.execute("UPDATE bank_feed_transactions SET status = 'pending' WHERE status = 'queued'")
    with op.batch_alter_table("bank_feed_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_feed_transactions_queued")
        batch_op.drop_constraint(batch_op.f("ck_bank_feed_transactions_bank_feed_status"), type_="check")
        batch_op.create_check_constraint("bank_feed_status", _check(OLD))
