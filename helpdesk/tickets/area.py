"""Wiring of the tickets area: the agent workspace, and the search documents kept up to date."""
from __future__ import annotations

from helpdesk.core import signals
from helpdesk.tickets import cli, search, views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.group)
    signals.ticket_opened.connect(_on_opened, weak=False)
    signals.message_added.connect(_on_message, weak=False)
    search.install()


def _on_opened(ticket) -> None:
    search.mark_stale(ticket.id)


def _on_message(message) -> None:
    search.mark_stale(message.ticket_id)
