"""yearend: closing a fund's year (ledger_year_closes, the balances it carries into the next year in
ledger_opening_balances, append-only like the ledger) and the report document fields (number, place, date,
recipients, signer; the public annual report's hash and signature) on report_jobs; the outcomes of the
households helped (poverty_reviews, one result per household need and year) and the units' own targets
(poverty_targets).

Revision ID: 0016_yearend
Revises: 0015_verify
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_yearend"
down_revision = "0016_paying"
branch_labels = None
depends_on = None

KINDS = ("donations", "unallocated", "allocated", "disbursed", "in_kind", "in_kind_donations")
PURPOSES = ("housing", "livelihood", "education", "health", "unrestricted")
APPEND_ONLY = ("ledger_year_closes", "ledger_opening_balances")


def upgrade():
    op.create_table(
        "ledger_year_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("scope_key", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("account_count", sa.Integer(), nullable=False),
        sa.Column("on_hand_vnd", sa.BigInteger(), nullable=False),
        sa.Column("in_kind_vnd", sa.BigInteger(), nullable=False),
        sa.Column("report_job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_ledger_year_closes_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_units.id"], name=op.f("fk_ledger_year_closes_unit_id_admin_units")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_ledger_year_closes_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_job_id"],
            ["report_jobs.id"],
            name=op.f("fk_ledger_year_closes_report_job_id_report_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_year_closes")),
        sa.UniqueConstraint(
            "fund_id", "scope_key", "year", name=op.f("uq_ledger_year_closes_fund_id_scope_key_year")
        ),
    )
    with op.batch_alter_table("ledger_year_closes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_year_closes_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_year_closes_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ledger_opening_balances",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("close_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="ledger_account_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "purpose",
            sa.Enum(*PURPOSES, name="ledger_purpose", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["close_id"],
            ["ledger_year_closes.id"],
            name=op.f("fk_ledger_opening_balances_close_id_ledger_year_closes"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_ledger_opening_balances_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_opening_balances_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_units.id"], name=op.f("fk_ledger_opening_balances_unit_id_admin_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_opening_balances")),
        sa.UniqueConstraint("account_id", "year", name=op.f("uq_ledger_opening_balances_account_id_year")),
    )
    with op.batch_alter_table("ledger_opening_balances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_opening_balances_close_id"), ["close_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_opening_balances_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.Text(), nullable=True))

    op.create_table(
        "poverty_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "still_poor",
                "near_poor",
                "out_of_poverty",
                name="poverty_review_result",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["household_needs.id"], name=op.f("fk_poverty_reviews_need_id_household_needs")
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["admin_units.id"], name=op.f("fk_poverty_reviews_commune_id_admin_units")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_poverty_reviews_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poverty_reviews")),
        sa.UniqueConstraint("need_id", "year", name=op.f("uq_poverty_reviews_need_id_year")),
    )
    with op.batch_alter_table("poverty_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poverty_reviews_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poverty_reviews_commune_id"), ["commune_id"], unique=False)
    op.create_table(
        "poverty_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("exits_target", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_units.id"], name=op.f("fk_poverty_targets_unit_id_admin_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_poverty_targets_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poverty_targets")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_poverty_targets_unit_id_year")),
    )
    with op.batch_alter_table("poverty_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poverty_targets_unit_id"), ["unit_id"], unique=False)

    _append_only_triggers()


def _append_only_triggers():
    """A closed year and what it carried are never changed (chungtay_refuse_change comes from 0001)."""
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION chungtay_refuse_change()"
            )
        else:
            for op_name in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {op_name} refused'); END"
                )


def downgrade():
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for op_name in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op_name}")
    with op.batch_alter_table("poverty_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poverty_targets_unit_id"))
    op.drop_table("poverty_targets")
    with op.batch_alter_table("poverty_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poverty_reviews_commune_id"))
        batch_op.drop_index(batch_op.f("ix_poverty_reviews_need_id"))
    op.drop_table("poverty_reviews")
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("published_at")
        batch_op.drop_column("details")
    with op.batch_alter_table("ledger_opening_balances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_opening_balances_unit_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_opening_balances_close_id"))
    op.drop_table("ledger_opening_balances")
    with op.batch_alter_table("ledger_year_closes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_year_closes_unit_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_year_closes_fund_id"))
    op.drop_table("ledger_year_closes")
