"""sla: policies, clocks and their history, notifications

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import helpdesk.models.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('calendar_name', sa.String(length=64), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('next_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.JSON(), nullable=False),
    sa.Column('pause_statuses', sa.JSON(), nullable=False),
    sa.Column('warn_percent', sa.Integer(), nullable=False),
    sa.Column('escalation', sa.JSON(), nullable=False),
    sa.Column('updated_at', helpdesk.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('clock', sa.String(length=32), nullable=False),
    sa.Column('due_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', helpdesk.models.types.UTCDateTime(), nullable=False),
    sa.Column('read_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('email_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('emailed_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_email_pending', ['email_at'], unique=False, postgresql_where=sa.text('emailed_at IS NULL'), sqlite_where=sa.text('emailed_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('sla_clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('policy_name', sa.String(length=64), nullable=False),
    sa.Column('calendar_name', sa.String(length=64), nullable=False),
    sa.Column('target_seconds', sa.Integer(), nullable=False),
    sa.Column('accumulated_seconds', sa.Double(), nullable=False),
    sa.Column('running_since', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('stopped', sa.Boolean(), nullable=False),
    sa.Column('due_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('warn_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('warned_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('breached_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'name')
    )
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_clocks_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_clocks_warn_at'), ['warn_at'], unique=False)

    op.create_table('sla_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('at', helpdesk.models.types.UTCDateTime(), nullable=False),
    sa.Column('policy_name', sa.String(length=64), nullable=False),
    sa.Column('calendar_name', sa.String(length=64), nullable=False),
    sa.Column('target_seconds', sa.Integer(), nullable=False),
    sa.Column('elapsed_seconds', sa.Double(), nullable=False),
    sa.Column('due_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_events_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_events_ticket_id'))

    op.drop_table('sla_events')
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_clocks_warn_at'))
        batch_op.drop_index(batch_op.f('ix_sla_clocks_due_at'))

    op.drop_table('sla_clocks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index('ix_notifications_email_pending', postgresql_where=sa.text('emailed_at IS NULL'), sqlite_where=sa.text('emailed_at IS NULL'))

    op.drop_table('notifications')
    op.drop_table('sla_policies')
