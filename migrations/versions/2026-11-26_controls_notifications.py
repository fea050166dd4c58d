"""controls and notifications: control tasks, findings, holds; notification outbox, deliveries, job store

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 07:05:47.107405
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import clearway.db

revision = '0004'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    op.create_table('notification_relay_gaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.Column('skipped_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_relay_gaps'))
    )
    op.create_table('notification_relay_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('gap_after_id', sa.Integer(), nullable=True),
    sa.Column('gap_seen_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_relay_state'))
    )
    op.create_table('notification_subscribers',
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('secrets', sa.JSON(), nullable=False),
    sa.Column('updated_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('organisation', name=op.f('pk_notification_subscribers'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('mrn', sa.String(length=18), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('organisation', 'event_id', name='uq_notifications_organisation_event'),
    sa.UniqueConstraint('organisation', 'seq', name='uq_notifications_organisation_seq')
    )
    op.create_table('control_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by', sa.String(length=64), nullable=False),
    sa.Column('placed_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_holds_declaration_id_declarations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_holds'))
    )
    with op.batch_alter_table('control_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_holds_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('control_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('section', sa.String(length=5), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('assigned_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('random_pick', sa.Boolean(), nullable=False),
    sa.Column('rule_ids', sa.JSON(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_for', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('goods_available_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('fraud_found', sa.Boolean(), nullable=True),
    sa.Column('revenue_raised', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_tasks_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['parent_id'], ['control_tasks.id'], name=op.f('fk_control_tasks_parent_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_tasks'))
    )
    # The work queue: open tasks of an office, most risky first, then longest waiting (partial index).
    op.create_index('ix_control_tasks_queue', 'control_tasks',
                    ['office', sa.text('priority DESC'), 'created_at', 'id'],
                    postgresql_where=sa.text('closed = false'), sqlite_where=sa.text('closed = 0'))
    with op.batch_alter_table('control_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_tasks_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_tasks_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_tasks_finished_at'), ['finished_at'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('ordering_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_deliveries_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_deliveries')),
    sa.UniqueConstraint('notification_id', name=op.f('uq_notification_deliveries_notification_id'))
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notification_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notification_deliveries_order', ['organisation', 'ordering_key', 'id'], unique=False)

    op.create_table('control_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('declared_duty', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('corrected_duty', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('difference', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('penalty', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('total', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_adjustments_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_adjustments_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_adjustments'))
    )
    with op.batch_alter_table('control_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_adjustments_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('control_document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('due_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_document_requests_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_document_requests_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_document_requests'))
    )
    with op.batch_alter_table('control_document_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_document_requests_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_document_requests_organisation'), ['organisation'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_document_requests_task_id'), ['task_id'], unique=False)

    op.create_table('control_enforcement_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('seized', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_enforcement_cases_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_enforcement_cases_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_enforcement_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_control_enforcement_cases_reference'))
    )
    with op.batch_alter_table('control_enforcement_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_enforcement_cases_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('control_examiners',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('supervisor', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_control_examiners_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_control_examiners')),
    sa.UniqueConstraint('username', name=op.f('uq_control_examiners_username'))
    )
    with op.batch_alter_table('control_examiners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_examiners_office'), ['office'], unique=False)

    op.create_table('control_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('corrected', sa.JSON(), nullable=False),
    sa.Column('seized_quantity', sa.Numeric(precision=24, scale=6), nullable=True),
    sa.Column('seized_unit', sa.String(length=3), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_findings_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_findings_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_findings'))
    )
    with op.batch_alter_table('control_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_findings_task_id'), ['task_id'], unique=False)

    op.create_table('control_outcome_rules',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_outcome_rules_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('task_id', 'rule_id', name=op.f('pk_control_outcome_rules'))
    )
    with op.batch_alter_table('control_outcome_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_outcome_rules_rule_id'), ['rule_id'], unique=False)

    op.create_table('notification_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['notification_deliveries.id'], name=op.f('fk_notification_attempts_delivery_id_notification_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempts'))
    )
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_attempts_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_attempts_organisation'), ['organisation'], unique=False)

    op.create_table('control_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('document_code', sa.String(length=35), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploader_org', sa.String(length=17), nullable=False),
    sa.Column('uploaded_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_control_files_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['request_id'], ['control_document_requests.id'], name=op.f('fk_control_files_request_id_control_document_requests')),
    sa.ForeignKeyConstraint(['task_id'], ['control_tasks.id'], name=op.f('fk_control_files_task_id_control_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_files'))
    )
    with op.batch_alter_table('control_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_files_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_files_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('control_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_files_task_id'))
        batch_op.drop_index(batch_op.f('ix_control_files_declaration_id'))

    op.drop_table('control_files')
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_attempts_organisation'))
        batch_op.drop_index(batch_op.f('ix_notification_attempts_delivery_id'))

    op.drop_table('notification_attempts')
    with op.batch_alter_table('control_outcome_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_outcome_rules_rule_id'))

    op.drop_table('control_outcome_rules')
    with op.batch_alter_table('control_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_findings_task_id'))

    op.drop_table('control_findings')
    with op.batch_alter_table('control_examiners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_examiners_office'))

    op.drop_table('control_examiners')
    with op.batch_alter_table('control_enforcement_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_enforcement_cases_declaration_id'))

    op.drop_table('control_enforcement_cases')
    with op.batch_alter_table('control_document_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_document_requests_task_id'))
        batch_op.drop_index(batch_op.f('ix_control_document_requests_organisation'))
        batch_op.drop_index(batch_op.f('ix_control_document_requests_declaration_id'))

    op.drop_table('control_document_requests')
    with op.batch_alter_table('control_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_adjustments_declaration_id'))

    op.drop_table('control_adjustments')
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_deliveries_order')
        batch_op.drop_index('ix_notification_deliveries_due')

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('control_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_tasks_finished_at'))
        batch_op.drop_index(batch_op.f('ix_control_tasks_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_control_tasks_assignee'))

    op.drop_index('ix_control_tasks_queue', table_name='control_tasks')
    op.drop_table('control_tasks')
    with op.batch_alter_table('control_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_holds_declaration_id'))

    op.drop_table('control_holds')
    op.drop_table('notifications')
    op.drop_table('notification_subscribers')
    op.drop_table('notification_relay_state')
    op.drop_table('notification_relay_gaps')
    op.drop_table('notification_outbox')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
