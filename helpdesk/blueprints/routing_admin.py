"""Administration of routing: the rule set (draft, preview, publish), teams, agents' routing data.

Administrators change; team leads and managers may look.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from routing import RuleSetError
from helpdesk import routing_service
from helpdesk.auth import LEADS, roles_required
from helpdesk.blueprints.admin import bp
from helpdesk.extensions import db
from helpdesk.models import Category, Team, User
from helpdesk.models.core import CHANNELS
from helpdesk.models.routing import RuleSetVersion
from helpdesk.models.types import utcnow
from helpdesk.services.audit import record

MODES = [("first", _l("First matching rule decides")), ("all", _l("All matching rules apply, in order"))]
PREVIEW_DAYS = 30


class RulesForm(FlaskForm):
    mode = SelectField(_l("Evaluation mode"), choices=MODES)
    rules_json = TextAreaField(_l("Rule set (JSON)"), validators=[DataRequired(_l("The rule set is empty."))])


class ButtonForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class TeamForm(FlaskForm):
    slug = StringField(_l("Short name (letters, digits, hyphens)"), validators=[
        DataRequired(_l("Please give a short name.")), Length(max=64),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and hyphens."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)])


class RenameTeamForm(FlaskForm):
    team_id = HiddenField()
    name = StringField(_l("New name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)])


def _calendar_exists(form, field):
    if field.data:
        try:
            routing_service.agent_calendar(field.data.strip())
        except (LookupError, ValueError):
            raise ValidationError(_l("There is no calendar named %(name)s.", name=field.data))


def _languages(form, field):
    codes = [c.strip() for c in (field.data or "").split(",") if c.strip()]
    if not codes or not all(c.isalpha() and len(c) == 2 for c in codes):
        raise ValidationError(_l("List two-letter language codes separated by commas, e.g. pl, en."))


class AgentRoutingForm(FlaskForm):
    teams = SelectMultipleField(_l("Teams"), choices=[])
    skills = SelectMultipleField(_l("Skills (categories)"), choices=[])
    languages = StringField(_l("Languages"), validators=[_languages])
    capacity_email = IntegerField(_l("Open e-mail tickets at most"), validators=[InputRequired(), NumberRange(0, 200)])
    capacity_webform = IntegerField(_l("Open web-form tickets at most"),
                                    validators=[InputRequired(), NumberRange(0, 200)])
    capacity_phone = IntegerField(_l("Open phone tickets at most"), validators=[InputRequired(), NumberRange(0, 200)])
    shift_calendar = StringField(_l("Shift calendar (empty: always on shift)"),
                                 validators=[Optional(), Length(max=64), _calendar_exists])


# --- the rule set ----------------------------------------------------------------------

def _working_version() -> RuleSetVersion:
    return routing_service.draft_version() or routing_service.ensure_default_rules()


@bp.route("/routing", methods=["GET", "POST"])
@roles_required(*LEADS)
def routing_rules():
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
                    return redirect(url_for("admin.routing_rules"))
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


@bp.post("/routing/rules/<rule_id>/<action>")
@roles_required("admin")
def routing_rule_action(rule_id: str, action: str):
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
    return redirect(url_for("admin.routing_rules"))


@bp.get("/routing/preview")
@roles_required(*LEADS)
def routing_preview():
    draft = routing_service.draft_version()
    end = utcnow()
    start = end - timedelta(days=PREVIEW_DAYS)
    try:
        live_report = routing_service.simulate_range(start, end)
        draft_report = routing_service.simulate_range(start, end, draft.rules) if draft else None
    except ValueError as exc:  # e.g. an SLA policy on a calendar that does not exist
        flash(_("The preview could not be made: %(error)s", error=str(exc)), "error")
        return redirect(url_for("admin.routing_rules"))
    names = {u.id: u.name for u in db.session.scalars(select(User))}
    return render_template("admin/routing_preview.html", draft=draft, live=live_report, preview=draft_report,
                           names=names, days=PREVIEW_DAYS, button=ButtonForm())


@bp.post("/routing/publish")
@roles_required("admin")
def routing_publish():
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        version = routing_service.publish(current_user)
    except RuleSetError as exc:
        for error in exc.errors:
            flash(error, "error")
    else:
        flash(_("Version %(version)d is live.", version=version.version), "ok")
    return redirect(url_for("admin.routing_rules"))


# --- teams -------------------------------------------------------------------------------

@bp.route("/teams", methods=["GET", "POST"])
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
            return redirect(url_for("admin.teams"))
    if "rename-name" in request.form and rename.validate_on_submit():
        team = db.session.get(Team, int(rename.team_id.data)) if (rename.team_id.data or "").isdigit() else None
        if team is None:
            abort(404)
        old = team.name
        team.name = rename.name.data.strip()
        record(current_user, "team", team.id, "rename", old=old, new=team.name)
        db.session.commit()
        flash(_("Team renamed."), "ok")
        return redirect(url_for("admin.teams"))
    rows = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template("admin/teams.html", teams=rows, create=create, rename=rename,
                           can_edit=current_user.has_role("admin"))


# --- agents ------------------------------------------------------------------------------

@bp.get("/agents")
@roles_required(*LEADS)
def agents():
    rows = db.session.scalars(select(User).filter_by(active=True).order_by(User.name)).all()
    return render_template("admin/agents.html", agents=rows)


@bp.route("/agents/<int:user_id>", methods=["GET", "POST"])
@roles_required(*LEADS)
def agent(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = AgentRoutingForm()
    form.teams.choices = [(t.slug, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    form.skills.choices = [(c.slug, c.name_pl) for c in db.session.scalars(select(Category).order_by(Category.id))]
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
        return redirect(url_for("admin.agent", user_id=user.id))
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
