"""transparency_reports (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0006_transparency_reports
Revises: 0005_certificates
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0006_transparency_reports'
down_revision = '0005_certificates'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
