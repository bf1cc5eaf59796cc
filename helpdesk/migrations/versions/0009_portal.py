"""customer zone: accounts, private links and tokens, sessions, login throttles, security log, notices

Revision ID: 0009_portal
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from helpdesk.models.types import UTCDateTime

revision = '0009_portal'
down_revision = '0008_phone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portal_accounts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('email', sa.String(254), nullable=False),
        sa.Column('password_hash', sa.String(200), nullable=False),
        sa.Column('totp_secret', sa.String(200), nullable=True),
        sa.Column('totp_enabled_at', UTCDateTime(), nullable=True),
        sa.Column('totp_last_step', sa.Integer(), nullable=True),
        sa.Column('recovery_codes', sa.JSON(), nullable=False),
        sa.Column('notify', sa.String(16), nullable=False),
        sa.Column('last_digest_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_login_at', UTCDateTime(), nullable=True),
        sa.UniqueConstraint('customer_id'),
        sa.UniqueConstraint('email'),
    )
    op.create_table(
        'portal_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', ondelete='CASCADE'), nullable=True),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id', ondelete='CASCADE'), nullable=True),
        sa.Column('raw_contact_id', sa.Integer(), sa.ForeignKey('raw_contacts.id', ondelete='CASCADE'),
                  nullable=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('portal_accounts.id', ondelete='CASCADE'),
                  nullable=True),
        sa.Column('email', sa.String(254), nullable=True),
        sa.Column('created_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_portal_tokens_customer_id', 'portal_tokens', ['customer_id'])
    op.create_index('ix_portal_tokens_ticket_id', 'portal_tokens', ['ticket_id'])
    op.create_table(
        'portal_sessions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('portal_accounts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('stage', sa.String(8), nullable=False),
        sa.Column('ip', sa.String(45), nullable=False),
        sa.Column('user_agent', sa.String(300), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_portal_sessions_account_id', 'portal_sessions', ['account_id'])
    op.create_table(
        'portal_login_throttles',
        sa.Column('key', sa.String(80), primary_key=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', UTCDateTime(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
    )
    op.create_table(
        'portal_security_events',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('portal_accounts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('ip', sa.String(45), nullable=False),
        sa.Column('user_agent', sa.String(300), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
    )
    op.create_index('ix_portal_security_events_account_id', 'portal_security_events', ['account_id'])
    op.create_table(
        'portal_notices',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('portal_accounts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
    )
    op.create_index('ix_portal_notices_account_id', 'portal_notices', ['account_id'])
    op.create_index('ix_portal_notices_sent_at', 'portal_notices', ['sent_at'])
    op.create_table(
        'portal_settings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('require_totp', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table('portal_settings')
    op.drop_index('ix_portal_notices_sent_at', table_name='portal_notices')
    op.drop_index('ix_portal_notices_account_id', table_name='portal_notices')
    op.drop_table('portal_notices')
    op.drop_index('ix_portal_security_events_account_id', table_name='portal_security_events')
    op.drop_table('portal_security_events')
    op.drop_table('portal_login_throttles')
    op.drop_index('ix_portal_sessions_account_id', table_name='portal_sessions')
    op.drop_table('portal_sessions')
    op.drop_index('ix_portal_tokens_ticket_id', table_name='portal_tokens')
    op.drop_index('ix_portal_tokens_customer_id', table_name='portal_tokens')
    op.drop_table('portal_tokens')
    op.drop_table('portal_accounts')
