"""Report screens under /reports/ and each table as CSV (the JSON API is in api.py).

Managers and administrators see every team; a team lead sees the teams they belong to.
"""
from __future__ import annotations

import csv
import io

from babel.numbers import format_decimal
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.web.auth import roles_required
from helpdesk.models import Ticket
from helpdesk.reports import services
from helpdesk.reports.filters import REPORT_ROLES, WARSAW, Filters
from helpdesk.reports.forms import FilterError, errors_text, filter_form, filters_of, run_report
from helpdesk.web.helpers import CHANNEL_LABELS, label_of

bp = Blueprint("reports", __name__)

TITLES = {"sla": _l("SLA attainment"), "times": _l("Response times"), "backlog": _l("Backlog"),
          "volume": _l("Volume"), "phone": _l("Phone"), "fcr": _l("First-contact resolution"),
          "staffing": _l("Staffing")}


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
    form = filter_form(current_user)
    try:
        f = filters_of(form, current_user)
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
    form = filter_form(current_user)
    try:
        result = run_report(name, form, current_user)
    except FilterError:
        if request.args.get("csv"):
            abort(400, _("The filters are not valid: %(errors)s", errors=errors_text(form.errors)))
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
