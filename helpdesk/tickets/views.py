"""The agent workspace: the queue and one screen per ticket."""
from __future__ import annotations

import json
import time
from io import BytesIO

from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template,
                   request, send_file, session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.web.auth import LEADS, STAFF, passive, roles_required, safe_next
from helpdesk.web.forms import KontaktForm
from helpdesk.core.extensions import db
from helpdesk.customers import services as customer_service
from helpdesk.models.customers import CustomerMergeProposal
from helpdesk.models.mail import Acknowledgement
from helpdesk.tickets.forms import (BulkForm, CannedResponseForm, MergeForm, NoteForm, ReplyForm, SavedFilterForm,
                                    SplitForm, StatusForm, TicketFieldsForm)
from helpdesk.models import Category, Team, Ticket, TicketEvent, User
from helpdesk.models.tickets import CannedResponse
from helpdesk.models.core import CHANNELS, PRIORITIES, STATUSES
from helpdesk.tickets import queue as queue_query
from helpdesk.tickets import search
from helpdesk.tickets import services as ticket_service
from helpdesk.web.helpers import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, label_of

bp = Blueprint("tickets", __name__)


@bp.before_request
def _start_timing():
    g.workspace_started = time.perf_counter()


@bp.after_request
def _server_timing(response):
    """How long the app took for a workspace page, for the browser's developer tools and bench/."""
    started = g.pop("workspace_started", None)
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response

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
BULK_LABELS = {
    "assign": _l("Assign to"), "status": _l("Change status"), "category": _l("Change category"),
    "priority": _l("Change priority"), "team": _l("Move to team"), "tags": _l("Add tags"),
    "merge": _l("Merge into the oldest"),
}
BULK_ERRORS = {
    "merge-needs-two": _l("Choose at least two tickets to merge."),
    "unknown-category": _l("Unknown category."), "unknown-team": _l("Unknown team."),
    "unknown-priority": _l("Unknown priority."), "no-such-ticket": _l("No such ticket."),
}


def _views() -> tuple[str, ...]:
    return queue_query.VIEWS + (queue_query.LEAD_VIEWS if current_user.has_role(*LEADS) else ())


def _default_view() -> str:
    return "team" if current_user.has_role("agent") else "all"


def queue_url(f: queue_query.QueueFilter, endpoint: str = "tickets.queue", **changes) -> str:
    """The queue's address for filter ``f`` with ``changes`` (e.g. sort=, after=)."""
    params = {"view": f.view, **f.params(), **changes}
    return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "", [])})


def _queue_page():
    """The filter, page and what the rows show, for the queue and for its live refresh."""
    f, errors = queue_query.parse(request.args, _views(), _default_view())
    locale = str(get_locale())
    window = request.args.get("w", "")
    since = int(window) if window.isascii() and window.isdigit() and len(window) < 10 else None
    try:
        result = queue_query.page(current_user, f, after=request.args.get("after"),
                                  before=request.args.get("before"), locale=locale, since=since)
    except ValueError:
        errors["after"] = str(queue_query.ERRORS["cursor"])
        result = queue_query.page(current_user, f, locale=locale, since=since)
    ids = [t.id for t in result.tickets]
    return {
        "filter": f, "errors": errors, "page": result, "tickets": result.tickets,
        "duplicates": queue_query.possible_duplicates(result.tickets),
        "snippets": search.snippets(ids, result.terms) if result.terms else {},
        "highlight": search.highlight, "queue_url": queue_url, "with_sort": queue_query.with_sort,
        "view": f.view, "views": _views(), "view_labels": queue_query.VIEW_LABELS,
        "current_params": {"view": f.view, **f.params()}, "ticket_number": Ticket.number_of,
        "names": {"status": {k: str(v) for k, v in STATUS_LABELS.items()},
                  "priority": {k: str(v) for k, v in PRIORITY_LABELS.items()},
                  "channel": {k: str(v) for k, v in CHANNEL_LABELS.items()}},
    }


