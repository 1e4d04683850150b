"""durable task outbox (placeholder: the Redis-down work fills it in)

Revision ID: 0009_task_outbox
Revises: 0008_scale
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0009_task_outbox'
down_revision = '0008_scale'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
