"""The reports in the JSON API: GET /api/v1/reports/<name> with the report filters as query
parameters, answering the report's tables with raw values."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, g, jsonify

from helpdesk.api import views as staff_api
from helpdesk.reports import services
from helpdesk.reports.filters import REPORT_ROLES
from helpdesk.reports.forms import FilterError, errors_text, filter_form, run_report

bp = Blueprint("reports_api", __name__)
bp.before_request(staff_api.authenticate)  # an API token or the staff session, as the ticket API


@bp.route("/api/v1/reports/<name>")
def api_report(name: str):
    user = g.api_user
    if not user.has_role(*REPORT_ROLES):
        return jsonify({"error": "forbidden", "message": "Reports are for team leads, managers and admins."}), 403
    if name not in services.REPORTS:
        return jsonify({"error": "not_found", "message": f"No report {name!r}; reports: {', '.join(services.REPORTS)}"}), 404
    form = filter_form(user)
    try:
        result = run_report(name, form, user)
    except FilterError as error:
        return jsonify({"error": "invalid", "message": errors_text(error.errors), "fields": error.errors}), 400
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
