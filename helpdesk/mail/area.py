"""Wiring of the e-mail channel: signal receivers, the sweeps (mailbox fetch, send retries),
the admin screens and the inbound endpoint, the `helpdesk mail` commands, the template
filter folding quoted history.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from channels.email import split_quoted
from helpdesk.core import periodic, signals
from helpdesk.core.extensions import csrf
from helpdesk.mail import api, cli, views
from helpdesk.mail.services import inbound, outbound
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    signals.message_added.connect(outbound.mark_queued)
    signals.message_committed.connect(outbound.on_message_committed)
    signals.tickets_received.connect(outbound.on_tickets_received)
    periodic.register(app, inbound.fetch_due_mailboxes)
    periodic.register(app, outbound.retry_deliveries)
    csrf.exempt(api.bp)  # called by mail servers with a token, not from a browser
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "mail.mailboxes", _l("Mailboxes"), position=40)
    add_menu_entry(app, "admin", "mail.quarantine", _l("Quarantine"), position=41)
    add_menu_entry(app, "admin", "mail.outbox", _l("Outgoing mail"), position=42)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.mail)
    app.add_template_filter(split_quoted)
    app.add_template_filter(outbound.delivery_problem)
