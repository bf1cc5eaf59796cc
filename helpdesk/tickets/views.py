"""The agent workspace: the queue and one screen per ticket."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case

from helpdesk.web.auth import LEADS, STAFF, passive, roles_required
from helpdesk.core.extensions import db
from helpdesk.tickets.forms import (CannedResponseForm, MergeForm, NoteForm, ReplyForm, SplitForm, StatusForm,
                                    TicketFieldsForm)
from helpdesk.models import Category, Team, Ticket, TicketEvent, User
from helpdesk.models.tickets import CannedResponse
from helpdesk.web.forms import KontaktForm
from helpdesk.models.core import OPEN_STATUSES, PRIORITIES, STATUSES
from helpdesk.tickets import services as ticket_service
from helpdesk.web.helpers import PRIORITY_LABELS, STATUS_LABELS, label_of

bp = Blueprint("tickets", __name__)

QUEUE_VIEWS = ("mine", "team", "unassigned", "all")
ERRORS = {
    "empty-message": _l("The message is empty."),
    "transition-not-allowed": _l("This status change is not allowed."),
    "unknown-status": _l("Unknown status."),
    "unknown-agent": _l("Unknown agent."),
    "conflict": _l("Someone else changed this ticket while you had it open, so your change was not saved. "
                   "The page now shows the ticket as it is; make your change again if it is still needed."),
    "no-such-ticket": _l("There is no ticket with this number that you may open."),
    "merge-into-itself": _l("A ticket cannot be merged into itself."),
    "merge-into-merged": _l("That ticket was merged into this one; it cannot take this one back."),
    "no-such-message": _l("There is no such message on this ticket."),
    "split-not-customer": _l("Only a customer's message can be moved to a new ticket."),
    "split-first-message": _l("The ticket's first message is its request; only a later message can be moved "
                              "to a new ticket."),
    "unknown-variable": _l("The text uses a variable that does not exist; use {customer_name}, "
                           "{ticket_number} or {due}."),
}


@bp.get("/agent/")
@roles_required(*STAFF)
def queue():
    views = QUEUE_VIEWS + (("unrouted",) if current_user.has_role(*LEADS) else ())
    view = request.args.get("view", "team" if current_user.has_role("agent") else "all")
    if view not in views:
        view = "all"
    query = ticket_service.visible_tickets(current_user).where(Ticket.status.in_(OPEN_STATUSES))
    if view == "unrouted":
        query = ticket_service.unrouted_tickets()
    if view == "mine":
        query = query.where(Ticket.assignee_id == current_user.id)
    elif view == "team":
        query = query.where(Ticket.team_id.in_([t.id for t in current_user.teams]))
    elif view == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None))
    urgency = case({"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=Ticket.priority, else_=4)
    rows = db.session.scalars(query.order_by(Ticket.next_due_at.asc().nulls_last(), urgency, Ticket.created_at)
                              .limit(500)).all()
    return render_template("agent/queue.html", tickets=rows, view=view, views=views)


def visible_ticket_or_404(ticket_id: int) -> Ticket:
    """The ticket, if the logged-in member of staff may see it; 404 otherwise (no hint that it exists)."""
    item = db.session.get(Ticket, ticket_id)
    if item is None or not ticket_service.can_see(current_user, item):
        abort(404)
    return item


def _error_text(exc: ticket_service.TicketError) -> str:
    return str(ERRORS.get(str(exc), _l("The change could not be made.")))


@bp.route("/agent/tickets/<int:ticket_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def ticket(ticket_id: int):
    item = visible_ticket_or_404(ticket_id)
    forms = _forms(item)
    status = 200
    if request.method == "POST":
        try:
            done = _handle_post(item, forms)
            if done is not None:
                return done
        except ticket_service.TicketConflict as exc:
            db.session.rollback()
            flash(_error_text(exc), "error")
            item = visible_ticket_or_404(ticket_id)
            forms = _forms(item, fresh=True)
            status = 409
        except ticket_service.TicketError as exc:
            db.session.rollback()
            flash(_error_text(exc), "error")
            item = visible_ticket_or_404(ticket_id)
            status = 422
        else:
            status = 422  # a form did not validate: its errors are shown next to its fields
    return _render_ticket(item, forms), status


def _handle_post(item: Ticket, forms: dict):
    """Run the change the posted form asks for; a redirect when done, None when the form is invalid."""
    back = redirect(url_for("tickets.ticket", ticket_id=item.id))
    if "reply-text" in request.form and forms["reply"].validate_on_submit():
        ticket_service.reply(item.id, current_user, forms["reply"].text.data)
        flash(_("Reply sent."), "ok")
        return back
    if "note-text" in request.form and forms["note"].validate_on_submit():
        message = ticket_service.reply(item.id, current_user, forms["note"].text.data, internal=True)
        flash(_("Note saved."), "ok")
        if message.mentioned:
            flash(_("Notified: %(names)s.", names=", ".join(u.name for u in message.mentioned)), "ok")
        return back
    if "status-status" in request.form and forms["status"].validate_on_submit():
        ticket_service.change_status(item.id, current_user, forms["status"].status.data,
                                     expected_version=forms["status"].version.data)
        flash(_("Status changed."), "ok")
        return back
    if "fields-category" in request.form and forms["fields"].validate_on_submit():
        form = forms["fields"]
        ticket_service.update_fields(
            item.id, current_user, category=form.category.data or None,
            priority=form.priority.data, team=form.team.data or None,
            assignee_id=int(form.assignee.data) if form.assignee.data else None,
            tags=(form.tags.data or "").split(","), expected_version=form.version.data)
        flash(_("Ticket updated."), "ok")
        return back
    if "merge-target" in request.form and forms["merge"].validate_on_submit():
        target_id = Ticket.id_from_number(forms["merge"].target.data)
        if target_id is None and forms["merge"].target.data.strip().isdigit():
            target_id = Ticket.id_from_number("KT-" + forms["merge"].target.data.strip())
        if target_id is None:
            raise ticket_service.TicketError("no-such-ticket")
        target = ticket_service.merge(item.id, target_id, current_user,
                                      expected_version=forms["merge"].version.data)
        flash(_("Merged into %(number)s.", number=target.number), "ok")
        return redirect(url_for("tickets.ticket", ticket_id=target.id))
    if "split-message_id" in request.form and forms["split"].validate_on_submit():
        message_id = forms["split"].message_id.data
        if not any(m.id == message_id for m in item.messages):
            raise ticket_service.TicketError("no-such-message")
        new = ticket_service.split(message_id, current_user)
        flash(_("The message is now ticket %(number)s.", number=new.number), "ok")
        return redirect(url_for("tickets.ticket", ticket_id=new.id))
    return None


def _forms(item: Ticket, *, fresh: bool = False) -> dict:
    """The page's forms; ``fresh``: filled from the ticket as it is, not from what was posted."""
    formdata = None if fresh else request.form if request.method == "POST" else None
    status = StatusForm(prefix="status", formdata=formdata)
    status.status.choices = [(s, str(STATUS_LABELS[s])) for s in STATUSES]
    forms = {"reply": ReplyForm(prefix="reply", formdata=formdata), "note": NoteForm(prefix="note", formdata=formdata),
             "status": status, "fields": _fields_form(item, formdata), "merge": MergeForm(prefix="merge", formdata=formdata),
             "split": SplitForm(prefix="split", formdata=formdata)}
    if formdata is None:
        status.status.data = item.status
        fields = forms["fields"]
        fields.category.data = item.category.slug if item.category else ""
        fields.priority.data = item.priority
        fields.team.data = item.team.slug if item.team else ""
        fields.assignee.data = str(item.assignee_id or "")
        fields.tags.data = ", ".join(item.tags or [])
        canned = request.args.get("canned", type=int)
        if canned:  # "Insert" without JavaScript: the reply box starts with the filled-in text
            response = db.session.get(CannedResponse, canned)
            if response is not None and response.active:
                forms["reply"].text.data = ticket_service.fill_canned(response.body, item, response.language)
        for name in ("status", "fields", "merge"):  # the version the page shows
            forms[name].version.data = item.version
    return forms


