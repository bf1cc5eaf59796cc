"""faults: message authors as long as an e-mail address; a session version per member of staff

Revision ID: 0007_faults
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_faults'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages') as batch_op:
        batch_op.alter_column('author_name', existing_type=sa.String(length=200), type_=sa.String(length=254),
                              existing_nullable=False)
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('messages') as batch_op:
        batch_op.alter_column('author_name', existing_type=sa.String(length=254), type_=sa.String(length=200),
                              existing_nullable=False)
