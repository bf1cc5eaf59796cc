"""The phone area: its blueprints (screens, the CTI webhook, the call API), sweep, CLI and page helpers."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from channels.phone import display_number
    from helpdesk.core import periodic, signals
    from helpdesk.core.extensions import csrf, limiter
    from helpdesk.phone import api, cli, jobs, views
    from helpdesk.web.helpers import add_menu_entry

    csrf.exempt(api.bp)  # posted by PBXs with a token in the URL, never from a browser session
    limiter.exempt(api.bp)  # a PBX posts every event of every call; its token is what keeps others out
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
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
