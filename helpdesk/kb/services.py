"""Help articles: writing, publishing with history, search, suggestions, votes and deflected contacts.

Every function that changes something owns its transaction (commits). Search runs on PostgreSQL's
full text (unaccented words, stems matched as prefixes, ranked with the title weighing most) and,
on SQLite, on the folded words kept in ``search_text`` (the same stems, ranked in Python).
"""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, literal_column, update

from helpdesk.core.extensions import db, insert_ignoring_conflicts
from helpdesk.kb import markup, text
from helpdesk.models import Category, Message, Ticket, User
from helpdesk.models.kb import LANGUAGES, SEARCH_VECTOR, KbArticle, KbContactVisit, KbRevision, KbTranslation
from helpdesk.models.types import utcnow
from helpdesk.audit import services as audit

VISIT_KEY = re.compile(r"[0-9a-f]{32}")  # the contact form's submission id


class ArticleError(ValueError):
    """A change that cannot be made; the message is an English key the screens translate."""


@dataclasses.dataclass(frozen=True)
class Hit:
    """A published article found by a search."""
    id: int
    slug: str
    title: str
    summary: str
    language: str
    category_id: int | None
    rank: float


# --- writing and publishing -------------------------------------------------------------------------

def slug_for(title: str, *, taken_by: int | None = None) -> str:
    """A URL slug from the title (folded words joined by hyphens), made unique with a number."""
    base = "-".join(text.words(title))[:100].strip("-") or "artykul"
    slug, n = base, 1
    while True:
        with db.session.no_autoflush:
            owner = db.session.scalar(db.select(KbTranslation.id).filter_by(slug=slug))
        if owner is None or owner == taken_by:
            return slug
        n += 1
        slug = f"{base}-{n}"


def save(*, article_id: int | None, language: str, title: str, body_md: str, keywords: str = "",
         category: str | None = None, actor: User | None, publish: bool = False,
         source_ticket_id: int | None = None, shipped_key: str | None = None) -> KbTranslation:
    """Save an article's text in one language (a new article when ``article_id`` is None), with a
    revision in its history; published at once when ``publish``, otherwise its status is unchanged
    (a new translation starts as a draft)."""
    if language not in LANGUAGES:
        raise ArticleError("unknown-language")
    title, body_md = title.strip(), body_md.replace("\r\n", "\n").strip()
    if not title or not body_md:
        raise ArticleError("empty-article")
    if article_id is None:
        article = KbArticle(source_ticket_id=source_ticket_id, shipped_key=shipped_key)
        db.session.add(article)
    else:
        article = db.session.get(KbArticle, article_id)
        if article is None:
            raise ArticleError("unknown-article")
    if category is not None:
        article.category_id = db.session.scalar(db.select(Category.id).filter_by(slug=category)) if category else None
    translation = article.translation(language)
    if translation is None:
        translation = KbTranslation(language=language, status="draft", helpful_yes=0, helpful_no=0)
        article.translations.append(translation)
    translation.title, translation.keywords, translation.body_md = title, keywords.strip(), body_md
    translation.slug = translation.slug or slug_for(title, taken_by=translation.id)
    translation.body_html = markup.render(body_md)
    translation.summary = markup.summary(body_md)
    translation.search_text = text.search_text(title, keywords, markup.plain_text(body_md))
    translation.updated_at = utcnow()
    translation.updated_by_user_id = actor.id if actor else None
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(update(KbTranslation).where(KbTranslation.id == translation.id)
                           .values(search_vector=literal_column(SEARCH_VECTOR)))
    _add_revision(translation, "saved", actor)
    if publish:
        _set_published(translation, True, actor)
    db.session.commit()
    return translation


def set_published(translation_id: int, published: bool, actor: User | None) -> KbTranslation:
    """Publish a translation (it appears on /pomoc/ and in suggestions) or withdraw it to a draft."""
    translation = db.session.get(KbTranslation, translation_id)
    if translation is None:
        raise ArticleError("unknown-article")
    if translation.is_published != published:
        _set_published(translation, published, actor)
    db.session.commit()
    return translation


def _set_published(translation: KbTranslation, published: bool, actor: User | None) -> None:
    translation.status = "published" if published else "draft"
    if published:
        translation.published_at = utcnow()
    _add_revision(translation, "published" if published else "unpublished", actor)
    audit.record(actor, "kb_article", translation.article_id, "publish" if published else "unpublish",
                 language=translation.language, slug=translation.slug)


def _add_revision(translation: KbTranslation, action: str, actor: User | None) -> None:
    number = (db.session.scalar(db.select(func.max(KbRevision.number)).filter_by(translation_id=translation.id))
              or 0) + 1
    db.session.add(KbRevision(translation_id=translation.id, number=number, action=action, title=translation.title,
                              keywords=translation.keywords, body_md=translation.body_md,
                              author_user_id=actor.id if actor else None))


