"""sort: the one Vietnamese order (app.core.collation) on PostgreSQL: the ICU collation vi_natural (Vietnamese, numbers
by value: "Thôn 2" before "Thôn 10"), and the public statement's by-name index rebuilt on it (SQLite registers the
same order as the collation "vi" on each connection, from Python).

Revision ID: 0014_sort
Revises: 0013_name_sort
"""

from alembic import op

revision = "0014_sort"
down_revision = "0013_name_sort"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE COLLATION IF NOT EXISTS vi_natural (provider = icu, locale = 'vi-u-kn')")
    op.execute("DROP INDEX IF EXISTS ix_contributions_name_vi")
    op.execute(
        "CREATE INDEX ix_contributions_name_vi ON contributions (public_name COLLATE vi_natural, id) "
        "INCLUDE (search_key, received_on, amount_vnd, pool_unit_id)"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contributions_name_vi")
    op.execute(
        'CREATE INDEX ix_contributions_name_vi ON contributions (public_name COLLATE "vi-x-icu", id) '
        "INCLUDE (search_key, received_on, amount_vnd, pool_unit_id)"
    )
    op.execute("DROP COLLATION IF EXISTS vi_natural")
