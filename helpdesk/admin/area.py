"""Wiring of the administration front page."""
from __future__ import annotations

from helpdesk.admin import views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
