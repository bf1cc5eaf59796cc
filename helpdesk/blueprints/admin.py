"""Administration: calendars, routing rules, SLA policies, teams and agents, the mail quarantine."""
from __future__ import annotations

from flask import Blueprint, render_template

from helpdesk.auth import roles_required
from helpdesk.extensions import db
from helpdesk.models import AuditEntry

bp = Blueprint("admin", __name__)


@bp.get("/")
@roles_required("admin")
def index():
    recent = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(50)).all()
    return render_template("admin/index.html", audit=recent)


from helpdesk.blueprints import routing_admin  # noqa: E402,F401  (routes on this blueprint)
from helpdesk.blueprints import admin_calendars  # noqa: E402,F401  (its views are on this blueprint)
