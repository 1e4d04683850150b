"""name sort: the public statement sorted by name in Vietnamese order (ICU collation vi-x-icu) reads its pages from an
index in that order, which also carries the search key, so a text search sorted by name is an index-only scan too
(PostgreSQL only; SQLite sorts its demo sizes by the search key).

Revision ID: 0013_name_sort
Revises: 0012_search_terms
"""
from alembic import op

revision = '0013_name_sort'
down_revision = '0012_search_terms'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('CREATE INDEX ix_contributions_name_vi ON contributions (public_name COLLATE "vi-x-icu", id) '
               'INCLUDE (search_key, received_on, amount_vnd, pool_unit_id)')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contributions_name_vi")
