"""Wiring of the JSON API."""
from __future__ import annotations

from helpdesk.api import views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
