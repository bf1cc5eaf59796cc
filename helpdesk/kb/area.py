"""Wiring of the knowledge base: the help pages (public, editors', agents'), the `helpdesk kb`
commands and the minute sweep that counts contacts deflected by an opened article."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core import periodic
from helpdesk.kb import cli, services, views
from helpdesk.web.helpers import add_menu_entry, public_url


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "kb.admin_list", _l("Help articles"), position=25)
    app.cli.add_command(cli.kb)
    periodic.register(app, services.decide_left)
    # an article's address as customers reach it (PUBLIC_URL), for links agents put in replies
    app.add_template_global(lambda slug: public_url("kb.article", slug=slug), "kb_public_url")
