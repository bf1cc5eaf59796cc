"""The agent workspace: the queue and one screen per ticket."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case

from helpdesk.web.auth import LEADS, STAFF, roles_required
from helpdesk.core.extensions import db
from helpdesk.customers import services as customer_service
from helpdesk.models.customers import CustomerMergeProposal
from helpdesk.tickets.forms import ReplyForm, StatusForm, TicketFieldsForm
from helpdesk.models import Category, Team, Ticket, TicketEvent, User
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


@bp.route("/agent/tickets/<int:ticket_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def ticket(ticket_id: int):
    item = visible_ticket_or_404(ticket_id)
    reply_form = ReplyForm(prefix="reply")
    status_form = StatusForm(prefix="status")
    status_form.status.choices = [(s, str(STATUS_LABELS[s])) for s in STATUSES]
    fields_form = _fields_form(item)
    if request.method == "POST":
        try:
            if "reply-text" in request.form and reply_form.validate_on_submit():
                ticket_service.reply(item.id, current_user, reply_form.text.data,
                                     internal=reply_form.kind.data == "note")
                flash(_("Note saved.") if reply_form.kind.data == "note" else _("Reply sent."), "ok")
                return redirect(url_for("tickets.ticket", ticket_id=item.id))
            if "status-status" in request.form and status_form.validate_on_submit():
                ticket_service.change_status(item.id, current_user, status_form.status.data)
                flash(_("Status changed."), "ok")
                return redirect(url_for("tickets.ticket", ticket_id=item.id))
            if "fields-category" in request.form and fields_form.validate_on_submit():
                ticket_service.update_fields(
                    item.id, current_user, category=fields_form.category.data or None,
                    priority=fields_form.priority.data, team=fields_form.team.data or None,
                    assignee_id=int(fields_form.assignee.data) if fields_form.assignee.data else None)
                flash(_("Ticket updated."), "ok")
                return redirect(url_for("tickets.ticket", ticket_id=item.id))
        except ticket_service.TicketError as exc:
            flash(str(ERRORS.get(str(exc), _l("The change could not be made."))), "error")
    status_form.status.data = item.status
    if request.method == "GET":
        fields_form.category.data = item.category.slug if item.category else ""
        fields_form.priority.data = item.priority
        fields_form.team.data = item.team.slug if item.team else ""
        fields_form.assignee.data = str(item.assignee_id or "")
    history = db.session.scalars(db.select(Ticket).where(Ticket.customer_id == item.customer_id,
                                                         Ticket.id != item.id)
                                 .order_by(Ticket.created_at.desc()).limit(20)).all() if item.customer_id else []
    events = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=item.id)
                                .order_by(TicketEvent.id)).all()
    return render_template("agent/ticket.html", ticket=item, reply_form=reply_form, status_form=status_form,
                           fields_form=fields_form, history=history, events=zip(events, _event_texts(events)))



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
        if data.get("by") == "routing":
            text += " (" + _("routing") + ")"
        texts.append(text)
    return texts


def _fields_form(item: Ticket) -> TicketFieldsForm:
    form = TicketFieldsForm(prefix="fields")
    locale = str(get_locale())
    form.category.choices = [("", "—")] + [(c.slug, c.name(locale)) for c in
                                           db.session.scalars(db.select(Category).order_by(Category.id))]
    form.priority.choices = [(p, str(PRIORITY_LABELS[p])) for p in PRIORITIES]
    form.team.choices = [("", "—")] + [(t.slug, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.id))]
    form.assignee.choices = [("", "—")] + [(str(u.id), u.name) for u in db.session.scalars(
        db.select(User).filter_by(active=True).order_by(User.name))]
    return form

