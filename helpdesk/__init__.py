"""Kontakt's Flask application: models, intake, services, jobs, web UI, JSON API, CLI."""
from __future__ import annotations

import gc
import importlib
import os
import secrets
from pathlib import Path

import flask_babel
from flask import Flask, has_request_context, request, session
from flask_login import current_user

from helpdesk.core.config import DEFAULTS, DEMO_KEY_FILE, ConfigError, finish, from_environment

REPO_ROOT = Path(__file__).resolve().parent.parent

# The product's areas, each wired by its helpdesk/<area>/area.py. Order matters for receivers
# of the same signal: a new ticket is routed (and its SLA policy attached) before its
# acknowledgement quotes the first-response deadline.
AREAS = ("web", "customers", "calendars", "tickets", "intake", "routing", "sla", "mail", "phone", "kb", "portal",
         "api", "staff", "demo", "admin", "reports")


def create_app(test_config: dict | None = None, *, check_config: bool = True) -> Flask:
    """Build a configured application; nothing happens at import time.

    A missing or unusable setting raises ConfigError; with ``check_config=False`` the app is built
    all the same (defaults in place of the bad values) and the problems are kept in
    ``app.extensions["kontakt_config_problems"]``, for the CLI to show its help and refuse to run.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("KONTAKT_INSTANCE") or str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
    )
    problems: list[ConfigError] = []
    app.config.update(DEFAULTS)
    app.config.update(from_environment(app.instance_path, problems))
    if test_config:
        app.config.update(test_config)
    finish(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    _ensure_secret_key(app, problems)

    from sqlalchemy.exc import ArgumentError

    from helpdesk.core.extensions import babel, csrf, db, limiter, login_manager, migrate

    try:
        db.init_app(app)
    except (ArgumentError, ImportError) as error:  # an unparsable URL, an unknown dialect, a missing driver
        problems.append(ConfigError("DATABASE_URL", f"cannot be used ({error})",
                                    "give an SQLAlchemy URL such as postgresql+psycopg://user@host/kontakt"))
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        app.extensions.pop("sqlalchemy", None)
        db.init_app(app)
    if problems and check_config:
        raise problems[0]
    app.extensions["kontakt_config_problems"] = problems
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Warsaw")
    # The locale is cached on g, which outlives a request when an app context was already pushed.
    app.before_request(flask_babel.refresh)

    from helpdesk import cli

    cli.init_app(app)
    for name in AREAS:
        importlib.import_module(f"helpdesk.{name}.area").init_app(app)
    # What the app is made of lives as long as the process: kept out of the garbage collector's
    # full passes, which would otherwise walk it all and pause a request every so often.
    gc.freeze()
    return app


def _ensure_secret_key(app: Flask, problems: list[ConfigError]) -> None:
    """The demo keeps a generated key in its instance folder (which marks the folder as the demo's);
    tests without a key get one for the run; anything else must be given SECRET_KEY."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("KONTAKT_DEMO"):
        key_file = Path(app.instance_path) / DEMO_KEY_FILE
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    elif app.config.get("TESTING"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    else:
        problems.append(ConfigError(
            "SECRET_KEY", "is not set",
            "set it to a long random string (python3 -c 'import secrets; print(secrets.token_hex(32))'), "
            "or use the demo: make run"))


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
