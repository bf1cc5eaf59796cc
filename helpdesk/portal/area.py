"""Wiring of the customer zone: its blueprint (the /portal pages and the staff screens for it),
signal receivers (notification preferences), the minute sweep (status
notices, daily digests) and the template globals that put the private link and the customer number on the
contact form's confirmation page and in the acknowledgement e-mail.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core import periodic, signals
from helpdesk.portal import jobs, services, views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "portal.staff_settings", _l("Customer zone"), position=60)
    signals.message_added.connect(services.on_message_added)
    signals.status_changed.connect(services.on_status_changed)
    signals.ticket_committed.connect(jobs.on_ticket_committed)
    periodic.register(app, jobs.sweep)
    app.add_template_global(services.status_url_for_contact, "portal_link_for_contact")
    app.add_template_global(services.status_url_for_mail, "portal_link_for_mail")
    app.add_template_global(services.customer_number, "customer_number")
