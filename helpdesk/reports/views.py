"""Report screens under /reports/, each table as CSV, and the same reports in the JSON API.

Managers and administrators see every team; a team lead sees the teams they belong to.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from babel.numbers import format_decimal
from flask import Blueprint, Response, abort, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.web.auth import roles_required
from helpdesk.api import views as staff_api
from helpdesk.core.extensions import csrf, db
from helpdesk.models import Category, Team, Ticket, User
from helpdesk.models.core import CHANNELS
from helpdesk.models.types import utcnow
from helpdesk.reports import services
from helpdesk.reports.filters import REPORT_ROLES, WARSAW, Filters, default_period
from helpdesk.reports.forms import ReportFilterForm
from helpdesk.web.helpers import CHANNEL_LABELS, label_of

bp = Blueprint("reports", __name__)
api_bp = Blueprint("reports_api", __name__)
csrf.exempt(api_bp)
api_bp.before_request(staff_api.authenticate)  # an API token or the staff session, as the ticket API

TITLES = {"sla": _l("SLA attainment"), "times": _l("Response times"), "backlog": _l("Backlog"),
          "volume": _l("Volume"), "phone": _l("Phone"), "fcr": _l("First-contact resolution"),
          "staffing": _l("Staffing")}


class FilterError(ValueError):
    def __init__(self, errors: dict):
        super().__init__("invalid filters")
        self.errors = errors


# --- filters -------------------------------------------------------------------------

def _lead_teams(user: User) -> tuple[int, ...] | None:
    """The teams a user's reports are limited to (None: all)."""
    return tuple(t.id for t in user.teams) if user.role == "lead" else None


def _form(user: User) -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    allowed = _lead_teams(user)
    teams = db.session.execute(db.select(Team.id, Team.name).order_by(Team.name)).all()
    if allowed is not None:
        teams = [t for t in teams if t.id in allowed]
    everything = str(_l("all"))
    form.team.choices = [("", everything)] + [(t.id, t.name) for t in teams]
    form.channel.choices = [("", everything)] + [(c, label_of(CHANNEL_LABELS, c)) for c in CHANNELS]
    name = Category.name_en if str(get_locale()) == "en" else Category.name_pl
    form.category.choices = [("", everything)] + [
        (c.id, c.name) for c in db.session.execute(db.select(Category.id, name.label("name")).order_by(name))]
    agents = db.select(User.id, User.name).where(User.role.in_(("agent", "lead"))).order_by(User.name)
    if allowed is not None:
        from helpdesk.models.core import agent_teams
        agents = agents.where(User.id.in_(db.select(agent_teams.c.user_id).where(agent_teams.c.team_id.in_(allowed))))
    form.agent.choices = [("", everything)] + [(a.id, a.name) for a in db.session.execute(agents)]
    return form


def _filters(form: ReportFilterForm, user: User) -> Filters:
    if not form.validate():
        raise FilterError(form.errors)
    start, end = default_period(utcnow().astimezone(WARSAW).date())
    start = form.start.data or (form.end.data - timedelta(days=27) if form.end.data else start)
    end = form.end.data or max(end, start)
    if end < start:
        raise FilterError({"end": [_("The end of the period is before its start.")]})
    return Filters(start=start, end=end, team=form.team.data, channel=form.channel.data,
                   category=form.category.data, agent=form.agent.data, teams=_lead_teams(user))


def stated_filters(f: Filters) -> list[tuple[str, str]]:
    """What a report says about its selection, in the page's language."""
    everything = _("all")

    def named(kind, value):
        return services.names(kind, [value]).get(value, str(value)) if value is not None else everything

    rows = [(_("Period"), f"{f.start.isoformat()} – {f.end.isoformat()}"),
            (_("Team"), named("team", f.team) if f.team is not None else
             (", ".join(sorted(services.names("team", f.teams).values())) or _("none")) if f.teams is not None
             else everything),
            (_("Channel"), label_of(CHANNEL_LABELS, f.channel) if f.channel else everything),
            (_("Category"), named("category", f.category)), (_("Agent"), named("agent", f.agent))]
    return rows


def _report(name: str, form: ReportFilterForm, user: User) -> services.Report:
    f = _filters(form, user)
    if name == "sla":
        return services.sla_attainment(f, by=form.by.data)
    if name == "times":
        return services.response_times(f, trend=form.trend.data or "week")
    if name == "backlog":
        return services.backlog(f)
    if name == "volume":
        return services.volume(f)
    if name == "phone":
        return services.phone(f)
    if name == "fcr":
        return services.first_contact_resolution(f)
    if name == "staffing":
        return services.staffing_plan(f, form.week.data or (f.end + timedelta(days=1)))
    abort(404)


