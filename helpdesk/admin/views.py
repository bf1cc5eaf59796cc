"""The administration front page: the audit trail (each area has its own admin screens)."""
from __future__ import annotations

from flask import Blueprint, render_template

from helpdesk.web.auth import roles_required
from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry

bp = Blueprint("admin", __name__)


@bp.get("/admin/")
@roles_required("admin")
def index():
    recent = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(50)).all()
    return render_template("admin/index.html", audit=recent)

