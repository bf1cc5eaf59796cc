"""The reports area: its screens under /reports/ and its JSON API under /api/v1/reports/."""
from __future__ import annotations


def init_app(app) -> None:
    from helpdesk.reports import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.api_bp)
    app.add_template_global(views.cell, "report_cell")
