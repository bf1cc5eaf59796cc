"""Routing screens: the rule set (draft, preview, publish), teams, agents' routing data for
administrators (leads and managers may look); presence, pinning and the "why this routing"
panel in the agent workspace.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from routing import RuleSetError
from helpdesk.routing import services as routing_service
from helpdesk.web.auth import LEADS, STAFF, is_passive_request, roles_required, safe_next
from helpdesk.tickets.views import visible_ticket_or_404
from helpdesk.routing.forms import (AgentRoutingForm, ButtonForm, PinForm, PresenceForm, RenameTeamForm,
                                    RulesForm, TeamForm)
from helpdesk.core.extensions import db
from helpdesk.models import Category, Team, Ticket, User
from helpdesk.models.core import CHANNELS
from helpdesk.models.routing import RuleSetVersion
from helpdesk.models.sla import SlaPolicy
from helpdesk.web.helpers import PRIORITY_LABELS, label_of
from helpdesk.models.types import utcnow
from helpdesk.audit.services import record

PREVIEW_DAYS = 30

bp = Blueprint("routing", __name__)


# --- the rule set ----------------------------------------------------------------------

def _working_version() -> RuleSetVersion:
    return routing_service.draft_version() or routing_service.ensure_default_rules()


@bp.route("/admin/routing", methods=["GET", "POST"])
@roles_required(*LEADS)
def rules():
    working = _working_version()
    form = RulesForm()
    errors: list[str] = []
    if request.method == "POST":
        if not current_user.has_role("admin"):
            abort(403)
        if form.validate():
            try:
                data = json.loads(form.rules_json.data)
            except json.JSONDecodeError as exc:
                errors = [_("The rule set is not valid JSON: %(error)s (line %(line)d, column %(column)d).",
                            error=exc.msg, line=exc.lineno, column=exc.colno)]
            else:
                if isinstance(data, dict):
                    data["mode"] = form.mode.data
                errors = _save(data)
                if not errors:
                    flash(_("Draft saved. Preview it, then publish."), "ok")
                    return redirect(url_for("routing.rules"))
    else:
        form.mode.data = working.rules.get("mode")
        form.rules_json.data = json.dumps(working.rules, ensure_ascii=False, indent=2)
    versions = db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(20)).all()
    live = db.session.scalar(select(RuleSetVersion).filter_by(state="live"))
    return render_template("admin/routing.html", form=form, errors=errors, working=working, live=live,
                           versions=versions, button=ButtonForm(), can_edit=current_user.has_role("admin")), \
        (422 if errors or form.errors else 200)


def _save(data) -> list[str]:
    try:
        routing_service.save_draft(data, current_user)
    except RuleSetError as exc:
        return exc.errors
    return []


@bp.post("/admin/routing/rules/<rule_id>/<action>")
@roles_required("admin")
def rule_action(rule_id: str, action: str):
    if action not in ("toggle", "up", "down") or not ButtonForm().validate_on_submit():
        abort(400)
    data = json.loads(json.dumps(_working_version().rules))
    rules = data.get("rules", [])
    index = next((i for i, r in enumerate(rules) if r.get("id") == rule_id), None)
    if index is None:
        abort(404)
    if action == "toggle":
        rules[index]["enabled"] = not rules[index].get("enabled", True)
    else:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
    for error in _save(data):
        flash(error, "error")
    return redirect(url_for("routing.rules"))


@bp.get("/admin/routing/preview")
@roles_required(*LEADS)
def preview():
    draft = routing_service.draft_version()
    end = utcnow()
    start = end - timedelta(days=PREVIEW_DAYS)
    try:
        live_report = routing_service.simulate_range(start, end)
        draft_report = routing_service.simulate_range(start, end, draft.rules) if draft else None
    except ValueError as exc:  # e.g. an SLA policy on a calendar that does not exist
        flash(_("The preview could not be made: %(error)s", error=str(exc)), "error")
        return redirect(url_for("routing.rules"))
    names = {u.id: u.name for u in db.session.scalars(select(User))}
    return render_template("admin/routing_preview.html", draft=draft, live=live_report, preview=draft_report,
                           names=names, days=PREVIEW_DAYS, button=ButtonForm())


@bp.post("/admin/routing/publish")
@roles_required("admin")
def publish():
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        version = routing_service.publish(current_user)
    except RuleSetError as exc:
        for error in exc.errors:
            flash(error, "error")
    else:
        flash(_("Version %(version)d is live.", version=version.version), "ok")
    return redirect(url_for("routing.rules"))


# --- teams -------------------------------------------------------------------------------

@bp.route("/admin/teams", methods=["GET", "POST"])
@roles_required(*LEADS)
def teams():
    create = TeamForm(prefix="new")
    rename = RenameTeamForm(prefix="rename")
    if request.method == "POST" and not current_user.has_role("admin"):
        abort(403)
    if "new-slug" in request.form and create.validate_on_submit():
        if db.session.scalar(select(Team).filter_by(slug=create.slug.data)):
            create.slug.errors.append(_("A team with this short name exists."))
        else:
            team = Team(slug=create.slug.data, name=create.name.data.strip())
            db.session.add(team)
            db.session.flush()
            record(current_user, "team", team.id, "create", slug=team.slug, name=team.name)
            db.session.commit()
            flash(_("Team created."), "ok")
            return redirect(url_for("routing.teams"))
    if "rename-name" in request.form and rename.validate_on_submit():
        team = db.session.get(Team, int(rename.team_id.data)) if (rename.team_id.data or "").isascii() and (rename.team_id.data or "").isdigit() else None
        if team is None:
            abort(404)
        old = team.name
        team.name = rename.name.data.strip()
        record(current_user, "team", team.id, "rename", old=old, new=team.name)
        db.session.commit()
        flash(_("Team renamed."), "ok")
        return redirect(url_for("routing.teams"))
    rows = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template("admin/teams.html", teams=rows, create=create, rename=rename,
                           can_edit=current_user.has_role("admin"))


# --- agents ------------------------------------------------------------------------------

@bp.get("/admin/agents")
@roles_required(*LEADS)
def agents():
    rows = db.session.scalars(select(User).filter_by(active=True).order_by(User.name)).all()
    return render_template("admin/agents.html", agents=rows)


@bp.route("/admin/agents/<int:user_id>", methods=["GET", "POST"])
@roles_required(*LEADS)
def agent(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = AgentRoutingForm()
    form.teams.choices = [(t.slug, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    locale = str(get_locale())
    form.skills.choices = [(c.slug, c.name(locale)) for c in db.session.scalars(select(Category).order_by(Category.id))]
    if request.method == "POST" and not current_user.has_role("admin"):
        abort(403)
    if form.validate_on_submit():
        before = _routing_data(user)
        user.teams = list(db.session.scalars(select(Team).where(Team.slug.in_(form.teams.data))))
        user.skills = list(db.session.scalars(select(Category).where(Category.slug.in_(form.skills.data))))
        user.languages = [c.strip().lower() for c in form.languages.data.split(",") if c.strip()]
        user.capacity = {channel: getattr(form, f"capacity_{channel}").data for channel in CHANNELS}
        user.shift_calendar = (form.shift_calendar.data or "").strip() or None
        after = _routing_data(user)
        changed = {k: {"old": before[k], "new": after[k]} for k in after if after[k] != before[k]}
        if changed:
            record(current_user, "agent", user.id, "routing", **changed)
        db.session.commit()
        if changed:
            routing_service.jobs.enqueue(routing_service.redistribute_for_agent, user.id)
        flash(_("Agent saved."), "ok")
        return redirect(url_for("routing.agent", user_id=user.id))
    if request.method == "GET":
        form.teams.data = [t.slug for t in user.teams]
        form.skills.data = [c.slug for c in user.skills]
        form.languages.data = ", ".join(user.languages or [])
        for channel in CHANNELS:
            getattr(form, f"capacity_{channel}").data = (user.capacity or {}).get(channel, 0)
        form.shift_calendar.data = user.shift_calendar or ""
    return render_template("admin/agent.html", agent=user, form=form, can_edit=current_user.has_role("admin"))


def _routing_data(user: User) -> dict:
    return {"teams": sorted(t.slug for t in user.teams), "skills": sorted(c.slug for c in user.skills),
            "languages": list(user.languages or []), "capacity": dict(user.capacity or {}),
            "shift_calendar": user.shift_calendar}


# --- in the agent workspace -------------------------------------------------------------

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


ACTION_LABELS = {"category": _l("category"), "priority": _l("priority"), "team": _l("team"), "tags": _l("tags"),
                 "sla_policy": _l("SLA policy")}


class _Names:
    """Names for the slugs a routing trace keeps (categories, teams, SLA policies), in the page's language."""

    def __init__(self):
        locale = str(get_locale())
        self.category = {c.slug: c.name(locale) for c in db.session.scalars(select(Category))}
        self.team = dict(db.session.execute(select(Team.slug, Team.name)).all())
        self.sla_policy = {p.name: p.title or p.name for p in db.session.scalars(select(SlaPolicy))}

    def value(self, key: str, value) -> str:
        if key == "priority":
            return label_of(PRIORITY_LABELS, value)
        if key == "tags":
            return ", ".join(value) if not isinstance(value, str) else value
        table = getattr(self, key, None) or {}
        return table.get(value, value) if value else "—"

    def note(self, note: str) -> str:
        """A note of the trace (English, as the routing package words it) in the page's language."""
        if note == "no rule matched":
            return _("No rule matched.")
        for prefix, label in (("no rule set a team; kept team ", _l("No rule set a team; the ticket kept %(team)s.")),
                              ("no rule set a team; default team ", _l("No rule set a team; the default team is %(team)s."))):
            if note.startswith(prefix):
                return str(label) % {"team": self.value("team", note[len(prefix):])}
        return note

    def actions(self, actions: dict) -> list[str]:
        """A rule's actions as "team: Obsługa klienta", one per action."""
        return [f"{label_of(ACTION_LABELS, key)}: {self.value(key, value)}" for key, value in actions.items()]


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
    slugs = _Names()
    return {
        "mode": trace.get("mode"),
        "rules": [dict(r, action_texts=slugs.actions(r.get("actions") or {})) for r in trace.get("rules") or []],
        "notes": [slugs.note(n) for n in trace.get("notes") or []],
        "status": STATUS_LABELS.get(assignment.get("status"), assignment.get("status")),
        "assignee": names.get(routing.get("assignee_id")),
        "tie_break": TIE_BREAK_LABELS.get(assignment.get("tie_break")),
        "candidates": [dict(c, name=names.get(c["agent_id"], c["agent_id"]),
                            reason_labels=[REASON_LABELS.get(r, r) for r in c["reasons"]]) for c in candidates],
        "not_in_team": len(assignment.get("not_in_team") or []),
        "requeued": routing.get("requeued"),
        "decision": routing,
        "result": [slugs.value("category", routing.get("category")), label_of(PRIORITY_LABELS, routing.get("priority")),
                   slugs.value("team", routing.get("team"))]
        + ([_("SLA policy: %(name)s", name=slugs.value("sla_policy", routing["sla_policy"]))]
           if routing.get("sla_policy") else []),
    }


def template_helpers() -> dict:
    return {"routing_explanation": explanation, "routing_pin_form": pin_form,
            "routing_presence_form": presence_form, "PRESENCE_LABELS": PRESENCE_LABELS}


def note_activity() -> None:
    """Before each request of logged-in staff, but not the page's own polls: they are active."""
    if request.endpoint not in (None, "static") and not is_passive_request() and current_user.is_authenticated:
        routing_service.seen(current_user)


@bp.post("/agent/presence")
@roles_required(*STAFF)
def presence():
    form = PresenceForm(prefix="presence")
    form.presence.choices = [(k, str(v)) for k, v in PRESENCE_LABELS.items()]
    if form.validate_on_submit():
        routing_service.set_presence(current_user, form.presence.data)
        flash(_("You are now: %(presence)s.", presence=PRESENCE_LABELS[form.presence.data]), "ok")
    else:
        flash(_("The presence could not be changed."), "error")
    return redirect(safe_next(form.next.data) or url_for("tickets.queue"))


@bp.post("/agent/tickets/<int:ticket_id>/pin")
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
    return redirect(url_for("tickets.ticket", ticket_id=ticket_id))
