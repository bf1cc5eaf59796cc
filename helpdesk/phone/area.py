"""The phone area: its screens, the CTI webhook (in front of Flask), the call API, sweep, CLI and page helpers."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from channels.phone import display_number
    from helpdesk.core import periodic, signals
    from helpdesk.phone import api, cli, jobs, services, views
    from helpdesk.web.helpers import add_menu_entry

    app.wsgi_app = api.CtiWebhook(app, app.wsgi_app)  # in front of Flask: the busiest writer
    app.extensions.setdefault("kontakt_wsgi_endpoints", []).append((services.CTI_PATH + "<token>", "POST", ["token"]))
    app.register_blueprint(views.bp)
    app.context_processor(views.template_helpers)
    app.add_template_filter(views.outcome_label, "call_outcome")
    app.add_template_filter(display_number, "phone_number")
    periodic.register(app, jobs.sweep)
    app.cli.add_command(cli.phone)
    add_menu_entry(app, "top", "phone.callbacks", _l("Callbacks"), position=10)
    add_menu_entry(app, "top", "phone.call_log", _l("Calls"), position=11)
    add_menu_entry(app, "top", "phone.log_manual", _l("Log a call"), position=12)
    add_menu_entry(app, "top", "phone.now", _l("Phone"), position=95, template="phone/_nav.html")
    for position, (endpoint, label) in enumerate([
            ("phone.lines", _l("Phone lines")), ("phone.pbxes", _l("PBXs and tokens")),
            ("phone.agent_phones", _l("Agents' extensions")), ("phone.blocked", _l("Blocked numbers")),
            ("phone.dead_letters", _l("Rejected call events"))], start=60):
        add_menu_entry(app, "admin", endpoint, label, position=position)
    signals.ticket_timeline.connect(views.calls_in_timeline, weak=False)
