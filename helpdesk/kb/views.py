"""Help pages: the public /pomoc/ (search, categories, one article a page), suggestions for the
contact form, the editors' screens under /admin/pomoc/ and the agents' article links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.web.auth import LEADS, STAFF, roles_required
from helpdesk.core.extensions import db, limiter
from helpdesk.kb import markup, services
from helpdesk.kb.forms import ArticleForm, VoteForm
from helpdesk.kb.shipped import OPENING_HOURS_MARK
from helpdesk.models import Category, Ticket
from helpdesk.models.kb import KbArticle, KbTranslation
from helpdesk.models.types import utcnow
from helpdesk.tickets import services as ticket_service

bp = Blueprint("kb", __name__)

ERRORS = {
    "empty-article": _l("An article needs a title and a text."),
    "unknown-article": _l("There is no such article."),
    "unknown-language": _l("Unknown language."),
    "unknown-ticket": _l("There is no such ticket."),
    "ticket-not-solved": _l("Only a solved ticket's answer can become an article."),
    "ticket-has-no-answer": _l("This ticket has no reply to the customer to turn into an article."),
}
MAX_QUERY = 200  # characters of a search that are looked at


def _locale() -> str:
    return str(get_locale())


def _categories() -> dict[int, str]:
    locale = _locale()
    return {c.id: c.name(locale) for c in db.session.scalars(db.select(Category).order_by(Category.id))}


# --- public pages -----------------------------------------------------------------------------------

@bp.get("/pomoc/")
def index():
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    categories = _categories()
    if query:
        hits = services.search(query, _locale(), limit=20)
        return render_template("kb/search.html", query=query, hits=hits, categories=categories)
    grouped: dict[int | None, list[KbTranslation]] = {}
    for translation in services.listing(_locale()):
        grouped.setdefault(translation.article.category_id, []).append(translation)
    return render_template("kb/index.html", grouped=grouped, categories=categories, query="")


@bp.get("/pomoc/<slug>")
def article(slug: str):
    translation = services.published(slug)
    if translation is None:
        abort(404)
    visit = request.args.get("kontakt", "")
    if visit:
        services.suggestion_opened(visit, translation.id)
    other = next((t for t in translation.article.translations if t.id != translation.id and t.is_published), None)
    return render_template("kb/article.html", t=translation, other=other, visit=visit,
                           body_parts=translation.body_html.split(f"<p>{OPENING_HOURS_MARK}</p>"),
                           form=VoteForm(visit=visit), voted=translation.id in session.get("kb_voted", []),
                           opening_hours=_opening_hours() if OPENING_HOURS_MARK in translation.body_md else None,
                           categories=_categories())


def _opening_hours():
    from helpdesk.calendars.opening_hours import opening_hours
    from helpdesk.calendars.services import get_calendar

    return opening_hours(get_calendar("contact-centre"), utcnow())


@bp.post("/pomoc/<slug>/ocena")
def vote(slug: str):
    translation = services.published(slug)
    if translation is None:
        abort(404)
    form = VoteForm()
    if not form.validate_on_submit() or form.helpful.data not in ("yes", "no"):
        abort(400, _("Choose yes or no."))
    helpful = form.helpful.data == "yes"
    voted = session.get("kb_voted", [])
    if translation.id not in voted:  # one answer per article per browser session
        services.vote(translation.id, helpful)
        session["kb_voted"] = (voted + [translation.id])[-50:]
    solved = helpful and services.solved_by_article(form.visit.data or "")
    if solved:
        flash(_("We are glad it helped. You do not need to send the contact form."), "ok")
    elif helpful:
        flash(_("Thank you for your answer."), "ok")
    else:
        flash(_("Thank you. If the article did not answer your question, write to us."), "ok")
    return redirect(url_for("kb.article", slug=slug, kontakt=form.visit.data or None, _anchor="ocena"))


@bp.get("/pomoc/podpowiedzi")
@limiter.limit(lambda: current_app.config["KB_SUGGESTIONS_RATE_LIMIT"],
               exempt_when=lambda: not current_app.config["CONTACT_RATE_LIMITS"])
def suggestions():
    """An HTML fragment of articles matching what is typed on the contact form (for its script)."""
    subject = (request.args.get("subject") or "")[:MAX_QUERY]
    description = (request.args.get("description") or "")[:1000]
    visit = request.args.get("kontakt", "")
    hits = services.suggest(subject, description, _locale(), request.args.get("category") or None)
    if hits:
        services.suggestions_shown(visit, _locale())
    response = render_template("kb/_suggestions.html", hits=hits, visit=visit)
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/pomoc/sitemap.xml")
def sitemap():
    rows = db.session.execute(db.select(KbTranslation.slug, KbTranslation.updated_at)
                              .filter_by(status="published").order_by(KbTranslation.id)).all()
    xml = render_template("kb/sitemap.xml", rows=rows)
    return xml, 200, {"Content-Type": "application/xml; charset=utf-8"}


# --- editors: /admin/pomoc/ ---------------------------------------------------------------------------

@bp.get("/admin/pomoc/")
@roles_required(*LEADS)
def admin_list():
    articles = db.session.scalars(db.select(KbArticle).order_by(KbArticle.id)).all()
    return render_template("kb/admin_list.html", articles=articles, categories=_categories())


@bp.route("/admin/pomoc/nowy", methods=["GET", "POST"], defaults={"article_id": None, "language": "pl"})
@bp.route("/admin/pomoc/<int:article_id>/<language>", methods=["GET", "POST"])
@roles_required(*LEADS)
def admin_edit(article_id: int | None, language: str):
    if language not in ("pl", "en"):
        abort(404)
    article = db.session.get(KbArticle, article_id) if article_id else None
    if article_id and article is None:
        abort(404)
    translation = article.translation(language) if article else None
    form = ArticleForm()
    form.category.choices = [("", "—")] + [(c.slug, c.name(_locale())) for c in
                                           db.session.scalars(db.select(Category).order_by(Category.id))]
    preview = None
    if request.method == "GET":
        revision = request.args.get("revision", type=int)
        source = next((r for r in services.history(translation.id) if r.number == revision), None) \
            if translation and revision else translation
        if source is not None:
            form.title.data, form.keywords.data, form.body.data = source.title, source.keywords, source.body_md
        form.category.data = article.category.slug if article and article.category else ""
    elif form.validate_on_submit():
        action = request.form.get("action", "save")
        if action == "preview":
            preview = markup.render(form.body.data)
        else:
            try:
                if action == "withdraw" and translation is not None:
                    services.set_published(translation.id, False, current_user)
                    flash(_("The article was withdrawn: it is a draft now."), "ok")
                else:
                    translation = services.save(
                        article_id=article_id, language=language, title=form.title.data, body_md=form.body.data,
                        keywords=form.keywords.data or "", category=form.category.data or "", actor=current_user,
                        publish=action == "publish")
                    flash(_("The article was published.") if action == "publish" else _("Draft saved."), "ok")
                return redirect(url_for("kb.admin_edit", article_id=translation.article_id, language=language))
            except services.ArticleError as exc:
                flash(str(ERRORS.get(str(exc), exc)), "error")
    return render_template("kb/admin_edit.html", form=form, article=article, translation=translation,
                           language=language, preview=preview,
                           source_number=Ticket.number_of(article.source_ticket_id) if article and
                           article.source_ticket_id else None,
                           revisions=services.history(translation.id) if translation else []), (
        422 if form.errors else 200)


# --- agents -----------------------------------------------------------------------------------------

@bp.get("/agent/pomoc/")
@roles_required(*STAFF)
def agent_search():
    """Articles to link in a reply: the page without JavaScript, a fragment for the ticket's script."""
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    language = request.args.get("language") if request.args.get("language") in ("pl", "en") else _locale()
    hits = services.search(query, language, limit=8) if query else []
    ticket_id = request.args.get("ticket", type=int)
    template = "kb/_agent_hits.html" if request.args.get("fragment") else "kb/agent_search.html"
    return render_template(template, hits=hits, query=query, language=language, ticket_id=ticket_id)


@bp.post("/agent/tickets/<int:ticket_id>/artykul")
@roles_required(*STAFF)
def draft_from_ticket(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket_service.can_see(current_user, ticket):
        abort(404)
    try:
        translation = services.draft_from_ticket(ticket.id, current_user)
    except services.ArticleError as exc:
        flash(str(ERRORS.get(str(exc), exc)), "error")
        return redirect(url_for("tickets.ticket", ticket_id=ticket.id))
    if current_user.has_role(*LEADS):
        flash(_("A draft article was made from the answer: check it, remove anything personal, and publish."), "ok")
        return redirect(url_for("kb.admin_edit", article_id=translation.article_id, language=translation.language))
    flash(_("A draft article was made from the answer; a team lead will review and publish it."), "ok")
    return redirect(url_for("tickets.ticket", ticket_id=ticket.id))
