"""email

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import helpdesk.models.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('imap_host', sa.String(length=255), nullable=False),
    sa.Column('imap_port', sa.Integer(), nullable=False),
    sa.Column('imap_security', sa.String(length=16), nullable=False),
    sa.Column('imap_username', sa.String(length=254), nullable=False),
    sa.Column('imap_password_encrypted', sa.Text(), nullable=False),
    sa.Column('imap_folder', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_fetched_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('address')
    )
    op.create_table('mail_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('external_message_id', sa.String(length=500), nullable=True),
    sa.Column('delivery_status', sa.String(length=16), nullable=False),
    sa.Column('delivery_error', sa.Text(), nullable=True),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', helpdesk.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('mail_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_acknowledgements_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_acknowledgements_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_acknowledgements_external_message_id'), ['external_message_id'],
                              unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_attempted_at', helpdesk.models.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('delivery_attempted_at')
    with op.batch_alter_table('mail_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_acknowledgements_external_message_id'))
        batch_op.drop_index(batch_op.f('ix_mail_acknowledgements_created_at'))
        batch_op.drop_index(batch_op.f('ix_mail_acknowledgements_address'))
    op.drop_table('mail_acknowledgements')
    op.drop_table('mailboxes')