def _render_ticket(item: Ticket, forms: dict):
    locale = str(get_locale())
    page = max(request.args.get("others", 1, type=int), 1)
    others, others_total = ticket_service.customer_tickets(item, current_user, page=page)
    events = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=item.id)
                                .order_by(TicketEvent.id)).all()
    identity = ticket_service.customer_identity(item)
    revealed = identity.pesel if session.get("pesel_shown") == item.id and session.pop("pesel_shown") else None
    canned = [(c, ticket_service.fill_canned(c.body, item, c.language))
              for c in ticket_service.canned_responses()]
    return render_template(
        "agent/ticket.html", ticket=item, forms=forms, reply_form=forms["reply"], note_form=forms["note"],
        status_form=forms["status"], fields_form=forms["fields"], merge_form=forms["merge"],
        split_form=forms["split"], others=others, others_total=others_total, others_page=page,
        others_pages=max((others_total + 9) // 10, 1), identity=identity,
        revealed_pesel=revealed, viewers=ticket_service.seen_viewing(item.id, current_user),
        events=zip(events, _event_texts(events)), canned=canned, locale=locale,
        timeline=ticket_service.timeline(item),
        mention_handle=ticket_service.mention_handle, delivery_problem=delivery_problem)


# The reasons a reply is not delivered yet, as stored (English, from the mailer), as staff read them.
DELIVERY_PROBLEMS = {
    "no SMTP server is configured (set SMTP_HOST)": _l(
        "Not sent yet: no outgoing mail server is configured. An administrator must set it up; "
        "the reply is sent as soon as it is."),
    "the customer has no e-mail address": _l("Not sent: the customer has no e-mail address. "
                                             "Contact them another way."),
}


def delivery_problem(error: str | None) -> str:
    """A reply's delivery error as a sentence in the page's language."""
    if error in DELIVERY_PROBLEMS:
        return str(DELIVERY_PROBLEMS[error])
    return _("Not delivered yet: the mail server did not accept it (%(detail)s). It is retried automatically.",
             detail=error or "—")


# Attachments shown in the browser; everything else is only offered for download.
INLINE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/gif": b"GIF8",
                "application/pdf": b"%PDF"}


