"""i18nmail: the language each recipient used (issue 16, item 3): donors, pledges and notifications get a
`language` column ('vi' by default), so that e-mails and SMS texts built later in a task speak it.

Revision ID: 0018_i18nmail
Revises: 0018_namecommit
"""

from alembic import op
import sqlalchemy as sa


revision = "0018_i18nmail"
down_revision = "0018_namecommit"
branch_labels = None
depends_on = None

TABLES = ("donors", "pledges", "notifications")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=5), server_default="vi", nullable=False))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
