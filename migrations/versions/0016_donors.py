"""donors: who speaks for a business (pledges naming a business on file await its confirmation), one record
per donor (merges, reversible), recognition rules owned by a committee (issue 19 items 1, 2 and 7).

Revision ID: 0016_donors
Revises: 0015_verify
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_donors"
down_revision = "0016_review"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("national_id_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_donors_national_id_hash"), ["national_id_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_donors_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_donors_phone"), ["phone"], unique=False)
        batch_op.create_index("ix_donors_name_commune", ["search_key", "commune_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_donors_merged_into_id_donors"), "donors", ["merged_into_id"], ["id"]
        )

    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_donor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("registered_by", sa.String(length=255), server_default="", nullable=False))
        batch_op.add_column(sa.Column("claim_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_pledges_claimed_donor_id"), ["claimed_donor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_pledges_claimed_donor_id_donors"), "donors", ["claimed_donor_id"], ["id"]
        )

    with op.batch_alter_table("commendation_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_commendation_rules_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_commendation_rules_unit_id_admin_units"), "admin_units", ["unit_id"], ["id"]
        )

    op.create_table(
        "donor_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_donor_merges_created_by_id_users")),
        sa.ForeignKeyConstraint(["merged_id"], ["donors.id"], name=op.f("fk_donor_merges_merged_id_donors")),
        sa.ForeignKeyConstraint(["survivor_id"], ["donors.id"], name=op.f("fk_donor_merges_survivor_id_donors")),
        sa.ForeignKeyConstraint(["undone_by_id"], ["users.id"], name=op.f("fk_donor_merges_undone_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donor_merges")),
    )
    with op.batch_alter_table("donor_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_donor_merges_survivor_id"), ["survivor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_donor_merges_merged_id"), ["merged_id"], unique=False)


def downgrade():
    with op.batch_alter_table("donor_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_donor_merges_merged_id"))
        batch_op.drop_index(batch_op.f("ix_donor_merges_survivor_id"))
    op.drop_table("donor_merges")

    with op.batch_alter_table("commendation_rules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_commendation_rules_unit_id_admin_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_commendation_rules_unit_id"))
        batch_op.drop_column("unit_id")

    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pledges_claimed_donor_id_donors"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pledges_claimed_donor_id"))
        batch_op.drop_column("claim_sent_at")
        batch_op.drop_column("registered_by")
        batch_op.drop_column("claimed_donor_id")

    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_donors_merged_into_id_donors"), type_="foreignkey")
        batch_op.drop_index("ix_donors_name_commune")
        batch_op.drop_index(batch_op.f("ix_donors_phone"))
        batch_op.drop_index(batch_op.f("ix_donors_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_donors_national_id_hash"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("national_id_hash")
        batch_op.drop_column("verified_at")
