"""certificates (placeholder: the issue that owns it fills in upgrade/downgrade)

Revision ID: 0005_certificates
Revises: 0004m_matching
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0005_certificates'
down_revision = '0004m_matching'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
