"""goods: a store per unit fed by in-kind contributions, handouts (phiếu xuất kho) with maker–checker and a signed
list, the ledger's goods handed out (account kind in_kind_out, transaction kind in_kind_handout) and the payout
order's "reversed" state (issue 18 item 7, follow-ups of items 1–3).

Revision ID: 0017_goods
Revises: 0017_notify
"""

from alembic import op
import sqlalchemy as sa


revision = "0017_goods"
down_revision = "0017_notify"
branch_labels = None
depends_on = None

ACCOUNT_KINDS = ("donations", "unallocated", "allocated", "disbursed", "in_kind", "in_kind_donations")
TRANSACTION_KINDS = ("receipt", "in_kind_receipt", "allocation", "disbursement", "transfer", "reversal")
PAYOUT_STATUSES = ("pending", "approved", "exported", "paid", "cancelled")

# (table, column, enum name, values before, values after). The values are stored as VARCHAR + CHECK
# (app.core.db.str_enum); the new values fit the columns' lengths (in_kind_out 11 <= 17, in_kind_handout 15 <= 15,
# reversed 8 <= 9), so only the CHECK constraints change.
ENUM_CHANGES = (
    ("ledger_accounts", "kind", "ledger_account_kind", ACCOUNT_KINDS, ACCOUNT_KINDS + ("in_kind_out",)),
    (
        "ledger_opening_balances",
        "kind",
        "ledger_account_kind",
        ACCOUNT_KINDS,
        ACCOUNT_KINDS + ("in_kind_out",),
    ),
    (
        "ledger_transactions",
        "kind",
        "ledger_transaction_kind",
        TRANSACTION_KINDS,
        TRANSACTION_KINDS + ("in_kind_handout",),
    ),
    ("payout_orders", "status", "payout_status", PAYOUT_STATUSES, PAYOUT_STATUSES + ("reversed",)),
)
# Append-only tables among them: SQLite rebuilds a table to change a CHECK, dropping its triggers (0001, 0016_yearend).
APPEND_ONLY = ("ledger_transactions", "ledger_opening_balances")


def _check(column, values):
    return sa.text(f"{column} IN ({', '.join(repr(v) for v in values)})")


def _change_enums(forward):
    bind = op.get_bind()
    for table, column, name, before, after in ENUM_CHANGES:
        values = after if forward else before
        ck = f"ck_{table}_{name}"
        if bind.dialect.name == "postgresql":
            op.drop_constraint(op.f(ck), table, type_="check")
            op.create_check_constraint(op.f(ck), table, _check(column, values))
        else:
            with op.batch_alter_table(table, schema=None, recreate="always") as batch_op:
                batch_op.drop_constraint(op.f(ck), type_="check")
                batch_op.create_check_constraint(op.f(ck), _check(column, values))
    if bind.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for op_name in ("UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op_name.lower()}")
                op.execute(
                    f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {op_name} refused'); END"
                )


