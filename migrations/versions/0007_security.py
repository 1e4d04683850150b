"""security (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0007_security
Revises: 0006_transparency_reports
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0007_security'
down_revision = '0006_transparency_reports'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
