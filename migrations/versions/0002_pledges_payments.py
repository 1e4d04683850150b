"""pledges: instalments, in-kind pledges, schedule, payment intent, lifecycle columns

Revision ID: 0002_pledges_payments
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_pledges_payments'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pledge_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_pledge_instalments_amount_positive')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_pledge_instalments_pledge_id_pledges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_instalments')),
    sa.UniqueConstraint('pledge_id', 'seq', name=op.f('uq_pledge_instalments_pledge_id_seq'))
    )
    with op.batch_alter_table('pledge_instalments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_instalments_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_instalments_pledge_id'), ['pledge_id'], unique=False)

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('money', 'in_kind', name='pledge_kind', native_enum=False, create_constraint=True), server_default='money', nullable=False))
        batch_op.add_column(sa.Column('schedule', sa.Enum('now', 'instalments', name='pledge_schedule', native_enum=False, create_constraint=True), server_default='now', nullable=False))
        batch_op.add_column(sa.Column('payment_method', sa.Enum('bank_transfer', 'card', 'cash', 'in_kind', name='pledge_payment_method', native_enum=False, create_constraint=True), server_default='bank_transfer', nullable=False))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('in_kind_description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('in_kind_quantity', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('overdue_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_pledges_contact_email'), ['contact_email'], unique=False)


def downgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledges_contact_email'))
        for name in ('ck_pledges_pledge_kind', 'ck_pledges_pledge_schedule', 'ck_pledges_pledge_payment_method'):
            batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.drop_column('overdue_reminded_at')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('close_reason')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('in_kind_quantity')
        batch_op.drop_column('in_kind_description')
        batch_op.drop_column('due_on')
        batch_op.drop_column('payment_method')
        batch_op.drop_column('schedule')
        batch_op.drop_column('kind')

    with op.batch_alter_table('pledge_instalments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_instalments_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_instalments_due_on'))

    op.drop_table('pledge_instalments')
