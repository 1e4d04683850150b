"""scale (placeholder: the search and export work fills it in)

Revision ID: 0008_scale
Revises: 0007_security
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0008_scale'
down_revision = '0007_security'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
