"""money: fund transfer proposals (another area's pledge paid into this unit's bank account is booked by the
account's owner, with a proposal to pass the money on).

Revision ID: 0015_money
Revises: 0014_auth
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_money'
down_revision = '0014_auth'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fund_transfer_proposals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contribution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.Enum('housing', 'livelihood', 'education', 'health', 'unrestricted', name='fund_transfer_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'done', 'rejected', 'withdrawn', name='fund_transfer_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_fund_transfer_proposals_amount_positive')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_fund_transfer_proposals_contribution_id_contributions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_transfer_proposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['from_unit_id'], ['admin_units.id'], name=op.f('fk_fund_transfer_proposals_from_unit_id_admin_units')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_fund_transfer_proposals_pledge_id_pledges')),
    sa.ForeignKeyConstraint(['to_unit_id'], ['admin_units.id'], name=op.f('fk_fund_transfer_proposals_to_unit_id_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_transfer_proposals'))
    )
    with op.batch_alter_table('fund_transfer_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_transfer_proposals_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_transfer_proposals_from_unit_id'), ['from_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_transfer_proposals_to_unit_id'), ['to_unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fund_transfer_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_transfer_proposals_to_unit_id'))
        batch_op.drop_index(batch_op.f('ix_fund_transfer_proposals_from_unit_id'))
        batch_op.drop_index(batch_op.f('ix_fund_transfer_proposals_contribution_id'))
    op.drop_table('fund_transfer_proposals')
