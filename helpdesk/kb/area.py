"""The knowledge base area: its pages, the `helpdesk kb` commands and the deflection sweep."""
from __future__ import annotations


def init_app(app) -> None:
    from helpdesk import periodic
    from helpdesk.kb import services, views
    from helpdesk.kb.cli import kb

    app.register_blueprint(views.bp)
    app.cli.add_command(kb)
    periodic.register(app, services.decide_left)
