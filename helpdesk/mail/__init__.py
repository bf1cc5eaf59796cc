"""The e-mail channel inside the app: mailboxes, ingest, threading, replies, acknowledgements.

`init_app` connects the signal receivers, registers the sweeps (mailbox fetch, send
retries), the blueprints (admin screens, the inbound endpoint), the `helpdesk mail`
commands and the template filter folding quoted history.
"""
from __future__ import annotations

from channels.email import split_quoted


def init_app(app) -> None:
    from helpdesk import periodic, signals
    from helpdesk.blueprints.mail import admin_bp, inbound_bp
    from helpdesk.extensions import csrf
    from helpdesk.mail import inbound, outbound
    from helpdesk.mail.cli import mail

    signals.message_added.connect(outbound.mark_queued)
    signals.message_committed.connect(outbound.on_message_committed)
    signals.tickets_received.connect(outbound.on_tickets_received)
    periodic.register(app, inbound.fetch_due_mailboxes)
    periodic.register(app, outbound.retry_deliveries)
    csrf.exempt(inbound_bp)  # called by mail servers with a token, not from a browser
    app.register_blueprint(admin_bp, url_prefix="/admin/mail")
    app.register_blueprint(inbound_bp, url_prefix="/api/v1/mail")
    app.cli.add_command(mail)
    app.add_template_filter(split_quoted)
