"""The reports area: its screens under /reports/, its JSON API under /api/v1/reports/, the
`helpdesk reports` commands, and the refresh of the summary after each change and each minute."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core import jobs, periodic, signals
from helpdesk.core.extensions import csrf
from helpdesk.reports import api, cli, summary, views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    add_menu_entry(app, "top", "reports.index", _l("Reports"), position=80)
    app.register_blueprint(views.bp)
    csrf.exempt(api.bp)  # as the ticket API: session calls are checked in its authenticate()
    app.register_blueprint(api.bp)
    app.add_template_global(views.cell, "report_cell")
    app.cli.add_command(cli.reports_cli)
    for signal in (signals.ticket_committed, signals.tickets_received, signals.message_committed,
                   signals.calendar_changed, signals.sla_policy_changed):
        signal.connect(_on_change, weak=False)
    periodic.register(app, summary.refresh)


def _on_change(_sender, **_):
    """A commit changed tickets: one refresh of the pending summary rows, however many commits ask."""
    jobs.enqueue_once(summary.refresh, low_priority=True)  # behind intake and routing: every report refreshes first
