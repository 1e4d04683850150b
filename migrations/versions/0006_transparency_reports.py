"""transparency_reports: published hash-chain roots, overview cache, report jobs, statement search indexes

Revision ID: 0006_transparency_reports
Revises: 0005_certificates
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_transparency_reports'
down_revision = '0005_certificates'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Trigram index for substring search on the folded names and references of the public statement.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('published_roots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('first_id', sa.BigInteger(), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total_vnd', sa.BigInteger(), nullable=False),
    sa.Column('records_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_root', sa.String(length=64), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('check_ok', sa.Boolean(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_roots')),
    sa.UniqueConstraint('day', name=op.f('uq_published_roots_day')),
    sa.UniqueConstraint('root', name=op.f('uq_published_roots_root'))
    )
    op.create_table('transparency_overview_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_overview_cache')),
    sa.UniqueConstraint('campaign_id', 'unit_key', name=op.f('uq_transparency_overview_cache_campaign_id_unit_key'))
    )
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('half_year', 'year', name='report_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='report_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('xlsx', sa.LargeBinary(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_report_jobs_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_jobs_created_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'], name=op.f('fk_report_jobs_unit_id_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index('ix_contributions_amount_id', ['amount_vnd', 'id'], unique=False)
        batch_op.create_index('ix_contributions_pool_received', ['pool_unit_id', 'received_on', 'id'], unique=False)
        batch_op.create_index('ix_contributions_received_on_id', ['received_on', 'id'], unique=False)
        batch_op.create_index('ix_contributions_search_key_trgm', ['search_key'], unique=False, postgresql_using='gin', postgresql_ops={'search_key': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_contributions_search_key_trgm', postgresql_using='gin', postgresql_ops={'search_key': 'gin_trgm_ops'})
        batch_op.drop_index('ix_contributions_received_on_id')
        batch_op.drop_index('ix_contributions_pool_received')
        batch_op.drop_index('ix_contributions_amount_id')

    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_unit_id'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_campaign_id'))

    op.drop_table('report_jobs')
    op.drop_table('transparency_overview_cache')
    op.drop_table('published_roots')
