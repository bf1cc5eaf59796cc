"""Wiring of the tickets area: the agent workspace."""
from __future__ import annotations

from helpdesk.tickets import views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    app.add_template_global(views.previewable)
