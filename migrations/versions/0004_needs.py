"""needs (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0004_needs
Revises: 0003_collections
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0004_needs'
down_revision = '0003_collections'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
