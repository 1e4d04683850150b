"""verify: the consistency verifier's runs (app.ledger.verify), kept for the staff home page's alert.

Revision ID: 0015_verify
Revises: 0015_money
"""

from alembic import op
import sqlalchemy as sa

revision = "0015_verify"
down_revision = "0015_money"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checks")),
    )
    with op.batch_alter_table("ledger_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_checks_checked_at"), ["checked_at"], unique=False)


def downgrade():
    with op.batch_alter_table("ledger_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_checks_checked_at"))

    op.drop_table("ledger_checks")
