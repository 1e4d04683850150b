"""importer: the statement's stored preview and preset detection, and background import progress (issue 17).

Revision ID: 0016_importer
Revises: 0015_verify
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_importer"
down_revision = "0015_verify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detection", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.alter_column("detection", server_default=None)
        batch_op.alter_column("preview", server_default=None)
    op.create_table(
        "statement_import_progress",
        sa.Column("statement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("lines_done", sa.Integer(), nullable=False),
        sa.Column("lines_total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_statement_import_progress")),
    )


def downgrade():
    op.drop_table("statement_import_progress")
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.drop_column("preview")
        batch_op.drop_column("detection")