def history(translation_id: int) -> list[KbRevision]:
    return db.session.scalars(db.select(KbRevision).filter_by(translation_id=translation_id)
                              .order_by(KbRevision.number.desc())).all()


def draft_from_ticket(ticket_id: int, actor: User) -> KbTranslation:
    """A draft article from a solved ticket: its subject as the title, the last reply to the customer
    as the body, in the ticket's language and category. The editor removes what is personal."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise ArticleError("unknown-ticket")
    if ticket.status not in ("solved", "closed"):
        raise ArticleError("ticket-not-solved")
    answer = db.session.scalar(db.select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == "out", Message.internal.is_(False))
        .order_by(Message.id.desc()).limit(1))
    if answer is None or not answer.text.strip():
        raise ArticleError("ticket-has-no-answer")
    language = ticket.language if ticket.language in LANGUAGES else "pl"
    return save(article_id=None, language=language, title=ticket.subject, body_md=answer.text,
                category=ticket.category.slug if ticket.category else "", actor=actor, source_ticket_id=ticket.id)


# --- reading ----------------------------------------------------------------------------------------

def published(slug: str) -> KbTranslation | None:
    return db.session.scalar(db.select(KbTranslation).filter_by(slug=slug, status="published"))


def listing(language: str) -> list[KbTranslation]:
    """The published articles in ``language``, by category then title."""
    return db.session.scalars(
        db.select(KbTranslation).join(KbArticle).outerjoin(Category, Category.id == KbArticle.category_id)
        .where(KbTranslation.language == language, KbTranslation.status == "published")
        .order_by(Category.id.nulls_last(), KbTranslation.title)).all()


def search(query: str, language: str, *, limit: int = 10, category_id: int | None = None,
           every: bool = True) -> list[Hit]:
    """Published articles in ``language`` matching ``query``, best first. With ``every`` all the
    query's words must be found, and when that finds nothing, any of them."""
    terms = text.query_terms(query, language)
    if not terms:
        return []
    for require_every in ((True, False) if every else (False,)):
        if db.session.get_bind().dialect.name == "postgresql":
            hits = _search_postgresql(terms, language, limit, category_id, require_every)
        else:
            hits = _search_fallback(terms, language, limit, category_id, require_every)
        if hits or len(terms) == 1:
            return hits
    return []


def _search_postgresql(terms, language, limit, category_id, every) -> list[Hit]:
    vector = KbTranslation.search_vector
    simple = literal_column("'simple'::regconfig")
    query = func.to_tsquery(simple, text.tsquery(terms, every=every))
    # Ranked by the terms found (an "any" query): ts_rank of an "all" query decays with the distance
    # between the words, which buries a title that has them all under a body that has them side by side.
    rank = func.ts_rank(vector, func.to_tsquery(simple, text.tsquery(terms, every=False)))
    if category_id is not None:
        rank = rank * db.case((KbArticle.category_id == category_id, 2.0), else_=1.0)
    rows = db.session.execute(
        db.select(KbTranslation.id, KbTranslation.slug, KbTranslation.title, KbTranslation.summary,
                  KbTranslation.language, KbArticle.category_id, rank.label("rank"))
        .join(KbArticle).where(KbTranslation.language == language, KbTranslation.status == "published",
                               vector.op("@@")(query))
        .order_by(db.desc("rank"), KbTranslation.id).limit(limit))
    return [Hit(*row) for row in rows]


def _search_fallback(terms, language, limit, category_id, every) -> list[Hit]:
    """SQLite: candidates by LIKE on the folded words, ranked in Python (the articles are few)."""
    like = [KbTranslation.search_text.like(f"% {term}%") for term in terms]
    rows = db.session.execute(
        db.select(KbTranslation.id, KbTranslation.slug, KbTranslation.title, KbTranslation.summary,
                  KbTranslation.language, KbArticle.category_id, KbTranslation.keywords, KbTranslation.search_text)
        .join(KbArticle).where(KbTranslation.language == language, KbTranslation.status == "published",
                               db.and_(*like) if every else db.or_(*like)).limit(500)).all()
    hits = []
    for row in rows:
        rank = text.score(terms, row.title, row.keywords, row.search_text)
        if category_id is not None and row.category_id == category_id:
            rank *= 2
        hits.append(Hit(row.id, row.slug, row.title, row.summary, row.language, row.category_id, rank))
    hits.sort(key=lambda hit: (-hit.rank, hit.id))
    return hits[:limit]


def suggest(subject: str, description: str, language: str, category: str | None = None,
            limit: int = 3) -> list[Hit]:
    """Articles that may answer what a customer is typing on the contact form (any of its words)."""
    category_id = db.session.scalar(db.select(Category.id).filter_by(slug=category)) if category else None
    return search(f"{subject} {subject} {description}", language, limit=limit, category_id=category_id,
                  every=False)


