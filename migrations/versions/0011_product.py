"""product gaps (placeholder)

Revision ID: 0011_product
Revises: 0010_payments_speed
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011_product'
down_revision = '0010_payments_speed'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
