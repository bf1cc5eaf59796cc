"""The `helpdesk` console command: serve, demo data, migrations, workers, users and tokens."""
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
    for command in (serve, migrate, demo, worker, sweep_once, create_user, token):
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

    from helpdesk.periodic import start_inline_thread

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        start_inline_thread(app)
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command()
@with_appcontext
def migrate():
    """Create or upgrade the database schema to the newest migration."""
    from flask_migrate import upgrade

    from helpdesk.kb.services import ensure_shipped
    from helpdesk.reference import ensure_reference_data

    upgrade()
    ensure_reference_data()
    ensure_shipped()
    click.echo("database is up to date")


@click.command()
@with_appcontext
def demo():
    """Load the demo data (running it again changes nothing)."""
    from helpdesk.demo import DEMO_LOGINS, load_demo_data

    created = load_demo_data()
    click.echo("demo data loaded" if created else "demo data already present: nothing changed")
    click.echo("Demo logins (password for all: demo):")
    for role, email in DEMO_LOGINS:
        click.echo(f"  {role:8} {email}")


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool):
    """Run an RQ worker (with the scheduler for delayed jobs) inside the app context."""
    from helpdesk.jobs import run_worker
    from helpdesk.periodic import start_sweep_chain

    if not burst:
        start_sweep_chain()
    run_worker(burst=burst)


@click.command("sweep")
@with_appcontext
def sweep_once():
    """Run the periodic sweep once (SLA warnings and breaches, requeues, mail fetch)."""
    from helpdesk.periodic import sweep

    sweep()


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["agent", "lead", "manager", "admin"]), default="agent")
@click.password_option()
@with_appcontext
def create_user(email: str, name: str, role: str, password: str):
    """Create a member of staff."""
    from helpdesk.services.staff import create_staff

    user = create_staff(email=email, name=name, role=role, password=password)
    click.echo(f"created {user.role} {user.email}")


@click.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def token(email: str, name: str):
    """Issue an API token for a member of staff and print it (it is shown only once)."""
    from helpdesk.auth import issue_api_token
    from helpdesk.extensions import db
    from helpdesk.models import User

    user = db.session.scalar(db.select(User).filter_by(email=email.lower()))
    if user is None:
        raise click.ClickException(f"no staff member with e-mail {email}")
    click.echo(issue_api_token(user, name))
