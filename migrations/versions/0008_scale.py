"""scale: the public statement's sort indexes carry the search key (and the common filter columns), so a text
search over millions of contributions reads its page from the index in order (an index-only scan).

PostgreSQL only (INCLUDE columns); on SQLite the indexes stay as 0006 made them, with the same key columns.

Revision ID: 0008_scale
Revises: 0007_security
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0008_scale'
down_revision = '0007_security'
branch_labels = None
depends_on = None

INCLUDES = {
    'ix_contributions_received_on_id': (['received_on', 'id'], ['search_key', 'amount_vnd', 'pool_unit_id']),
    'ix_contributions_amount_id': (['amount_vnd', 'id'], ['search_key', 'received_on', 'pool_unit_id']),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (columns, include) in INCLUDES.items():
        op.drop_index(name, table_name='contributions')
        op.create_index(name, 'contributions', columns, unique=False, postgresql_include=include)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (columns, _) in INCLUDES.items():
        op.drop_index(name, table_name='contributions')
        op.create_index(name, 'contributions', columns, unique=False)
