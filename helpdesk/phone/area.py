"""The phone area: its blueprints (screens, the CTI webhook, the call API), sweep, CLI and page helpers."""
from __future__ import annotations


def init_app(app) -> None:
    from channels.phone import display_number
    from helpdesk.core import periodic
    from helpdesk.core.extensions import csrf
    from helpdesk.phone import api, cli, jobs, views

    csrf.exempt(api.bp)  # posted by PBXs with a token in the URL, never from a browser session
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.context_processor(views.template_helpers)
    app.add_template_filter(views.outcome_label, "call_outcome")
    app.add_template_filter(display_number, "phone_number")
    periodic.register(app, jobs.sweep)
    app.cli.add_command(cli.phone)
