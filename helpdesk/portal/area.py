"""The customer zone's wiring: its blueprint, signal receivers, the minute sweep, template globals."""
from __future__ import annotations


def init_app(app) -> None:
    from helpdesk import periodic, signals
    from helpdesk.portal import jobs, services, views

    app.register_blueprint(views.bp)
    signals.ticket_opened.connect(services.on_ticket_opened)
    signals.message_added.connect(services.on_message_added)  # after mail's: it sees what mail queued
    signals.status_changed.connect(services.on_status_changed)
    signals.ticket_committed.connect(jobs.on_ticket_committed)
    periodic.register(app, jobs.sweep)
    # The confirmation page and the acknowledgement e-mail carry the private status link.
    app.add_template_global(services.status_url_for_contact, "portal_link_for_contact")
    app.add_template_global(services.status_url_for_mail, "portal_link_for_mail")
