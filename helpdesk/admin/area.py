"""Wiring of the administration front page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.admin import views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "admin.index", _l("Overview"), position=0)
