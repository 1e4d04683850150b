"""matching (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0004m_matching
Revises: 0004_needs
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0004m_matching'
down_revision = '0004_needs'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
