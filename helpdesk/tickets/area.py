"""Wiring of the tickets area: the agent workspace."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.tickets import views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    add_menu_entry(app, "top", "tickets.queue", _l("Queue"), position=0)
    add_menu_entry(app, "admin", "tickets.canned_responses", _l("Canned responses"), position=20)
    app.add_template_global(views.previewable)