@bp.get("/agent/")
@roles_required(*STAFF)
def queue():
    context = _queue_page()
    locale = str(get_locale())
    saved = ticket_service.saved_filters(current_user)
    categories = [(c.slug, c.name(locale)) for c in db.session.scalars(db.select(Category).order_by(Category.id))]
    teams = [(t.slug, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.name))]
    agents = [(str(i), n) for i, n in db.session.execute(
        db.select(User.id, User.name).filter_by(active=True).order_by(User.name))]
    bulk = _bulk_form(categories, teams, agents)
    save_form = SavedFilterForm(prefix="saved")
    save_form.params.data = json.dumps({"view": context["filter"].view, **context["filter"].params()})
    return render_template("agent/queue.html", saved=saved, categories=categories, teams=teams, agents=agents,
                           bulk=bulk, save_form=save_form, statuses=STATUSES, priorities=PRIORITIES,
                           channels=CHANNELS, refresh_seconds=current_app.config["QUEUE_REFRESH_SECONDS"],
                           **context)


@bp.get("/agent/queue/rows")
@roles_required(*STAFF)
def queue_rows():
    """The rows and pager of a queue page alone: what the page fetches to refresh itself."""
    response = make_response(render_template("agent/_queue_rows.html", **_queue_page()))
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _bulk_form(categories, teams, agents) -> BulkForm:
    form = BulkForm(prefix="bulk")
    form.action.choices = [(k, str(v)) for k, v in BULK_LABELS.items()]
    form.agent.choices = [("me", _("Me")), ("", _("Nobody (back to the queue)"))] + agents
    form.status.choices = [(s, str(STATUS_LABELS[s])) for s in STATUSES]
    form.category.choices = categories
    form.priority.choices = [(p, str(PRIORITY_LABELS[p])) for p in PRIORITIES]
    form.team.choices = teams
    return form


@bp.post("/agent/queue/bulk")
@roles_required(*STAFF)
def queue_bulk():
    """An action on the ticked tickets. A page script asks for JSON (Accept), a plain form for a redirect."""
    form = BulkForm(prefix="bulk")
    form.action.choices = [(k, str(v)) for k, v in BULK_LABELS.items()]
    wants_json = request.accept_mimetypes.best == "application/json"
    back = safe_next(request.form.get("next")) or url_for("tickets.queue")
    raw_ids = request.form.getlist("ticket")
    ids = [int(v) for v in raw_ids if v.isascii() and v.isdigit() and len(v) < 10]
    if not form.validate_on_submit() or not ids or len(ids) != len(raw_ids):
        message = _("Choose tickets and an action.") if form.validate_on_submit() or not form.errors.get(
            "csrf_token") else _("The form has expired; try again.")
        if wants_json:
            return jsonify({"error": "invalid", "message": message}), 400
        flash(message, "error")
        return redirect(back)
    action = form.action.data
    value = {"assign": form.agent.data, "status": form.status.data, "category": form.category.data,
             "priority": form.priority.data, "team": form.team.data, "tags": form.tags.data or "",
             "merge": ""}[action]
    if action == "assign" and value == "me":
        value = str(current_user.id)
    if action == "assign" and value and not (value.isascii() and value.isdigit() and len(value) < 10):
        value = "0"
    hidden = [i for i in ids if (t := db.session.get(Ticket, i)) is None or not ticket_service.can_see(current_user, t)]
    try:
        outcome = ticket_service.bulk_update([i for i in ids if i not in hidden], current_user, action, value)
    except ticket_service.TicketError as exc:
        message = str(BULK_ERRORS.get(str(exc), _l("The change could not be made.")))
        if wants_json:
            return jsonify({"error": str(exc), "message": message}), 422
        flash(message, "error")
        return redirect(back)
    refused = {**outcome.refused, **{i: "no-such-ticket" for i in hidden}}
    message = ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", len(outcome.changed))
    if refused:
        message += " " + _("Not changed: %(list)s.", list="; ".join(
            f"{Ticket.number_of(i)} ({ERRORS.get(code) or BULK_ERRORS.get(code) or code})"
            for i, code in refused.items()))
    if wants_json:
        return jsonify({"changed": outcome.changed, "refused": {str(k): v for k, v in refused.items()},
                        "message": message}), 200 if outcome.changed else 422
    flash(message, "ok" if outcome.changed else "error")
    return redirect(back)


