"""payments: card payments, webhook events, refunds, bank statements and their lines

Revision ID: 0002s_payments
Revises: 0002_pledges_payments
"""
from alembic import op
import sqlalchemy as sa


revision = '0002s_payments'
down_revision = '0002_pledges_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('card_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=False),
    sa.Column('amount_refunded_vnd', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_refunds')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_card_refunds_payment_intent_id'))
    )
    op.create_table('payment_webhook_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=80), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=255), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_webhook_events')),
    sa.UniqueConstraint('gateway', 'event_id', name=op.f('uq_payment_webhook_events_gateway_event_id'))
    )
    with op.batch_alter_table('payment_webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_webhook_events_object_id'), ['object_id'], unique=False)

    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('preset', sa.String(length=40), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('fixes', sa.JSON(), nullable=False),
    sa.Column('skipped_rows', sa.JSON(), nullable=False),
    sa.Column('opening_balance_vnd', sa.BigInteger(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('file_kind', sa.String(length=10), nullable=False),
    sa.Column('file_path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('draft', 'imported', 'discarded', name='statement_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('lines_total', sa.Integer(), nullable=False),
    sa.Column('lines_new', sa.Integer(), nullable=False),
    sa.Column('lines_already', sa.Integer(), nullable=False),
    sa.Column('lines_matched', sa.Integer(), nullable=False),
    sa.Column('credits_vnd', sa.BigInteger(), nullable=False),
    sa.Column('debits_vnd', sa.BigInteger(), nullable=False),
    sa.Column('balance_report', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_account_id'], ['official_bank_accounts.id'], name=op.f('fk_bank_statements_bank_account_id_official_bank_accounts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_bank_statements_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'], name=op.f('fk_bank_statements_unit_id_admin_units')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_bank_statements_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements'))
    )
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statements_bank_account_id'), ['bank_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_statements_unit_id'), ['unit_id'], unique=False)

    op.create_table('card_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.String(length=255), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('paid_vnd', sa.BigInteger(), nullable=False),
    sa.Column('refunded_vnd', sa.BigInteger(), nullable=False),
    sa.Column('checkout_url', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'processing', 'paid', 'failed', 'expired', 'refunded', name='card_payment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_card_payments_amount_positive')),
    sa.CheckConstraint('refunded_vnd >= 0', name=op.f('ck_card_payments_refunded_not_negative')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_card_payments_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_card_payments_idempotency_key')),
    sa.UniqueConstraint('session_id', name=op.f('uq_card_payments_session_id'))
    )
    with op.batch_alter_table('card_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_payments_payment_intent_id'), ['payment_intent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_payments_pledge_id'), ['pledge_id'], unique=False)

    op.create_table('statement_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('file_row', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.String(length=20), nullable=False),
    sa.Column('txn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('has_time', sa.Boolean(), nullable=False),
    sa.Column('is_credit', sa.Boolean(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('counterparty', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('unmatched', 'matched', 'receipted', 'ignored', 'debit', name='statement_line_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('proposed_pledge_id', sa.Integer(), nullable=True),
    sa.Column('proposal_reason', sa.String(length=255), nullable=False),
    sa.Column('contribution_id', sa.BigInteger(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_statement_lines_amount_positive')),
    sa.ForeignKeyConstraint(['bank_account_id'], ['official_bank_accounts.id'], name=op.f('fk_statement_lines_bank_account_id_official_bank_accounts')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_statement_lines_handled_by_id_users')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_statement_lines_pledge_id_pledges')),
    sa.ForeignKeyConstraint(['proposed_pledge_id'], ['pledges.id'], name=op.f('fk_statement_lines_proposed_pledge_id_pledges')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_statement_lines_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines')),
    sa.UniqueConstraint('bank_account_id', 'fingerprint', 'occurrence', name=op.f('uq_statement_lines_bank_account_id_fingerprint_occurrence'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_pledge_id'), ['pledge_id'], unique=False)
        batch_op.create_index('ix_statement_lines_queue', ['bank_account_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_lines_statement_id'), ['statement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_statement_id'))
        batch_op.drop_index('ix_statement_lines_queue')
        batch_op.drop_index(batch_op.f('ix_statement_lines_pledge_id'))

    op.drop_table('statement_lines')
    with op.batch_alter_table('card_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_payments_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_card_payments_payment_intent_id'))

    op.drop_table('card_payments')
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statements_unit_id'))
        batch_op.drop_index(batch_op.f('ix_bank_statements_bank_account_id'))

    op.drop_table('bank_statements')
    with op.batch_alter_table('payment_webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_webhook_events_object_id'))

    op.drop_table('payment_webhook_events')
    op.drop_table('card_refunds')
