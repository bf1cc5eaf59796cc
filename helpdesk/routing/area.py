"""Wiring of routing: the ticket life-cycle signals, its sweep, CLI, screens and page helpers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core import jobs as core_jobs
from helpdesk.core import periodic, signals
from helpdesk.routing import cli, jobs, services, views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    signals.ticket_committed.connect(_on_ticket_committed)
    signals.tickets_received.connect(_on_tickets_received)
    periodic.register(app, jobs.sweep)
    app.cli.add_command(cli.routing_cli)
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "routing.rules", _l("Routing rules"), position=10)
    add_menu_entry(app, "admin", "routing.teams", _l("Teams"), position=11)
    add_menu_entry(app, "admin", "routing.agents", _l("Agents"), position=12)
    app.context_processor(views.template_helpers)
    app.before_request(views.note_activity)


def _on_ticket_committed(ticket_id: int, **_):
    core_jobs.enqueue(services.after_ticket_change, ticket_id)


def _on_tickets_received(ticket_ids: tuple[int, ...], **_):
    core_jobs.enqueue(services.route_tickets, list(ticket_ids))
