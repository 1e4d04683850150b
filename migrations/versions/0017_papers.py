"""papers: the sponsorship confirmation record a business files (biên bản xác nhận tài trợ), per gift or per
year and receiving committee, a signed snapshot (issue 19 item 3).

Revision ID: 0017_papers
Revises: 0017_reference
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_papers"
down_revision = "0017_reference"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sponsorship_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('issuer_unit_id', sa.Integer(), nullable=True),
    sa.Column('issuer_unit_key', sa.String(length=20), nullable=False),
    sa.Column('issuer_name', sa.String(length=255), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('donor_name', sa.String(length=255), nullable=False),
    sa.Column('tax_code', sa.String(length=20), nullable=False),
    sa.Column('donor_address', sa.String(length=500), nullable=False),
    sa.Column('donor_representative', sa.String(length=255), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('purpose_text', sa.Text(), nullable=False),
    sa.Column('form_text', sa.String(length=255), nullable=False),
    sa.Column('payments', sa.JSON(), nullable=False),
    sa.Column('rule_key', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('signer_name', sa.String(length=255), nullable=False),
    sa.Column('signer_title', sa.String(length=255), nullable=False),
    sa.Column('superseded_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('mail_to', sa.String(length=255), nullable=True),
    sa.Column('mail_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(contribution_id IS NULL) <> (year IS NULL)', name=op.f('ck_sponsorship_records_gift_or_year')),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_sponsorship_records_amount_positive')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_sponsorship_records_contribution_id_contributions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sponsorship_records_created_by_id_users')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_sponsorship_records_donor_id_donors')),
    sa.ForeignKeyConstraint(['issuer_unit_id'], ['admin_units.id'], name=op.f('fk_sponsorship_records_issuer_unit_id_admin_units')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['sponsorship_records.id'], name=op.f('fk_sponsorship_records_superseded_by_id_sponsorship_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsorship_records')),
    sa.UniqueConstraint('number', name=op.f('uq_sponsorship_records_number'))
    )
    with op.batch_alter_table('sponsorship_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsorship_records_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sponsorship_records_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index('ix_sponsorship_records_donor_year', ['donor_id', 'year', 'issuer_unit_key'], unique=False)



def downgrade():
    with op.batch_alter_table('sponsorship_records', schema=None) as batch_op:
        batch_op.drop_index('ix_sponsorship_records_donor_year')
        batch_op.drop_index(batch_op.f('ix_sponsorship_records_donor_id'))
        batch_op.drop_index(batch_op.f('ix_sponsorship_records_contribution_id'))

    op.drop_table('sponsorship_records')