def upgrade():
    _change_enums(True)
    op.create_table(
        "goods_stocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "housing",
                "livelihood",
                "education",
                "health",
                "unrestricted",
                name="goods_purpose",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("item", sa.String(length=120), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column(
            "measure",
            sa.Enum(
                "bao",
                "tan",
                "thung",
                "chiec",
                "tam",
                "kg",
                name="goods_measure",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0 OR value_vnd = 0", name=op.f("ck_goods_stocks_no_value_without_goods")
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_goods_stocks_quantity_nonnegative")),
        sa.CheckConstraint("value_vnd >= 0", name=op.f("ck_goods_stocks_value_nonnegative")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_goods_stocks_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_units.id"], name=op.f("fk_goods_stocks_unit_id_admin_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_stocks")),
        sa.UniqueConstraint(
            "fund_id", "unit_id", "purpose", "item_key", "measure", name="uq_goods_stocks_item"
        ),
    )
    with op.batch_alter_table("goods_stocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_stocks_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "goods_handouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "recipient_kind",
            sa.Enum(
                "households",
                "project",
                name="goods_recipient_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("project_name", sa.String(length=255), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "done",
                "cancelled",
                "reversed",
                name="goods_handout_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("list_path", sa.String(length=255), nullable=True),
        sa.Column("list_file_kind", sa.String(length=10), nullable=False),
        sa.Column("list_sha256", sa.String(length=64), nullable=False),
        sa.Column("list_original_name", sa.String(length=255), nullable=False),
        sa.Column("list_uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("document_ref", sa.String(length=120), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("handed_out_on", sa.Date(), nullable=True),
        sa.Column(
            "ledger_transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "reversal_transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_goods_handouts_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["admin_units.id"], name=op.f("fk_goods_handouts_commune_id_admin_units")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_goods_handouts_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_goods_handouts_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["ledger_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_goods_handouts_ledger_transaction_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["list_uploaded_by_id"], ["users.id"], name=op.f("fk_goods_handouts_list_uploaded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"], ["users.id"], name=op.f("fk_goods_handouts_prepared_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reversal_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_goods_handouts_reversal_transaction_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_units.id"], name=op.f("fk_goods_handouts_unit_id_admin_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_handouts")),
        sa.UniqueConstraint("ledger_transaction_id", name=op.f("uq_goods_handouts_ledger_transaction_id")),
        sa.UniqueConstraint(
            "reversal_transaction_id", name=op.f("uq_goods_handouts_reversal_transaction_id")
        ),
    )
    with op.batch_alter_table("goods_handouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_handouts_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "goods_handout_editors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("handout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_action", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handout_id"],
            ["goods_handouts.id"],
            name=op.f("fk_goods_handout_editors_handout_id_goods_handouts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_goods_handout_editors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_handout_editors")),
        sa.UniqueConstraint("handout_id", "user_id", name="uq_goods_handout_editors_user"),
    )
    with op.batch_alter_table("goods_handout_editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_handout_editors_handout_id"), ["handout_id"], unique=False)

    op.create_table(
        "goods_handout_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("handout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stock_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("need_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_goods_handout_lines_quantity_positive")),
        sa.CheckConstraint("value_vnd >= 0", name=op.f("ck_goods_handout_lines_value_nonnegative")),
        sa.ForeignKeyConstraint(
            ["handout_id"],
            ["goods_handouts.id"],
            name=op.f("fk_goods_handout_lines_handout_id_goods_handouts"),
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["household_needs.id"], name=op.f("fk_goods_handout_lines_need_id_household_needs")
        ),
        sa.ForeignKeyConstraint(
            ["stock_id"], ["goods_stocks.id"], name=op.f("fk_goods_handout_lines_stock_id_goods_stocks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_handout_lines")),
    )
    with op.batch_alter_table("goods_handout_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_handout_lines_handout_id"), ["handout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goods_handout_lines_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goods_handout_lines_stock_id"), ["stock_id"], unique=False)

    op.create_table(
        "goods_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stock_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contribution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("value_vnd", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_goods_receipts_quantity_positive")),
        sa.CheckConstraint("value_vnd > 0", name=op.f("ck_goods_receipts_value_positive")),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_goods_receipts_contribution_id_contributions"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_goods_receipts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["stock_id"], ["goods_stocks.id"], name=op.f("fk_goods_receipts_stock_id_goods_stocks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_receipts")),
    )
    with op.batch_alter_table("goods_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goods_receipts_contribution_id"), ["contribution_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_goods_receipts_stock_id"), ["stock_id"], unique=False)


def downgrade():
    with op.batch_alter_table("goods_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_receipts_stock_id"))
        batch_op.drop_index(batch_op.f("ix_goods_receipts_contribution_id"))

    op.drop_table("goods_receipts")
    with op.batch_alter_table("goods_handout_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_handout_lines_stock_id"))
        batch_op.drop_index(batch_op.f("ix_goods_handout_lines_need_id"))
        batch_op.drop_index(batch_op.f("ix_goods_handout_lines_handout_id"))

    op.drop_table("goods_handout_lines")
    with op.batch_alter_table("goods_handout_editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_handout_editors_handout_id"))

    op.drop_table("goods_handout_editors")
    with op.batch_alter_table("goods_handouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_handouts_unit_id"))

    op.drop_table("goods_handouts")
    with op.batch_alter_table("goods_stocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_stocks_unit_id"))

    op.drop_table("goods_stocks")
    _change_enums(False)
