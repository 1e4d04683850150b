"""auth: failed logins are no longer counted on the user row (the per-e-mail delay lives in the rate limiter's
storage, the same for e-mails with and without an account), and accounts are never locked.

Revision ID: 0014_auth
Revises: 0014_sort
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_auth'
down_revision = '0014_sort'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
