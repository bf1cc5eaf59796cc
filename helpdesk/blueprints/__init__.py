"""Blueprints per area of the product."""


def register_blueprints(app) -> None:
    from helpdesk.blueprints import admin, agent, api, public

    app.register_blueprint(public.bp)
    app.register_blueprint(agent.bp, url_prefix="/agent")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(admin.bp, url_prefix="/admin")
