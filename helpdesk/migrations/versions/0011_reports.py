"""reports: indexes for the daily solved count and the list of breaches

Revision ID: 0011_reports
Revises: 0010_kb
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_reports'
down_revision = '0010_kb'
branch_labels = None
depends_on = None

_SOLVED = "action = 'stop' AND clock = 'resolution'"
_BREACH = "action = 'breach'"


def upgrade():
    op.create_index('ix_sla_events_resolution_stops', 'sla_events', ['at'],
                    postgresql_where=sa.text(_SOLVED), sqlite_where=sa.text(_SOLVED))
    op.create_index('ix_sla_events_breaches', 'sla_events', ['at'],
                    postgresql_where=sa.text(_BREACH), sqlite_where=sa.text(_BREACH))


def downgrade():
    op.drop_index('ix_sla_events_breaches', table_name='sla_events')
    op.drop_index('ix_sla_events_resolution_stops', table_name='sla_events')
