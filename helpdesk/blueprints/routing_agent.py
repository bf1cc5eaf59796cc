"""Routing in the agent workspace: the presence switch, pinning, the "why this routing" panel."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from helpdesk import routing_service
from helpdesk.auth import LEADS, STAFF, roles_required
from helpdesk.blueprints.agent import _safe_next, bp, visible_ticket_or_404
from helpdesk.extensions import db
from helpdesk.models import Ticket, User

PRESENCE_LABELS = {"available": _l("Available"), "away": _l("Away"), "offline": _l("Offline")}
REASON_LABELS = {
    "team": _l("not in the team"),
    "skill": _l("lacks the category skill"),
    "language": _l("does not speak the language"),
    "shift": _l("not on shift"),
    "shift_ending": _l("shift ends soon"),
    "presence": _l("not available"),
    "capacity": _l("at capacity"),
}
STATUS_LABELS = {
    "assigned": _l("assigned by routing"),
    "kept": _l("kept by the current agent"),
    "pinned": _l("pinned by a team lead"),
    "queued": _l("waiting in the team queue: no eligible agent"),
}
TIE_BREAK_LABELS = {
    "lowest_load": _l("lowest load"),
    "longest_since_last_assignment": _l("longest since the last assignment"),
    "agent_id": _l("agent order"),
}


class PresenceForm(FlaskForm):
    presence = SelectField(_l("Presence"), choices=[])
    next = HiddenField()


class PinForm(FlaskForm):
    agent = SelectField(_l("Pin to agent"), choices=[])


def presence_form() -> PresenceForm:
    form = PresenceForm(prefix="presence", formdata=None)
    form.presence.choices = [(k, str(v)) for k, v in PRESENCE_LABELS.items()]
    form.presence.data = current_user.presence
    form.next.data = request.full_path.rstrip("?")
    return form


def pin_form(ticket: Ticket) -> PinForm | None:
    """The pin form for leads and above; None for agents."""
    if not current_user.has_role(*LEADS):
        return None
    form = PinForm(prefix="pin", formdata=None)
    form.agent.choices = [("", _("— not pinned —"))] + [(str(u.id), u.name) for u in db.session.scalars(
        db.select(User).filter_by(active=True).order_by(User.name))]
    form.agent.data = str(ticket.assignee_id) if ticket.pinned and ticket.assignee_id else ""
    return form


def explanation(ticket: Ticket) -> dict | None:
    """The stored routing decision of ``ticket`` with agent names and labels, for the panel."""
    routing = ticket.routing
    if not routing:
        return None
    trace = routing.get("trace") or {}
    assignment = trace.get("assignment") or {}
    candidates = assignment.get("candidates") or []
    ids = {c["agent_id"] for c in candidates} | {routing.get("assignee_id")}
    names = {u.id: u.name for u in db.session.scalars(db.select(User).where(User.id.in_(ids - {None})))}
    return {
        "mode": trace.get("mode"),
        "rules": trace.get("rules") or [],
        "notes": trace.get("notes") or [],
        "status": STATUS_LABELS.get(assignment.get("status"), assignment.get("status")),
        "assignee": names.get(routing.get("assignee_id")),
        "tie_break": TIE_BREAK_LABELS.get(assignment.get("tie_break")),
        "candidates": [dict(c, name=names.get(c["agent_id"], c["agent_id"]),
                            reason_labels=[REASON_LABELS.get(r, r) for r in c["reasons"]]) for c in candidates],
        "not_in_team": len(assignment.get("not_in_team") or []),
        "requeued": routing.get("requeued"),
        "decision": routing,
    }


def template_helpers() -> dict:
    return {"routing_explanation": explanation, "routing_pin_form": pin_form,
            "routing_presence_form": presence_form}


@bp.post("/presence")
@roles_required(*STAFF)
def presence():
    form = PresenceForm(prefix="presence")
    form.presence.choices = [(k, str(v)) for k, v in PRESENCE_LABELS.items()]
    if form.validate_on_submit():
        routing_service.set_presence(current_user, form.presence.data)
        flash(_("You are now: %(presence)s.", presence=PRESENCE_LABELS[form.presence.data]), "ok")
    else:
        flash(_("The presence could not be changed."), "error")
    return redirect(_safe_next(form.next.data) or url_for("agent.queue"))


@bp.post("/tickets/<int:ticket_id>/pin")
@roles_required(*LEADS)
def pin(ticket_id: int):
    item = visible_ticket_or_404(ticket_id)
    form = PinForm(prefix="pin")
    form.agent.choices = [("", "")] + [(str(u.id), u.name) for u in db.session.scalars(
        db.select(User).filter_by(active=True))]
    if not form.validate_on_submit():
        flash(_("Choose an agent to pin the ticket to."), "error")
    else:
        agent_id = int(form.agent.data) if form.agent.data else None
        routing_service.pin(item.id, agent_id, current_user)
        flash(_("The ticket is pinned: routing will not move it.") if agent_id else _("The ticket is unpinned."),
              "ok")
    return redirect(url_for("agent.ticket", ticket_id=ticket_id))
