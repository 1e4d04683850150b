"""matching: proposals (engine runs frozen with their data) and their lines

Revision ID: 0004m_matching
Revises: 0004_needs
"""
import sqlalchemy as sa
from alembic import op

revision = '0004m_matching'
down_revision = '0004_needs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matching_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('scope_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'superseded', name='matching_proposal_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('pool_snapshot', sa.JSON(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('total_vnd', sa.BigInteger(), nullable=False),
    sa.Column('total_priority', sa.Float(), nullable=False),
    sa.Column('solve_seconds', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> prepared_by_id', name=op.f('ck_matching_proposals_four_eyes')),
    sa.CheckConstraint('total_vnd >= 0', name=op.f('ck_matching_proposals_total_nonnegative')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_matching_proposals_approved_by_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_matching_proposals_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_matching_proposals_fund_id_funds')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_matching_proposals_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['scope_unit_id'], ['admin_units.id'], name=op.f('fk_matching_proposals_scope_unit_id_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_proposals'))
    )
    with op.batch_alter_table('matching_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_proposals_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_proposals_scope_unit_id'), ['scope_unit_id'], unique=False)

    op.create_table('matching_proposal_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_version', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('draws', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('funding_id', sa.Integer(), nullable=True),
    sa.Column('ledger_transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('amount_vnd >= 0', name=op.f('ck_matching_proposal_lines_amount_nonnegative')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_units.id'], name=op.f('fk_matching_proposal_lines_commune_id_admin_units')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_matching_proposal_lines_ledger_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_matching_proposal_lines_need_id_household_needs')),
    sa.ForeignKeyConstraint(['proposal_id'], ['matching_proposals.id'], name=op.f('fk_matching_proposal_lines_proposal_id_matching_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_proposal_lines'))
    )
    with op.batch_alter_table('matching_proposal_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_proposal_lines_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_proposal_lines_proposal_id'), ['proposal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('matching_proposal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_proposal_lines_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_matching_proposal_lines_need_id'))

    op.drop_table('matching_proposal_lines')
    with op.batch_alter_table('matching_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_proposals_scope_unit_id'))
        batch_op.drop_index(batch_op.f('ix_matching_proposals_campaign_id'))

    op.drop_table('matching_proposals')
