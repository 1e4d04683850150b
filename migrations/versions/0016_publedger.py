"""publedger: the receiving official account of each contribution (public statement, issue 17.2) and the
chronological index of the ledger's transactions (the public ledger's keyset pages, issue 20.2).

Revision ID: 0016_publedger
Revises: 0015_verify
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_publedger"
down_revision = "0016_importer"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contributions_bank_account_id_official_bank_accounts"),
            "official_bank_accounts",
            ["bank_account_id"],
            ["id"],
        )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_transactions_day_id", ["occurred_on", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transactions_day_id")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contributions_bank_account_id_official_bank_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("bank_account_id")
