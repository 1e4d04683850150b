"""collections (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0003_collections
Revises: 0002s_payments
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0003_collections'
down_revision = '0002s_payments'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
