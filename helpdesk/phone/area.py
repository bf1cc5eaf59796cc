"""The phone area: its blueprints (screens, the CTI webhook, the call API), sweep, CLI and page helpers."""
from __future__ import annotations


def init_app(app) -> None:
    from channels.phone import display_number
    from helpdesk import periodic
    from helpdesk.extensions import csrf
    from helpdesk.phone import api, cli, services, views

    csrf.exempt(api.cti_bp)  # posted by PBXs with a token in the URL, never from a browser session
    app.register_blueprint(views.bp)
    app.register_blueprint(api.cti_bp, url_prefix="/api/v1")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.context_processor(views.template_helpers)
    app.add_template_filter(views.outcome_label, "call_outcome")
    app.add_template_filter(display_number, "phone_number")
    periodic.register(app, services.sweep)
    app.cli.add_command(cli.phone)