def previewable(media_type: str) -> bool:
    return media_type in INLINE_TYPES


@bp.get("/agent/attachments/<int:attachment_id>/<path:filename>")
@roles_required(*STAFF)
def attachment(attachment_id: int, filename: str):
    """An attachment's bytes, to staff who may see its ticket. Images and PDFs whose bytes are
    what their type says open in the browser (unless ?download); anything else downloads."""
    found = ticket_service.attachment_for(current_user, attachment_id)
    if found is None:
        abort(404)
    item, content = found
    magic = INLINE_TYPES.get(item.media_type)
    inline = magic is not None and content.startswith(magic) and "download" not in request.args
    media_type = item.media_type if inline or "/" in item.media_type else "application/octet-stream"
    response = send_file(BytesIO(content), mimetype=media_type, as_attachment=not inline,
                         download_name=item.filename or "attachment", max_age=0, etag=item.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    if not inline:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/agent/tickets/<int:ticket_id>/pesel")
@roles_required(*STAFF)
def reveal_pesel(ticket_id: int):
    """The full PESEL, recorded in the audit trail; JSON for the page's script, else the page again."""
    item = visible_ticket_or_404(ticket_id)
    if not KontaktForm().validate_on_submit():
        abort(400)
    pesel = ticket_service.reveal_pesel(item, current_user)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"pesel": pesel})
    session["pesel_shown"] = item.id  # shown once on the page that follows (the number itself stays out of the cookie)
    return redirect(url_for("tickets.ticket", ticket_id=item.id) + "#customer")


@bp.post("/agent/tickets/<int:ticket_id>/viewers")
@roles_required(*STAFF)
@passive
def viewers(ticket_id: int):
    """The page's heartbeat: who else has the ticket open, and its version (changed: reload)."""
    item = visible_ticket_or_404(ticket_id)
    others = ticket_service.seen_viewing(item.id, current_user)
    return jsonify({"viewers": [u.name for u in others], "version": item.version})


