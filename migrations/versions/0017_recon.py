"""recon: statement lines indexed by account and time (issue 17): a feed notification arriving after its
statement line was imported looks for the line among the account's lines of that day
(app.bankfeed.reconcile.take_statement_lines, on every credit), and the reconciliation page reads an account's day.

Revision ID: 0017_recon
Revises: 0017_privacy
"""
from alembic import op

revision = '0017_recon'
down_revision = "0017_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index('ix_statement_lines_account_time', ['bank_account_id', 'txn_at'], unique=False)


def downgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_lines_account_time')
