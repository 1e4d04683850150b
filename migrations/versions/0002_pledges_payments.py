"""pledges (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0002_pledges_payments
Revises: 0001_foundation
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0002_pledges_payments'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
