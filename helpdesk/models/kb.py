"""The knowledge base: help articles in Polish and English, their history, and deflected contacts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Category, User
from helpdesk.models.types import UTCDateTime, utcnow

LANGUAGES = ("pl", "en")
ARTICLE_STATUSES = ("draft", "published")
VISIT_OUTCOMES = ("solved", "left", "submitted")  # the first two are deflected contacts


# PostgreSQL full-text search (see migration 0010_kb and kb.services.search): unaccented words, the
# title weighing most, stored in search_vector. kb_unaccent is the migration's wrapper of unaccent().
SEARCH_VECTOR = ("(setweight(to_tsvector('simple'::regconfig, kb_unaccent(title::text)), 'A'::\"char\") || "
                 "setweight(to_tsvector('simple'::regconfig, kb_unaccent(keywords::text)), 'B'::\"char\")) || "
                 "to_tsvector('simple'::regconfig, kb_unaccent(body_md))")


class KbArticle(db.Model):
    """One help article; its text lives in a translation per language."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    # The solved ticket whose answer it was drafted from, if any.
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    shipped_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # articles the product ships
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
    translations: Mapped[list[KbTranslation]] = relationship(back_populates="article", lazy="selectin",
                                                             order_by="KbTranslation.language.desc()",
                                                             cascade="all, delete-orphan")

    def translation(self, language: str) -> KbTranslation | None:
        return next((t for t in self.translations if t.language == language), None)


class KbTranslation(db.Model):
    """An article in one language: its current text, whether it is published, and its votes."""

    __tablename__ = "kb_translations"
    __table_args__ = (
        UniqueConstraint("article_id", "language", name="uq_kb_translations_article_language"),
        Index("ix_kb_translations_search", "search_vector", postgresql_using="gin"),  # on SQLite: empty
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(120), unique=True)  # /pomoc/<slug>
    title: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[str] = mapped_column(String(500), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when saved
    summary: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded words, for the SQLite fallback
    # PostgreSQL: SEARCH_VECTOR of the row, kept by kb.services.save (ranking reads it, not recomputes it).
    search_vector: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)

    article: Mapped[KbArticle] = relationship(back_populates="translations")
    updated_by: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class KbRevision(db.Model):
    """The history of a translation: every save, publication and withdrawal, with the text at that moment."""

    __tablename__ = "kb_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("kb_translations.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))  # saved, published, unpublished
    title: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[str] = mapped_column(String(500), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class KbContactVisit(db.Model):
    """One visit to the contact form that was shown help articles (keyed by the form's submission id).

    ``outcome`` is "solved" when the visitor answered "yes, this solved it", "left" when they opened a
    suggestion and did not send the form within KB_DEFLECTION_MINUTES (set by the minute sweep), and
    "submitted" when the form was sent after all; the first two are deflected contacts. The reports
    count rows by outcome and ``decided_at``.
    """

    __tablename__ = "kb_contact_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_key: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="pl")
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_translation_id: Mapped[int | None] = mapped_column(ForeignKey("kb_translations.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


# The sweep's work list: opened suggestions not decided yet.
Index("ix_kb_contact_visits_undecided", KbContactVisit.opened_at,
      postgresql_where=KbContactVisit.outcome.is_(None), sqlite_where=KbContactVisit.outcome.is_(None))
Index("ix_kb_translations_listing", KbTranslation.language, KbTranslation.status)

