"""needs: household needs registry, priority rules, fundings, disbursements, photos, imports

Revision ID: 0004_needs
Revises: 0003_collections
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_needs'
down_revision = '0003_collections'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('priority_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weight >= 0 AND weight <= 1000', name=op.f('ck_priority_rules_weight_range')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_priority_rules_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_rules')),
    sa.UniqueConstraint('campaign_id', 'criterion', name=op.f('uq_priority_rules_campaign_id_criterion'))
    )
    with op.batch_alter_table('priority_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_priority_rules_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('need_import_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preview', 'imported', name='need_import_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_need_import_batches_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_units.id'], name=op.f('fk_need_import_batches_commune_id_admin_units')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_need_import_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_import_batches'))
    )
    with op.batch_alter_table('need_import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_import_batches_commune_id'), ['commune_id'], unique=False)

    op.create_table('household_needs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=True),
    sa.Column('legacy_commune_id', sa.Integer(), nullable=True),
    sa.Column('head_name', sa.String(length=255), nullable=False),
    sa.Column('head_initials', sa.String(length=40), nullable=False),
    sa.Column('search_key', sa.String(length=255), nullable=False),
    sa.Column('citizen_id_enc', sa.Text(), nullable=True),
    sa.Column('citizen_id_digest', sa.String(length=64), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('address_enc', sa.Text(), nullable=True),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('poverty_status', sa.Enum('poor', 'near_poor', 'special_hardship', name='need_poverty_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('merit_family', sa.Boolean(), nullable=False),
    sa.Column('ethnic_minority', sa.Boolean(), nullable=False),
    sa.Column('elderly_alone', sa.Boolean(), nullable=False),
    sa.Column('disability', sa.Boolean(), nullable=False),
    sa.Column('single_parent', sa.Boolean(), nullable=False),
    sa.Column('purpose', sa.Enum('housing', 'livelihood', 'education', 'health', 'unrestricted', name='need_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('need_kind', sa.Enum('new_house', 'repair', 'livelihood', 'education', 'health', name='need_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('estimated_cost_vnd', sa.BigInteger(), nullable=False),
    sa.Column('secured_vnd', sa.BigInteger(), nullable=False),
    sa.Column('requested_vnd', sa.BigInteger(), nullable=False),
    sa.Column('funded_vnd', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_vnd', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'approved', 'funded', 'started', 'completed', 'handed_over', 'rejected', name='need_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('handed_over_on', sa.Date(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('disbursed_vnd >= 0 AND disbursed_vnd <= funded_vnd', name=op.f('ck_household_needs_disbursed_within_funded')),
    sa.CheckConstraint('estimated_cost_vnd > 0', name=op.f('ck_household_needs_cost_positive')),
    sa.CheckConstraint('funded_vnd >= 0 AND funded_vnd <= requested_vnd', name=op.f('ck_household_needs_funded_within_requested')),
    sa.CheckConstraint('requested_vnd + secured_vnd <= estimated_cost_vnd', name=op.f('ck_household_needs_requested_within_cost')),
    sa.CheckConstraint('requested_vnd > 0', name=op.f('ck_household_needs_requested_positive')),
    sa.CheckConstraint('secured_vnd >= 0', name=op.f('ck_household_needs_secured_nonneg')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_household_needs_version_positive')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_household_needs_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_units.id'], name=op.f('fk_household_needs_commune_id_admin_units')),
    sa.ForeignKeyConstraint(['hamlet_id'], ['hamlets.id'], name=op.f('fk_household_needs_hamlet_id_hamlets')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['need_import_batches.id'], name=op.f('fk_household_needs_import_batch_id_need_import_batches')),
    sa.ForeignKeyConstraint(['legacy_commune_id'], ['legacy_units.id'], name=op.f('fk_household_needs_legacy_commune_id_legacy_units')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_household_needs_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_household_needs_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_needs')),
    sa.UniqueConstraint('campaign_id', 'citizen_id_digest', name='uq_household_needs_campaign_citizen')
    )
    with op.batch_alter_table('household_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_needs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_household_needs_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index('ix_household_needs_commune_status', ['commune_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_needs_hamlet_id'), ['hamlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_needs_import_batch_id'), ['import_batch_id'], unique=False)

    op.create_table('need_disbursements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tranche', sa.Enum('advance', 'progress', 'final', name='need_tranche_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('document_ref', sa.String(length=120), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('ledger_transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reversal_transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_need_disbursements_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_need_disbursements_created_by_id_users')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_need_disbursements_ledger_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_need_disbursements_need_id_household_needs')),
    sa.ForeignKeyConstraint(['reversal_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_need_disbursements_reversal_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_disbursements'))
    )
    with op.batch_alter_table('need_disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_disbursements_ledger_transaction_id'), ['ledger_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_disbursements_need_id'), ['need_id'], unique=False)

    op.create_table('need_funding_sources',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('state', 'own', 'sponsor', 'other', name='need_source_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_need_funding_sources_amount_positive')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_need_funding_sources_need_id_household_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_funding_sources'))
    )
    with op.batch_alter_table('need_funding_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_funding_sources_need_id'), ['need_id'], unique=False)

    op.create_table('need_fundings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('ledger_transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('draws', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('active', 'revoked', name='need_funding_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.Column('revocation_transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_need_fundings_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_need_fundings_created_by_id_users')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_need_fundings_ledger_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_need_fundings_need_id_household_needs')),
    sa.ForeignKeyConstraint(['revocation_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_need_fundings_revocation_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_need_fundings_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_fundings'))
    )
    with op.batch_alter_table('need_fundings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_fundings_ledger_transaction_id'), ['ledger_transaction_id'], unique=False)
        batch_op.create_index('ix_need_fundings_need_status', ['need_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_fundings_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('need_photos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage', sa.Enum('proposed', 'approved', 'funded', 'started', 'completed', 'handed_over', 'rejected', name='need_photo_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('caption', sa.String(length=255), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=True),
    sa.Column('publishable', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['household_needs.id'], name=op.f('fk_need_photos_need_id_household_needs')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_need_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_photos'))
    )
    with op.batch_alter_table('need_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_photos_need_id'), ['need_id'], unique=False)



def downgrade():
    with op.batch_alter_table('need_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_photos_need_id'))

    op.drop_table('need_photos')
    with op.batch_alter_table('need_fundings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_fundings_proposal_id'))
        batch_op.drop_index('ix_need_fundings_need_status')
        batch_op.drop_index(batch_op.f('ix_need_fundings_ledger_transaction_id'))

    op.drop_table('need_fundings')
    with op.batch_alter_table('need_funding_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_funding_sources_need_id'))

    op.drop_table('need_funding_sources')
    with op.batch_alter_table('need_disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_disbursements_need_id'))
        batch_op.drop_index(batch_op.f('ix_need_disbursements_ledger_transaction_id'))

    op.drop_table('need_disbursements')
    with op.batch_alter_table('household_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_needs_import_batch_id'))
        batch_op.drop_index(batch_op.f('ix_household_needs_hamlet_id'))
        batch_op.drop_index('ix_household_needs_commune_status')
        batch_op.drop_index('ix_household_needs_campaign_status')
        batch_op.drop_index(batch_op.f('ix_household_needs_campaign_id'))

    op.drop_table('household_needs')
    with op.batch_alter_table('need_import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_import_batches_commune_id'))

    op.drop_table('need_import_batches')
    with op.batch_alter_table('priority_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_priority_rules_campaign_id'))

    op.drop_table('priority_rules')
