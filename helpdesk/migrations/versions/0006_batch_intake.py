"""batch intake and routing: reserved ticket ids, work-list indexes

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('raw_contacts') as batch_op:
        batch_op.add_column(sa.Column('reserved_ticket_id', sa.Integer(), nullable=True))
    op.create_index('ix_raw_contacts_waiting', 'raw_contacts', ['id'],
                    postgresql_where=sa.text("status = 'received'"), sqlite_where=sa.text("status = 'received'"))
    op.create_index('ix_tickets_unrouted', 'tickets', ['id'],
                    postgresql_where=sa.text('routed_at IS NULL'), sqlite_where=sa.text('routed_at IS NULL'))
    op.create_index('ix_tickets_assignee_open', 'tickets', ['assignee_id', 'channel', 'status'])


def downgrade():
    op.drop_index('ix_tickets_assignee_open', table_name='tickets')
    op.drop_index('ix_tickets_unrouted', table_name='tickets')
    op.drop_index('ix_raw_contacts_waiting', table_name='raw_contacts')
    with op.batch_alter_table('raw_contacts') as batch_op:
        batch_op.drop_column('reserved_ticket_id')
