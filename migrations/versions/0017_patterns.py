"""patterns (issue 19 item 5): agency collections (a staff list paid by one transfer, a lookup code per line),
communes adopted by businesses (đỡ đầu), monthly gifts (a pledge of twelve monthly instalments; pausing
suspends its reminders and lapsing: pledges.reminders_paused_at).

Revision ID: 0017_patterns
Revises: 0017_feedbatch
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_patterns"
down_revision = "0017_feedbatch"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agency_collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('tax_code', sa.String(length=20), nullable=True),
    sa.Column('contact_person', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('registered', 'verified', 'preview', 'confirmed', name='agency_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('total_vnd', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('total_vnd >= 0', name=op.f('ck_agency_collections_total_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_agency_collections_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_agency_collections_donor_id_donors')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_agency_collections_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_collections')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_agency_collections_pledge_id'))
    )
    with op.batch_alter_table('agency_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_collections_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_collections_donor_id'), ['donor_id'], unique=False)

    op.create_table('agency_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('publish_name', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=True),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_agency_lines_amount_positive')),
    sa.ForeignKeyConstraint(['collection_id'], ['agency_collections.id'], name=op.f('fk_agency_lines_collection_id_agency_collections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_lines')),
    sa.UniqueConstraint('code', name=op.f('uq_agency_lines_code')),
    sa.UniqueConstraint('collection_id', 'seq', name=op.f('uq_agency_lines_collection_id_seq'))
    )
    with op.batch_alter_table('agency_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_lines_collection_id'), ['collection_id'], unique=False)

    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_line_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contributions_agency_line_id'), ['agency_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contributions_agency_line_id_agency_lines'), 'agency_lines', ['agency_line_id'], ['id'])

    op.create_table('commune_adoptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('yearly_vnd', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('yearly_vnd > 0', name=op.f('ck_commune_adoptions_yearly_positive')),
    sa.CheckConstraint('years BETWEEN 1 AND 10', name=op.f('ck_commune_adoptions_years_range')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_units.id'], name=op.f('fk_commune_adoptions_commune_id_admin_units')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commune_adoptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_commune_adoptions_donor_id_donors')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_commune_adoptions_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_adoptions')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_commune_adoptions_pledge_id'))
    )
    with op.batch_alter_table('commune_adoptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_adoptions_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commune_adoptions_donor_id'), ['donor_id'], unique=False)

    op.create_table('monthly_gifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('monthly_vnd', sa.BigInteger(), nullable=False),
    sa.Column('day_of_month', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('day_of_month BETWEEN 1 AND 28', name=op.f('ck_monthly_gifts_day_range')),
    sa.CheckConstraint('monthly_vnd > 0', name=op.f('ck_monthly_gifts_monthly_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_monthly_gifts_created_by_id_users')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_monthly_gifts_donor_id_donors')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_monthly_gifts_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_gifts')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_monthly_gifts_pledge_id'))
    )
    with op.batch_alter_table('monthly_gifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_gifts_donor_id'), ['donor_id'], unique=False)

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_paused_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_column('reminders_paused_at')

    with op.batch_alter_table('monthly_gifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_gifts_donor_id'))

    op.drop_table('monthly_gifts')

    with op.batch_alter_table('commune_adoptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_adoptions_donor_id'))
        batch_op.drop_index(batch_op.f('ix_commune_adoptions_commune_id'))

    op.drop_table('commune_adoptions')

    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contributions_agency_line_id_agency_lines'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contributions_agency_line_id'))
        batch_op.drop_column('agency_line_id')

    with op.batch_alter_table('agency_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_lines_collection_id'))

    op.drop_table('agency_lines')
    with op.batch_alter_table('agency_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_collections_donor_id'))
        batch_op.drop_index(batch_op.f('ix_agency_collections_campaign_id'))

    op.drop_table('agency_collections')
