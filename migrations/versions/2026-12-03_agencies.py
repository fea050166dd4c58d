"""Single window: live agencies, LPCO applications and permits with balances, permit uses, referrals, joint inspections.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 05:38:39.712021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import clearway.db

revision = '0009'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_organisation'), ['organisation'], unique=False)

    op.create_table('agency_permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('lpco', sa.String(length=16), nullable=False),
    sa.Column('holder', sa.String(length=17), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hs_prefixes', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=2), nullable=True),
    sa.Column('requested_quantity', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('requested_value', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('unit', sa.String(length=3), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('value', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('quantity_used', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('value_used', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('applied_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('warned_low', sa.Boolean(), nullable=False),
    sa.CheckConstraint('quantity IS NULL OR quantity_used <= quantity', name=op.f('ck_agency_permits_quantity_not_overused')),
    sa.CheckConstraint('quantity_used >= 0 AND value_used >= 0', name=op.f('ck_agency_permits_used_not_negative')),
    sa.CheckConstraint('value IS NULL OR value_used <= value', name=op.f('ck_agency_permits_value_not_overused')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_permits')),
    sa.UniqueConstraint('number', name=op.f('uq_agency_permits_number'))
    )
    with op.batch_alter_table('agency_permits', schema=None) as batch_op:
        batch_op.create_index('ix_agency_permits_agency_status', ['agency', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_permits_holder'), ['holder'], unique=False)

    op.create_table('agency_joint_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('booked_by', sa.String(length=64), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_agency_joint_inspections_declaration_id_declarations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_joint_inspections')),
    sa.UniqueConstraint('declaration_id', name='uq_agency_joint_inspections_declaration')
    )
    op.create_table('agency_permit_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('value', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_agency_permit_uses_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['permit_id'], ['agency_permits.id'], name=op.f('fk_agency_permit_uses_permit_id_agency_permits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_permit_uses'))
    )
    with op.batch_alter_table('agency_permit_uses', schema=None) as batch_op:
        batch_op.create_index('ix_agency_permit_uses_decl_state', ['declaration_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_permit_uses_permit_id'), ['permit_id'], unique=False)

    op.create_table('agency_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=18), nullable=False),
    sa.Column('declarant', sa.String(length=17), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('item', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('fallback', sa.String(length=16), nullable=True),
    sa.Column('post_release_task', sa.Boolean(), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_agency_referrals_declaration_id_declarations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_referrals'))
    )
    with op.batch_alter_table('agency_referrals', schema=None) as batch_op:
        batch_op.create_index('ix_agency_referrals_agency_open', ['agency', 'superseded', 'decision'], unique=False)
        batch_op.create_index('ix_agency_referrals_declaration', ['declaration_id', 'superseded'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_referrals_due_at'), ['due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agency_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_referrals_due_at'))
        batch_op.drop_index('ix_agency_referrals_declaration')
        batch_op.drop_index('ix_agency_referrals_agency_open')

    op.drop_table('agency_referrals')
    with op.batch_alter_table('agency_permit_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_permit_uses_permit_id'))
        batch_op.drop_index('ix_agency_permit_uses_decl_state')

    op.drop_table('agency_permit_uses')
    op.drop_table('agency_joint_inspections')
    with op.batch_alter_table('agency_permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_permits_holder'))
        batch_op.drop_index('ix_agency_permits_agency_status')

    op.drop_table('agency_permits')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_organisation'))

    op.drop_table('agencies')
