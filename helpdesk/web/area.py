"""Wiring of the shared web layer: the id converter, staff login, template helpers, error pages."""
from __future__ import annotations

from helpdesk.web import auth, helpers, views
from helpdesk.web.converters import DatabaseId


def init_app(app) -> None:
    app.url_map.converters["int"] = DatabaseId
    auth.init_app(app)
    helpers.init_app(app)
    app.register_blueprint(views.bp)
