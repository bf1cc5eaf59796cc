"""Blueprints per area of the product."""


from werkzeug.routing import IntegerConverter


class DatabaseId(IntegerConverter):
    """<int:…> in our URLs: an id that fits the database's integer columns (larger is a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app) -> None:
    app.url_map.converters["int"] = DatabaseId
    from helpdesk.blueprints import admin, agent, api, public

    app.register_blueprint(public.bp)
    app.register_blueprint(agent.bp, url_prefix="/agent")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(admin.bp, url_prefix="/admin")