@bp.post("/agent/queue/filters")
@roles_required(*STAFF)
def save_filter():
    form = SavedFilterForm(prefix="saved")
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("tickets.queue"))
    try:
        params = json.loads(form.params.data or "{}")
    except ValueError:
        params = None
    if not isinstance(params, dict):
        flash(_("The filter could not be saved."), "error")
        return redirect(url_for("tickets.queue"))
    view = params.get("view") if params.get("view") in _views() else _default_view()
    f = queue_query.from_params({k: v for k, v in params.items() if k in queue_query.FILTER_FIELDS}, view)
    ticket_service.save_filter(current_user, form.name.data, {"view": f.view, **f.params()})
    flash(_("Filter saved."), "ok")
    return redirect(queue_url(f))


@bp.post("/agent/queue/filters/<int:filter_id>/delete")
@roles_required(*STAFF)
def delete_filter(filter_id: int):
    form = KontaktForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ticket_service.delete_filter(current_user, filter_id)
    except ticket_service.TicketError:
        abort(404)
    flash(_("Filter deleted."), "ok")
    return redirect(url_for("tickets.queue"))


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
        if canned and 0 < canned < 2**31:  # "Insert" without JavaScript: the reply box starts with the filled-in text
            response = db.session.get(CannedResponse, canned)
            if response is not None and response.active:
                forms["reply"].text.data = ticket_service.fill_canned(response.body, item, response.language)
        for name in ("status", "fields", "merge"):  # the version the page shows
            forms[name].version.data = item.version
    return forms


def _render_ticket(item: Ticket, forms: dict):
    locale = str(get_locale())
    page = min(max(request.args.get("others", 1, type=int), 1), 100_000)  # an OFFSET the database can take
    others, others_total = ticket_service.customer_tickets(item, current_user, page=page)
    events = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=item.id)
                                .order_by(TicketEvent.id)).all()
    identity = ticket_service.customer_identity(item)
    revealed = identity.pesel if session.get("pesel_shown") == item.id and session.pop("pesel_shown") else None
    canned = [(c, ticket_service.fill_canned(c.body, item, c.language))
              for c in ticket_service.canned_responses()]
    html = render_template(
        "agent/ticket.html", ticket=item, forms=forms, reply_form=forms["reply"], note_form=forms["note"],
        status_form=forms["status"], fields_form=forms["fields"], merge_form=forms["merge"],
        split_form=forms["split"], others=others, others_total=others_total, others_page=page,
        others_pages=max((others_total + 9) // 10, 1), identity=identity,
        revealed_pesel=revealed, viewers=ticket_service.others_viewing(item.id, current_user),
        events=zip(events, _event_texts(events)), canned=canned, locale=locale,
        timeline=ticket_service.timeline(item),
        mention_handle=ticket_service.mention_handle,
        acknowledgement=db.session.scalar(db.select(Acknowledgement).filter_by(ticket_id=item.id)))
    ticket_service.note_viewing(item.id, current_user)
    return html


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
    version = item.version
    ticket_service.note_viewing(item.id, current_user)
    return jsonify({"viewers": [u.name for u in ticket_service.others_viewing(item.id, current_user)],
                    "version": version})



@bp.post("/agent/tickets/<int:ticket_id>/customer-merge/<int:proposal_id>")
@roles_required(*STAFF)
def customer_merge(ticket_id: int, proposal_id: int):
    """An agent answers "this may be the same person as …": merge the two customers, or not."""
    item = visible_ticket_or_404(ticket_id)
    proposal = db.session.get(CustomerMergeProposal, proposal_id)
    if proposal is None or item.customer_id is None or item.customer_id not in (proposal.customer_id,
                                                                                proposal.other_customer_id):
        abort(404)
    try:
        if request.form.get("action") == "merge":
            customer_service.merge(proposal.id, current_user)
            flash(_("The customers were merged."), "ok")
        else:
            customer_service.dismiss(proposal.id, current_user)
            flash(_("Noted: not the same person."), "ok")
    except customer_service.MergeError:
        flash(_("This proposal was already decided."), "error")
    return redirect(url_for("tickets.ticket", ticket_id=item.id))

EVENT_LABELS = {
    "created": _l("ticket opened"), "message-in": _l("message from the customer"),
    "message-out": _l("reply to the customer"), "note": _l("internal note"), "status": _l("status"),
    "priority": _l("priority"), "category": _l("category"), "team": _l("team"), "assignee": _l("agent"),
    "tags": _l("tags added"), "pinned": _l("pinned to the agent"), "unpinned": _l("unpinned"),
    "customer-merged": _l("customers merged (the same person)"),
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
