"""statement import speed (placeholder)

Revision ID: 0010_payments_speed
Revises: 0009_task_outbox
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0010_payments_speed'
down_revision = '0009_task_outbox'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
