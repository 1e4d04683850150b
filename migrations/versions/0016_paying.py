"""paying: official bank accounts managed in the staff UI with two-person approval (issue 17.7); SWIFT code and
feed settings per account; donors abroad (country); the public pledge form's idempotency key (issue 19.4).

Revision ID: 0016_paying
Revises: 0015_verify
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_paying"
down_revision = "0016_payouts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bank_account_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "create",
                "update",
                "reactivate",
                name="bank_change_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="bank_change_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=False),
        sa.Column("participant_ids", sa.JSON(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["official_bank_accounts.id"],
            name=op.f("fk_bank_account_changes_account_id_official_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_bank_account_changes_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"], ["users.id"], name=op.f("fk_bank_account_changes_prepared_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_account_changes")),
    )
    with op.batch_alter_table("bank_account_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_account_changes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_account_changes_status"), ["status"], unique=False)

    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), server_default="VN", nullable=False))

    with op.batch_alter_table("official_bank_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("swift_code", sa.String(length=11), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column(
                "feed_provider",
                sa.Enum(
                    "",
                    "sepay",
                    "casso",
                    "direct",
                    name="feed_provider",
                    native_enum=False,
                    create_constraint=True,
                ),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("feed_secret_env", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("approved", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_official_bank_accounts_approved_by_id_users"), "users", ["approved_by_id"], ["id"]
        )

    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_pledges_submission_key"), ["submission_key"])


def downgrade():
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_pledges_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")

    with op.batch_alter_table("official_bank_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_official_bank_accounts_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_official_bank_accounts_feed_provider"), type_="check")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved")
        batch_op.drop_column("feed_secret_env")
        batch_op.drop_column("feed_provider")
        batch_op.drop_column("swift_code")

    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.drop_column("country")

    with op.batch_alter_table("bank_account_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_account_changes_status"))
        batch_op.drop_index(batch_op.f("ix_bank_account_changes_account_id"))

    op.drop_table("bank_account_changes")
