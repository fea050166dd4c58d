"""tariff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 07:02:56.213676
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import clearway.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tariff_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_agreements')),
    sa.UniqueConstraint('code', name=op.f('uq_tariff_agreements_code'))
    )
    op.create_table('tariff_deferment_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.String(length=17), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('credit_limit', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('used', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_deferment_accounts'))
    )
    with op.batch_alter_table('tariff_deferment_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_deferment_accounts_holder_id'), ['holder_id'], unique=False)
    op.create_table('tariff_exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('rate', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('imported_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_exchange_rates')),
    sa.UniqueConstraint('currency', 'valid_from', name=op.f('uq_tariff_exchange_rates_currency'))
    )
    op.create_table('tariff_guarantees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('holder_id', sa.String(length=17), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_guarantees')),
    sa.UniqueConstraint('reference', name=op.f('uq_tariff_guarantees_reference'))
    )
    with op.batch_alter_table('tariff_guarantees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_guarantees_holder_id'), ['holder_id'], unique=False)
    op.create_table('tariff_rulings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('holder_id', sa.String(length=17), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('goods_description', sa.String(length=512), nullable=False),
    sa.Column('match_terms', sa.String(length=255), nullable=False),
    sa.Column('proposed_hs', sa.String(length=10), nullable=True),
    sa.Column('proposed_origin', sa.String(length=2), nullable=True),
    sa.Column('hs_code', sa.String(length=10), nullable=True),
    sa.Column('origin_country', sa.String(length=2), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('requested_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_rulings')),
    sa.UniqueConstraint('reference', name=op.f('uq_tariff_rulings_reference'))
    )
    with op.batch_alter_table('tariff_rulings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_rulings_holder_id'), ['holder_id'], unique=False)
    op.create_table('tariff_schedule_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('imported_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('measure_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_schedule_versions'))
    )
    op.create_table('tariff_agreement_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['tariff_agreements.id'], name=op.f('fk_tariff_agreement_partners_agreement_id_tariff_agreements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_agreement_partners')),
    sa.UniqueConstraint('agreement_id', 'country', name=op.f('uq_tariff_agreement_partners_agreement_id'))
    )
    op.create_table('tariff_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('declaration_version', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('schedule_version_id', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customs_value', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('payment_reference', sa.String(length=35), nullable=True),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['schedule_version_id'], ['tariff_schedule_versions.id'], name=op.f('fk_tariff_assessments_schedule_version_id_tariff_schedule_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_assessments')),
    sa.UniqueConstraint('payment_reference', name=op.f('uq_tariff_assessments_payment_reference'))
    )
    with op.batch_alter_table('tariff_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_assessments_declaration_id'), ['declaration_id'], unique=False)
    op.create_table('tariff_guarantee_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guarantee_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('discharged_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['guarantee_id'], ['tariff_guarantees.id'], name=op.f('fk_tariff_guarantee_uses_guarantee_id_tariff_guarantees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_guarantee_uses'))
    )
    with op.batch_alter_table('tariff_guarantee_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_guarantee_uses_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tariff_guarantee_uses_guarantee_id'), ['guarantee_id'], unique=False)
    op.create_table('tariff_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('hs6', sa.String(length=6), nullable=False),
    sa.Column('description', sa.String(length=512), nullable=False),
    sa.Column('supplementary_unit', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['tariff_schedule_versions.id'], name=op.f('fk_tariff_lines_version_id_tariff_schedule_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_lines')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_tariff_lines_version_id'))
    )
    with op.batch_alter_table('tariff_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_lines_hs6'), ['hs6'], unique=False)
        batch_op.create_index(batch_op.f('ix_tariff_lines_version_id'), ['version_id'], unique=False)
    op.create_table('tariff_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=True),
    sa.Column('rate_pct', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('amount', sa.Numeric(precision=20, scale=6), nullable=True),
    sa.Column('amount_currency', sa.String(length=3), nullable=True),
    sa.Column('per_unit', sa.String(length=3), nullable=True),
    sa.Column('agreement', sa.String(length=16), nullable=True),
    sa.Column('agency', sa.String(length=32), nullable=True),
    sa.Column('legal_basis', sa.String(length=255), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['tariff_schedule_versions.id'], name=op.f('fk_tariff_measures_version_id_tariff_schedule_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_measures')),
    sa.UniqueConstraint('version_id', 'ref', name=op.f('uq_tariff_measures_version_id'))
    )
    with op.batch_alter_table('tariff_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_measures_version_id'), ['version_id'], unique=False)
    op.create_table('tariff_assessment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=False),
    sa.Column('line_code', sa.String(length=10), nullable=False),
    sa.Column('tax', sa.String(length=16), nullable=False),
    sa.Column('base', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=20, scale=6), nullable=True),
    sa.Column('rate', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('measure_ref', sa.String(length=64), nullable=False),
    sa.Column('preference', sa.String(length=16), nullable=True),
    sa.Column('relief', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['tariff_assessments.id'], name=op.f('fk_tariff_assessment_lines_assessment_id_tariff_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_assessment_lines'))
    )
    with op.batch_alter_table('tariff_assessment_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_assessment_lines_assessment_id'), ['assessment_id'], unique=False)
    op.create_table('tariff_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('gateway', sa.String(length=32), nullable=True),
    sa.Column('gateway_ref', sa.String(length=64), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('payer_id', sa.String(length=17), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['tariff_deferment_accounts.id'], name=op.f('fk_tariff_payments_account_id_tariff_deferment_accounts')),
    sa.ForeignKeyConstraint(['assessment_id'], ['tariff_assessments.id'], name=op.f('fk_tariff_payments_assessment_id_tariff_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_payments')),
    sa.UniqueConstraint('gateway_ref', name=op.f('uq_tariff_payments_gateway_ref'))
    )
    with op.batch_alter_table('tariff_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_payments_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tariff_payments_declaration_id'), ['declaration_id'], unique=False)
    op.create_table('tariff_revenue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('tax', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('finding_ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['tariff_assessments.id'], name=op.f('fk_tariff_revenue_assessment_id_tariff_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_revenue'))
    )
    with op.batch_alter_table('tariff_revenue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_revenue_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index('ix_tariff_revenue_office_booked_on', ['office', 'booked_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tariff_revenue', schema=None) as batch_op:
        batch_op.drop_index('ix_tariff_revenue_office_booked_on')
        batch_op.drop_index(batch_op.f('ix_tariff_revenue_declaration_id'))
    op.drop_table('tariff_revenue')
    with op.batch_alter_table('tariff_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_payments_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_tariff_payments_assessment_id'))
    op.drop_table('tariff_payments')
    with op.batch_alter_table('tariff_assessment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_assessment_lines_assessment_id'))
    op.drop_table('tariff_assessment_lines')
    with op.batch_alter_table('tariff_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_measures_version_id'))
    op.drop_table('tariff_measures')
    with op.batch_alter_table('tariff_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_lines_version_id'))
        batch_op.drop_index(batch_op.f('ix_tariff_lines_hs6'))
    op.drop_table('tariff_lines')
    with op.batch_alter_table('tariff_guarantee_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_guarantee_uses_guarantee_id'))
        batch_op.drop_index(batch_op.f('ix_tariff_guarantee_uses_declaration_id'))
    op.drop_table('tariff_guarantee_uses')
    with op.batch_alter_table('tariff_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_assessments_declaration_id'))
    op.drop_table('tariff_assessments')
    op.drop_table('tariff_agreement_partners')
    op.drop_table('tariff_schedule_versions')
    with op.batch_alter_table('tariff_rulings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_rulings_holder_id'))
    op.drop_table('tariff_rulings')
    with op.batch_alter_table('tariff_guarantees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_guarantees_holder_id'))
    op.drop_table('tariff_guarantees')
    op.drop_table('tariff_exchange_rates')
    with op.batch_alter_table('tariff_deferment_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_deferment_accounts_holder_id'))
    op.drop_table('tariff_deferment_accounts')
    op.drop_table('tariff_agreements')
