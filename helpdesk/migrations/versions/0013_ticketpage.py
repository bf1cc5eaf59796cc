"""ticket page: optimistic locking, last seen, canned responses, viewers, mention notifications

Revision ID: 0013_ticketpage
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from helpdesk.models.types import UTCDateTime

revision = '0013_ticketpage'
down_revision = '0012_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_message_id_messages', 'messages', ['message_id'], ['id'],
                                    ondelete='CASCADE')
    op.create_table(
        'canned_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'ticket_viewers',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'user_id'),
    )


def downgrade():
    op.drop_table('ticket_viewers')
    op.drop_table('canned_responses')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint('fk_notifications_message_id_messages', type_='foreignkey')
        batch_op.drop_column('message_id')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_column('version')