# --- formatting: the same text on screen and in the CSV --------------------------

def cell(value, kind: str) -> str:
    """A table value as the screen and the CSV both show it."""
    if value is None:
        return ""
    locale = get_locale()
    if kind == "int":
        return str(int(value))
    if kind == "percent":
        return format_decimal(round(value * 100, 1), format="0.0", locale=locale)
    if kind == "seconds":
        return format_decimal(round(value / 3600, 2), format="0.00", locale=locale)
    if kind == "number":
        return format_decimal(round(value, 2), format="0.00", locale=locale)
    if kind == "date":
        return value.isoformat()
    if kind == "instant":
        return value.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
    if kind == "ticket":
        return Ticket.number_of(value)
    return str(value)


def header(column: services.Column) -> str:
    suffix = {"percent": " (%)", "seconds": " (h)"}.get(column.kind, "")
    return f"{column.label}{suffix}"


def _csv(report: services.Report, table: services.Table) -> Response:
    delimiter = ";" if str(get_locale()) == "pl" else ","
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so spreadsheets read Polish letters as UTF-8
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([f"{report.title}: {table.title}"])
    writer.writerow(["; ".join(f"{label}: {value}" for label, value in stated_filters(report.filters))])
    writer.writerow([])
    writer.writerow([header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([cell(v, c.kind) for v, c in zip(row, table.columns)])
    filename = f"kontakt-{report.key}-{table.key}-{report.filters.start.isoformat()}-{report.filters.end.isoformat()}.csv"
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- screens ---------------------------------------------------------------------

@bp.route("/reports/")
@roles_required(*REPORT_ROLES)
def index():
    form = _form(current_user)
    try:
        f = _filters(form, current_user)
    except FilterError:
        f = None
    return render_template("reports/index.html", form=form, titles=TITLES, filters=f,
                           stated=stated_filters(f) if f else [], query=_query())


def _query() -> dict:
    return {k: v for k, v in request.args.items() if k not in ("csv", "lang") and v}


@bp.route("/reports/<name>")
@roles_required(*REPORT_ROLES)
def report(name: str):
    if name not in services.REPORTS:
        abort(404)
    form = _form(current_user)
    try:
        result = _report(name, form, current_user)
    except FilterError:
        if request.args.get("csv"):
            abort(400, _("The filters are not valid: %(errors)s", errors=_errors_text(form.errors)))
        return render_template("reports/report.html", form=form, name=name, titles=TITLES, report=None,
                               stated=[], query=_query(), cell=cell, header=header), 400
    except services.ReportsUnavailable:
        return render_template("reports/report.html", form=form, name=name, titles=TITLES, report=None,
                               stated=[], query=_query(), cell=cell, header=header,
                               unavailable=True), 503
    wanted = request.args.get("csv")
    if wanted:
        table = result.table(wanted)
        if table is None:
            abort(404)
        return _csv(result, table)
    return render_template("reports/report.html", form=form, name=name, titles=TITLES, report=result,
                           stated=stated_filters(result.filters), query=_query(), cell=cell, header=header)


def _errors_text(errors: dict) -> str:
    return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in errors.items())


# --- JSON API ------------------------------------------------------------------

@api_bp.route("/api/v1/reports/<name>")
def api_report(name: str):
    user = g.api_user
    if not user.has_role(*REPORT_ROLES):
        return jsonify({"error": "forbidden", "message": "Reports are for team leads, managers and admins."}), 403
    if name not in services.REPORTS:
        return jsonify({"error": "not_found", "message": f"No report {name!r}; reports: {', '.join(services.REPORTS)}"}), 404
    form = _form(user)
    try:
        result = _report(name, form, user)
    except FilterError as error:
        return jsonify({"error": "invalid", "message": _errors_text(error.errors), "fields": error.errors}), 400
    except services.ReportsUnavailable as error:
        return jsonify({"error": "unavailable", "message": str(error)}), 503
    f = result.filters
    return jsonify({
        "report": name, "title": str(result.title),
        "filters": {"start": f.start.isoformat(), "end": f.end.isoformat(), "team": f.team, "channel": f.channel,
                    "category": f.category, "agent": f.agent, "teams": list(f.teams) if f.teams is not None else None},
        "no_data": str(result.no_data) if result.no_data else None,
        "options": {k: _json(v) for k, v in result.options.items()},
        "tables": [{"key": t.key, "title": str(t.title), "note": str(t.note) if t.note else None,
                    "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in t.columns],
                    "rows": [{c.key: _json(v) for c, v in zip(t.columns, row)} for row in t.rows]}
                   for t in result.tables],
    })


def _json(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (int, float, str, type(None), bool)) else str(value)
