"""agent workspace: saved filters, ticket search documents, keyset indexes of the queue

Revision ID: 0012_queue
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import helpdesk.models.types

revision = '0012_queue'
down_revision = '0011_reports'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('new', 'open', 'waiting')")
SEARCH_CONFIG = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'kontakt_search') THEN
    CREATE TEXT SEARCH CONFIGURATION kontakt_search (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION kontakt_search
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
  END IF;
END $$
"""


def upgrade():
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', helpdesk.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'name'),
    )
    op.create_table(
        'ticket_search',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('identity', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
        sa.Column('updated_at', helpdesk.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    op.create_index('ix_tickets_open_due', 'tickets', ['next_due_at', 'id'],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_tickets_open_team_due', 'tickets', ['team_id', 'next_due_at', 'id'],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_tickets_open_assignee_due', 'tickets', ['assignee_id', 'next_due_at', 'id'],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_tickets_open_created', 'tickets', ['created_at', 'id'],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_tickets_customer_category', 'tickets', ['customer_id', 'category_id', 'created_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
        op.execute(SEARCH_CONFIG)
        op.create_index('ix_ticket_search_vector', 'ticket_search', ['vector'], postgresql_using='gin')
    else:
        op.create_index('ix_ticket_search_vector', 'ticket_search', ['vector'])


def downgrade():
    op.drop_index('ix_ticket_search_vector', table_name='ticket_search')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS kontakt_search')
    op.drop_index('ix_tickets_customer_category', table_name='tickets')
    op.drop_index('ix_tickets_open_created', table_name='tickets')
    op.drop_index('ix_tickets_open_assignee_due', table_name='tickets')
    op.drop_index('ix_tickets_open_team_due', table_name='tickets')
    op.drop_index('ix_tickets_open_due', table_name='tickets')
    op.drop_table('ticket_search')
    op.drop_table('saved_filters')
