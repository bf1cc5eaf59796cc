"""The `helpdesk` console command and its operations commands: serve, migrate, worker, sweep.

Each area adds its own commands in its area.py (`helpdesk mail`, `helpdesk routing`, ...)."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from helpdesk import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def main():
    """Kontakt operations."""


def init_app(app) -> None:
    """Put the operations commands on the app's CLI (areas add theirs the same way)."""
    for command in (serve, migrate, worker, sweep_once):
        app.cli.add_command(command)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 5000)), show_default="$PORT or 5000")
@with_appcontext
def serve(host: str, port: int):
    """Serve the app with the development server (production: gunicorn, see the Procfile).

    Without Redis the periodic sweep runs in a background thread of this process.
    """
    from werkzeug.serving import run_simple

    from helpdesk.core.periodic import start_inline_thread

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        start_inline_thread(app)
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command()
@with_appcontext
def migrate():
    """Create or upgrade the database schema to the newest migration."""
    from flask_migrate import upgrade

    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.kb.services import ensure_shipped

    upgrade()
    ensure_reference_data()
    ensure_shipped()
    click.echo("database is up to date")


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool):
    """Run an RQ worker (with the scheduler for delayed jobs) inside the app context."""
    from helpdesk.core.jobs import run_worker
    from helpdesk.core.periodic import start_sweep_chain

    if not burst:
        start_sweep_chain()
    run_worker(burst=burst)


@click.command("sweep")
@with_appcontext
def sweep_once():
    """Run the periodic sweep once (SLA warnings and breaches, requeues, mail fetch)."""
    from helpdesk.core.periodic import sweep

    sweep()
