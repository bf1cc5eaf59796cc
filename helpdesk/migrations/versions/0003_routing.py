"""routing

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import helpdesk.models.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('routing_rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', helpdesk.models.types.UTCDateTime(), nullable=False),
    sa.Column('published_at', helpdesk.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    with op.batch_alter_table('routing_rule_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_rule_sets_state'), ['state'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('form_category', sa.String(length=64), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('line', server_default=None)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presence_changed_at', helpdesk.models.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('presence_changed_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('form_category')
        batch_op.drop_column('line')
    with op.batch_alter_table('routing_rule_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_rule_sets_state'))
    op.drop_table('routing_rule_sets')
