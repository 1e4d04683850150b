"""product gaps: automatic lapsing of pledges (when lapsed by the task, donor told, last reopened)

Revision ID: 0011_product
Revises: 0009_task_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_product'
down_revision = '0009_task_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_lapsed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lapse_notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('lapse_notified_at')
        batch_op.drop_column('auto_lapsed_at')
