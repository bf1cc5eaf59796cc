"""The reports area: its screens under /reports/ and its JSON API under /api/v1/reports/."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l

from helpdesk.reports import views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    add_menu_entry(app, "top", "reports.index", _l("Reports"), position=80)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.api_bp)
    app.add_template_global(views.cell, "report_cell")
