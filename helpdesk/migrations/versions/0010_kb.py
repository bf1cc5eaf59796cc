"""knowledge base: help articles, translations, history, deflected contacts; customer merge proposals

Revision ID: 0010_kb
Revises: 0008_phone
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from helpdesk.models.types import UTCDateTime

revision = '0010_kb'
down_revision = '0008_phone'
branch_labels = None
depends_on = None

# PostgreSQL full-text search of published articles: words without diacritics (unaccent), the title
# weighing most, kept in search_vector (GIN-indexed). kb_unaccent fixes the dictionary, so the
# vector is the same whatever the search_path.
KB_UNACCENT = """
CREATE OR REPLACE FUNCTION kb_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$
"""


def upgrade():
    op.create_table(
        'kb_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('source_ticket_id', sa.Integer(), nullable=True),
        sa.Column('shipped_key', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['source_ticket_id'], ['tickets.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('shipped_key'),
    )
    op.create_index('ix_kb_articles_category_id', 'kb_articles', ['category_id'])
    op.create_table(
        'kb_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('keywords', sa.String(length=500), nullable=False),
        sa.Column('body_md', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
        sa.Column('helpful_yes', sa.Integer(), nullable=False),
        sa.Column('helpful_no', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
        sa.UniqueConstraint('article_id', 'language', name='uq_kb_translations_article_language'),
    )
    op.create_index('ix_kb_translations_listing', 'kb_translations', ['language', 'status'])
    op.create_table(
        'kb_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('translation_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('keywords', sa.String(length=500), nullable=False),
        sa.Column('body_md', sa.Text(), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['translation_id'], ['kb_translations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_kb_revisions_translation_id', 'kb_revisions', ['translation_id'])
    op.create_table(
        'kb_contact_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_key', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('suggested_at', UTCDateTime(), nullable=False),
        sa.Column('opened_translation_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', UTCDateTime(), nullable=True),
        sa.Column('solved_at', UTCDateTime(), nullable=True),
        sa.Column('submitted_at', UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['opened_translation_id'], ['kb_translations.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visit_key'),
    )
    op.create_index('ix_kb_contact_visits_decided_at', 'kb_contact_visits', ['decided_at'])
    op.create_index('ix_kb_contact_visits_undecided', 'kb_contact_visits', ['opened_at'],
                    postgresql_where=sa.text('outcome IS NULL'), sqlite_where=sa.text('outcome IS NULL'))
    op.create_table(
        'customer_merge_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('other_customer_id', sa.Integer(), nullable=True),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['other_customer_id'], ['customers.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_merge_proposals_ticket_id', 'customer_merge_proposals', ['ticket_id'])
    op.create_index('ix_customer_merge_proposals_pair', 'customer_merge_proposals',
                    ['customer_id', 'other_customer_id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
        op.execute(KB_UNACCENT)
    op.create_index('ix_kb_translations_search', 'kb_translations', ['search_vector'], postgresql_using='gin')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS kb_unaccent(text)')
    op.drop_index('ix_kb_translations_search', table_name='kb_translations')
    op.drop_table('customer_merge_proposals')
    op.drop_table('kb_contact_visits')
    op.drop_table('kb_revisions')
    op.drop_table('kb_translations')
    op.drop_table('kb_articles')
