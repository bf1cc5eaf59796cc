"""Wiring of intake: the contact page and the sweep that receives contacts whose job was lost."""
from __future__ import annotations

from helpdesk.core import periodic
from helpdesk.intake import jobs, views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    periodic.register(app, jobs.sweep)
