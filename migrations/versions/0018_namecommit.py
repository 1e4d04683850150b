"""Published daily roots, format 2: each contribution's public name enters the day's hash as a salted commitment
(SHA-256 of a random salt and the name), so that a name legitimately changed after publication (a donor's erasure,
a withdrawn consent to publish, a merge) keeps its day verifiable while the name itself is gone (issue 21 item 10).

Revision ID: 0018_namecommit
Revises: 0017_goods
"""

from alembic import op
import sqlalchemy as sa


revision = "0018_namecommit"
down_revision = "0017_goods"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns without a default: PostgreSQL adds them without rewriting the contributions table.
    with op.batch_alter_table("contributions") as batch:
        batch.add_column(sa.Column("name_salt", sa.String(32), nullable=True))
        batch.add_column(sa.Column("name_commitment", sa.String(64), nullable=True))
    with op.batch_alter_table("published_roots") as batch:
        # Roots published before this revision keep format 1 (the name itself in the hash).
        batch.add_column(sa.Column("format", sa.SmallInteger(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("published_roots") as batch:
        batch.drop_column("format")
    with op.batch_alter_table("contributions") as batch:
        batch.drop_column("name_commitment")
        batch.drop_column("name_salt")