def vote(translation_id: int, helpful: bool) -> None:
    """Count a "was this helpful?" answer (one statement, so concurrent votes all count)."""
    column = KbTranslation.helpful_yes if helpful else KbTranslation.helpful_no
    db.session.execute(update(KbTranslation).where(KbTranslation.id == translation_id).values({column: column + 1}))
    db.session.commit()


# --- deflected contacts -----------------------------------------------------------------------------

def _insert_visit(visit_key: str, language: str):
    return insert_ignoring_conflicts(KbContactVisit.__table__, "visit_key").values(
        visit_key=visit_key, language=language, suggested_at=utcnow())


def suggestions_shown(visit_key: str, language: str) -> None:
    """The contact form showed articles to this visit (its first time is kept)."""
    if VISIT_KEY.fullmatch(visit_key or ""):
        db.session.execute(_insert_visit(visit_key, language))
        db.session.commit()


def suggestion_opened(visit_key: str, translation_id: int) -> None:
    """A visitor of the contact form opened a suggested article; if they do not send the form
    within KB_DEFLECTION_MINUTES, the sweep counts a deflected contact."""
    if not VISIT_KEY.fullmatch(visit_key or ""):
        return
    db.session.execute(_insert_visit(visit_key, "pl"))
    db.session.execute(update(KbContactVisit).where(KbContactVisit.visit_key == visit_key,
                                                    KbContactVisit.opened_at.is_(None))
                       .values(opened_at=utcnow(), opened_translation_id=translation_id))
    db.session.commit()


def solved_by_article(visit_key: str) -> bool:
    """The visitor answered "yes, this solved it": a deflected contact at once. False if the visit
    is unknown or already decided otherwise."""
    if not VISIT_KEY.fullmatch(visit_key or ""):
        return False
    now = utcnow()
    done = db.session.execute(update(KbContactVisit).where(
        KbContactVisit.visit_key == visit_key, db.or_(KbContactVisit.outcome.is_(None),
                                                      KbContactVisit.outcome == "left"))
        .values(outcome="solved", solved_at=now, decided_at=now)).rowcount
    db.session.commit()
    return bool(done)


def forms_submitted(sent: dict[str, datetime]) -> None:
    """Contact forms sent after all, as visit key -> when: those visits were not deflected. Part
    of the caller's transaction (no commit): the worker that opens their tickets commits it."""
    table = KbContactVisit.__table__
    rows = [{"key": key, "at": at} for key, at in sent.items() if VISIT_KEY.fullmatch(key or "")]
    if rows:
        db.session.execute(update(table).where(table.c.visit_key == bindparam("key"))
                           .values(outcome="submitted", submitted_at=bindparam("at"), decided_at=bindparam("at")),
                           rows)


def decide_left(now: datetime | None = None) -> int:
    """The minute sweep: visits that opened a suggestion KB_DEFLECTION_MINUTES ago and have not
    sent the form are deflected contacts ("left"). Returns how many were decided."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["KB_DEFLECTION_MINUTES"])
    decided = db.session.execute(update(KbContactVisit).where(
        KbContactVisit.outcome.is_(None), KbContactVisit.opened_at.is_not(None), KbContactVisit.opened_at <= cutoff)
        .values(outcome="left", decided_at=now)).rowcount
    db.session.commit()
    return decided


def deflection_counts(start: datetime, end: datetime) -> dict[str, int]:
    """Visits decided in [start, end) by outcome: "solved" + "left" are the deflected contacts."""
    rows = db.session.execute(db.select(KbContactVisit.outcome, func.count()).where(
        KbContactVisit.decided_at >= start, KbContactVisit.decided_at < end).group_by(KbContactVisit.outcome))
    counts = {"solved": 0, "left": 0, "submitted": 0}
    counts.update({outcome: n for outcome, n in rows})
    counts["deflected"] = counts["solved"] + counts["left"]
    return counts


def ensure_shipped() -> int:
    """Add the shipped help articles that are missing (published, Polish and English); how many were
    added. One already there is left as its editors made it (withdrawn ones stay withdrawn)."""
    from helpdesk.kb.shipped import ARTICLES

    existing = set(db.session.scalars(db.select(KbArticle.shipped_key).where(KbArticle.shipped_key.is_not(None))))
    added = 0
    for entry in ARTICLES:
        if entry["key"] in existing:
            continue
        article_id = None
        for language in LANGUAGES:
            version = entry[language]
            translation = save(article_id=article_id, language=language, title=version["title"],
                               body_md=version["body"], keywords=version["keywords"],
                               category=entry["category"] or "", actor=None, publish=True,
                               shipped_key=entry["key"] if article_id is None else None)
            article_id = translation.article_id
        added += 1
    return added
