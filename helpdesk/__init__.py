"""Kontakt's Flask application: models, intake, services, jobs, web UI, JSON API, CLI."""
from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path

import flask_babel
from flask import Flask, has_request_context, request, session
from flask_login import current_user

from helpdesk.core.config import DEFAULTS, from_environment

REPO_ROOT = Path(__file__).resolve().parent.parent

# The product's areas, each wired by its helpdesk/<area>/area.py. Order matters for receivers
# of the same signal: a new ticket is routed (and its SLA policy attached) before its
# acknowledgement quotes the first-response deadline.
AREAS = ("web", "calendars", "tickets", "intake", "routing", "sla", "mail", "phone", "api", "staff", "demo", "admin")


def create_app(test_config: dict | None = None) -> Flask:
    """Build a configured application; nothing happens at import time."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("KONTAKT_INSTANCE") or str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
    )
    app.config.update(DEFAULTS)
    app.config.update(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _ensure_secret_key(app)

    from helpdesk.core.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Warsaw")
    # The locale is cached on g, which outlives a request when an app context was already pushed.
    app.before_request(flask_babel.refresh)

    from helpdesk import cli

    cli.init_app(app)
    for name in AREAS:
        importlib.import_module(f"helpdesk.{name}.area").init_app(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not (app.config.get("KONTAKT_DEMO") or app.config.get("TESTING")):
        raise RuntimeError("SECRET_KEY must be set (KONTAKT_DEMO=1 generates one for the demo)")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _select_locale() -> str:
    """Polish first: an explicit ?lang= choice, then the session, then the agent's setting."""
    languages = ("pl", "en")
    if not has_request_context():  # a job, the CLI or a service called directly: the default language
        return "pl"
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and getattr(current_user, "ui_language", None) in languages:
        return current_user.ui_language
    return "pl"
