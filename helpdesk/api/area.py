"""Wiring of the JSON API."""
from __future__ import annotations

from helpdesk.api import views
from helpdesk.core.extensions import csrf


def init_app(app) -> None:
    csrf.exempt(views.bp)  # token calls carry no cookie; session calls are checked in authenticate()
    app.register_blueprint(views.bp)
