"""durable task outbox: tasks committed with the business change, published after the commit or by the sweep

Revision ID: 0009_task_outbox
Revises: 0008_scale
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_task_outbox'
down_revision = '0008_scale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_name', sa.String(length=120), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_task_outbox_dedupe_key'))
    )
    with op.batch_alter_table('task_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_outbox_dispatched_at'), ['dispatched_at'], unique=False)

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('staff_notified_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_column('staff_notified_at')
        batch_op.drop_column('confirmation_sent_at')

    with op.batch_alter_table('task_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_outbox_dispatched_at'))

    op.drop_table('task_outbox')
