"""notifications: messages per channel with retries, each donor's channels, opt-outs (issue 19.6).

Revision ID: 0017_notify
Revises: 0017_patterns
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_notify"
down_revision = "0017_patterns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_channels",
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_notification_channels_donor_id_donors")
        ),
        sa.PrimaryKeyConstraint("donor_id", name=op.f("pk_notification_channels")),
    )
    op.create_table(
        "notification_optouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email", "sms", name="notification_optout_channel", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_notification_optouts_donor_id_donors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_optouts")),
        sa.UniqueConstraint("channel", "address", name="uq_notification_optouts_address"),
    )
    with op.batch_alter_table("notification_optouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_optouts_donor_id"), ["donor_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=True),
        sa.Column(
            "event",
            sa.Enum(
                "pledge_recorded",
                "money_received",
                "instalment_due",
                "certificate_issued",
                "house_handed_over",
                name="notification_event",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="notification_channel", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "skipped",
                name="notification_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=80), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["donor_id"], ["donors.id"], name=op.f("fk_notifications_donor_id_donors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_donor_id"), ["donor_id"], unique=False)
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_due")
        batch_op.drop_index(batch_op.f("ix_notifications_donor_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("notification_optouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_optouts_donor_id"))

    op.drop_table("notification_optouts")
    op.drop_table("notification_channels")
