"""Wiring of the tickets area: the agent workspace, and the search documents kept up to date."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core import signals
from helpdesk.tickets import cli, search, views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.group)
    signals.ticket_opened.connect(_on_opened, weak=False)
    signals.message_added.connect(_on_message, weak=False)
    search.install()
    add_menu_entry(app, "top", "tickets.queue", _l("Queue"), position=0)
    add_menu_entry(app, "admin", "tickets.canned_responses", _l("Canned responses"), position=20)
    app.add_template_global(views.previewable)


def _on_opened(ticket) -> None:
    search.mark_stale(ticket.id)


def _on_message(message) -> None:
    search.mark_stale(message.ticket_id)
