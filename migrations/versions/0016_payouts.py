"""payouts: households' payment details (encrypted), payout orders with maker–checker, bank payment batches and
proof documents (issue 18 items 1–3).

Revision ID: 0016_payouts
Revises: 0015_verify
"""
from alembic import op
import sqlalchemy as sa


revision = "0016_payouts"
down_revision = "0016_publedger"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('paying_account_id', sa.Integer(), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('total_vnd', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('total_vnd > 0', name=op.f('ck_payout_batches_total_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payout_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['paying_account_id'], ['official_bank_accounts.id'], name=op.f('fk_payout_batches_paying_account_id_official_bank_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_batches'))
    )
    op.create_table('payment_details',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('method', sa.Enum('bank', 'cash', name='payment_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('bank_name', sa.String(length=120), nullable=False),
    sa.Column('account_number_enc', sa.Text(), nullable=True),
    sa.Column('account_last4', sa.String(length=4), nullable=False),
    sa.Column('account_digest', sa.String(length=64), nullable=True),
    sa.Column('holder_name_enc', sa.Text(), nullable=True),
    sa.Column('recipient_name_enc', sa.Text(), nullable=True),
    sa.Column('witness_name_enc', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_payment_details_version_positive')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_payment_details_need_id_household_needs')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_payment_details_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_details')),
    sa.UniqueConstraint('need_id', name=op.f('uq_payment_details_need_id'))
    )
    with op.batch_alter_table('payment_details', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_details_account_digest'), ['account_digest'], unique=False)

    op.create_table('payment_details_editors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('details_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['details_id'], ['payment_details.id'], name=op.f('fk_payment_details_editors_details_id_payment_details')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_details_editors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_details_editors')),
    sa.UniqueConstraint('details_id', 'user_id', name='uq_payment_details_editors_user')
    )
    with op.batch_alter_table('payment_details_editors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_details_editors_details_id'), ['details_id'], unique=False)

    op.create_table('payout_orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('tranche', sa.Enum('advance', 'progress', 'final', name='payout_tranche_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.Enum('bank', 'cash', name='payout_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'exported', 'paid', 'cancelled', name='payout_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_amount_vnd', sa.BigInteger(), nullable=True),
    sa.Column('approved_details_version', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cash_proof_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('bank_reference', sa.String(length=255), nullable=False),
    sa.Column('disbursement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payout_orders_amount_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_payout_orders_approved_by_id_users')),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batches.id'], name=op.f('fk_payout_orders_batch_id_payout_batches')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_units.id'], name=op.f('fk_payout_orders_commune_id_admin_units')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['need_disbursements.id'], name=op.f('fk_payout_orders_disbursement_id_need_disbursements')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_payout_orders_need_id_household_needs')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_payout_orders_paid_by_id_users')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_payout_orders_prepared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_orders')),
    sa.UniqueConstraint('disbursement_id', name=op.f('uq_payout_orders_disbursement_id'))
    )
    with op.batch_alter_table('payout_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_orders_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_payout_orders_commune_status', ['commune_id', 'status'], unique=False)
        batch_op.create_index('ix_payout_orders_need_status', ['need_id', 'status'], unique=False)

    op.create_table('payout_editors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_action', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['payout_orders.id'], name=op.f('fk_payout_editors_order_id_payout_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payout_editors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_editors')),
    sa.UniqueConstraint('order_id', 'user_id', name='uq_payout_editors_order_user')
    )
    with op.batch_alter_table('payout_editors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_editors_order_id'), ['order_id'], unique=False)

    op.create_table('payout_proofs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('stage', sa.Enum('proposed', 'approved', 'funded', 'started', 'completed', 'handed_over', 'rejected', name='payout_proof_stage', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('kind', sa.Enum('receipt', 'cash_record', 'handover', 'stage_photo', 'other', name='payout_proof_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('file_kind', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('document_ref', sa.String(length=120), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_payout_proofs_need_id_household_needs')),
    sa.ForeignKeyConstraint(['order_id'], ['payout_orders.id'], name=op.f('fk_payout_proofs_order_id_payout_orders')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_payout_proofs_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_proofs'))
    )
    with op.batch_alter_table('payout_proofs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_proofs_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_proofs_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payout_proofs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_proofs_order_id'))
        batch_op.drop_index(batch_op.f('ix_payout_proofs_need_id'))

    op.drop_table('payout_proofs')
    with op.batch_alter_table('payout_editors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_editors_order_id'))

    op.drop_table('payout_editors')
    with op.batch_alter_table('payout_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_orders_need_status')
        batch_op.drop_index('ix_payout_orders_commune_status')
        batch_op.drop_index(batch_op.f('ix_payout_orders_batch_id'))

    op.drop_table('payout_orders')
    with op.batch_alter_table('payment_details_editors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_details_editors_details_id'))

    op.drop_table('payment_details_editors')
    with op.batch_alter_table('payment_details', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_details_account_digest'))

    op.drop_table('payment_details')
    op.drop_table('payout_batches')
