"""feeds: bank feed notifications (one row per bank transaction: unique on the provider's id and on the bank's
reference) and the reconciliation days of an account (explanations, closing).

Revision ID: 0016_feeds
Revises: 0015_verify
"""
from alembic import op
import sqlalchemy as sa

revision = '0016_feeds'
down_revision = '0016_yearend'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_feed_transactions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('provider_txn_id', sa.String(length=100), nullable=False),
    sa.Column('bank_reference', sa.String(length=100), nullable=True),
    sa.Column('account_number', sa.String(length=30), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=True),
    sa.Column('is_credit', sa.Boolean(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('txn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('counterparty_name', sa.String(length=255), nullable=False),
    sa.Column('counterparty_account', sa.String(length=40), nullable=False),
    sa.Column('running_balance_vnd', sa.BigInteger(), nullable=True),
    sa.Column('raw_payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('received', 'debit', 'unknown_account', 'pending', name='bank_feed_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.BigInteger(), nullable=True),
    sa.Column('statement_line_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['official_bank_accounts.id'], name=op.f('fk_bank_feed_transactions_bank_account_id_official_bank_accounts')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_bank_feed_transactions_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_feed_transactions')),
    sa.UniqueConstraint('account_number', 'bank_reference', name=op.f('uq_bank_feed_transactions_account_number_bank_reference')),
    sa.UniqueConstraint('provider', 'provider_txn_id', name=op.f('uq_bank_feed_transactions_provider_provider_txn_id'))
    )
    with op.batch_alter_table('bank_feed_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_bank_feed_transactions_account_time', ['bank_account_id', 'txn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_feed_transactions_statement_line_id'), ['statement_line_id'], unique=False)

    op.create_table('bank_reconciliation_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('explanations', sa.JSON(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bank_account_id'], ['official_bank_accounts.id'], name=op.f('fk_bank_reconciliation_days_bank_account_id_official_bank_accounts')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_bank_reconciliation_days_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_reconciliation_days')),
    sa.UniqueConstraint('bank_account_id', 'day', name=op.f('uq_bank_reconciliation_days_bank_account_id_day'))
    )


def downgrade():
    op.drop_table('bank_reconciliation_days')
    with op.batch_alter_table('bank_feed_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_feed_transactions_statement_line_id'))
        batch_op.drop_index('ix_bank_feed_transactions_account_time')

    op.drop_table('bank_feed_transactions')