EVENT_LABELS = {
    "created": _l("ticket opened"), "message-in": _l("message from the customer"),
    "message-out": _l("reply to the customer"), "note": _l("internal note"), "status": _l("status"),
    "priority": _l("priority"), "category": _l("category"), "team": _l("team"), "assignee": _l("agent"),
    "tags": _l("tags added"), "pinned": _l("pinned to the agent"), "unpinned": _l("unpinned"),
    "merged-into": _l("merged into"), "merged-from": _l("merged from"), "split-from": _l("split off from"),
    "split-into": _l("a message moved to a new ticket"),
}


def _event_texts(events: list[TicketEvent]) -> list[str]:
    """Each event of the ticket's history as staff read it: what changed and to what, in the
    page's language, with names for the ids and slugs the audit trail keeps."""
    locale = str(get_locale())
    agent_ids = {e.data.get("new") for e in events if e.kind == "assignee" and e.data}
    agents = dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(agent_ids - {None})))
                  .all()) if agent_ids - {None} else {}
    categories = {c.slug: c.name(locale) for c in db.session.scalars(db.select(Category))}
    teams = dict(db.session.execute(db.select(Team.slug, Team.name)).all())
    values = {"status": lambda v: label_of(STATUS_LABELS, v), "priority": lambda v: label_of(PRIORITY_LABELS, v),
              "category": lambda v: categories.get(v, v) if v else _("none"),
              "team": lambda v: teams.get(v, v) if v else _("none"),
              "assignee": lambda v: agents.get(v, str(v)) if v else _("nobody (back to the queue)")}
    texts = []
    for event in events:
        data = event.data or {}
        text = str(EVENT_LABELS.get(event.kind, event.kind))
        if event.kind in values and "new" in data:
            text += " → " + values[event.kind](data["new"])
        elif event.kind == "tags":
            text += ": " + ", ".join(data.get("added", []))
            if data.get("removed"):
                text += " · " + _("removed: %(tags)s", tags=", ".join(data["removed"]))
        elif "number" in data:
            text += " " + data["number"]
        if data.get("by") == "routing":
            text += " (" + _("routing") + ")"
        texts.append(text)
    return texts


def _fields_form(item: Ticket, formdata=None) -> TicketFieldsForm:
    form = TicketFieldsForm(prefix="fields", formdata=formdata)
    locale = str(get_locale())
    form.category.choices = [("", "—")] + [(c.slug, c.name(locale)) for c in
                                           db.session.scalars(db.select(Category).order_by(Category.id))]
    form.priority.choices = [(p, str(PRIORITY_LABELS[p])) for p in PRIORITIES]
    form.team.choices = [("", "—")] + [(t.slug, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.id))]
    form.assignee.choices = [("", "—")] + [(str(u.id), u.name) for u in db.session.scalars(
        db.select(User).filter_by(active=True).order_by(User.name))]
    return form


# --- canned responses (team leads and above) ------------------------------------------------

@bp.route("/admin/canned-responses", methods=["GET", "POST"])
@bp.route("/admin/canned-responses/<int:response_id>", methods=["GET", "POST"])
@roles_required(*LEADS)
def canned_responses(response_id: int | None = None):
    item = db.session.get(CannedResponse, response_id) if response_id else None
    if response_id and item is None:
        abort(404)
    form = CannedResponseForm(obj=item if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            saved = ticket_service.save_canned_response(
                current_user, title=form.title.data, language=form.language.data, body=form.body.data,
                active=form.active.data, response_id=response_id)
        except ticket_service.TicketError as exc:
            db.session.rollback()
            form.body.errors.append(_error_text(exc))
            status = 422
        else:
            flash(_("Canned response saved."), "ok")
            return redirect(url_for("tickets.canned_responses", response_id=saved.id))
    elif request.method == "POST":
        status = 422
    rows = ticket_service.canned_responses(active_only=False)
    return render_template("admin/canned_responses.html", form=form, item=item, responses=rows,
                           variables=ticket_service.CANNED_VARIABLES), status
