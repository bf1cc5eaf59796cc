"""The `helpdesk` console command and its operations commands: serve, migrate, worker, sweep.

Each area adds its own commands in its area.py (`helpdesk mail`, `helpdesk routing`, ...)."""
from __future__ import annotations

import copy
import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from helpdesk import create_app


class SettingProblem(click.ClickException):
    """A missing or bad setting: one line on stderr, exit status 2, never a traceback."""
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"helpdesk: {self.message}", err=True)


def _app_for_cli():
    """The app as the command line sees it: built even when a setting is wrong, so that `--help`
    lists every command; running a command then stops with the setting's one-line problem."""
    app = create_app(check_config=False)
    problems = app.extensions["kontakt_config_problems"]
    if problems:
        app.cli.commands = {name: _refusing(command, str(problems[0])) for name, command in app.cli.commands.items()}
    return app


def _refusing(command: click.Command, problem: str) -> click.Command:
    """A copy of the command (a group: of each of its commands) that stops with ``problem`` when run;
    its options and help stay as they are."""
    clone = copy.copy(command)
    if isinstance(command, click.Group):
        clone.commands = {name: _refusing(sub, problem) for name, sub in command.commands.items()}
    else:
        def refuse(*args, **kwargs):
            raise SettingProblem(problem)

        clone.callback = refuse
    return clone


class HelpdeskGroup(FlaskGroup):
    """Flask's command group; a database or Redis that cannot be reached is one line too."""

    def invoke(self, ctx: click.Context):
        from redis.exceptions import ConnectionError as RedisConnectionError
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except OperationalError as error:
            reason = str(error.orig or error).strip().splitlines()[0]
            raise SettingProblem(f"DATABASE_URL names a database that cannot be used ({reason}): check the "
                                 "URL and that the server runs") from error
        except RedisConnectionError as error:
            raise SettingProblem(f"REDIS_URL names a Redis that cannot be reached ({error}): check the URL "
                                 "and that the server runs, or unset it to run jobs inline") from error


@click.group(cls=HelpdeskGroup, create_app=_app_for_cli, add_version_option=False, load_dotenv=False)
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
    """Serve the app with the development server (production: granian, see the Procfile).

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

    if not current_app.config.get("REDIS_URL"):
        raise SettingProblem("REDIS_URL is not set, so jobs run inline in the web process and no worker is "
                             "needed: set REDIS_URL to run jobs on workers")
    # Taking contacts in comes first: on a machine the web and the workers share, a burst is
    # stored at the web's pace and worked off right after it, instead of both slowing down.
    if current_app.config["WORKER_NICE"] > 0:
        os.nice(current_app.config["WORKER_NICE"])
    # The worker's first maintenance, as it starts, and every one after, makes sure the sweep's chain runs.
    run_worker(burst=burst, maintenance=None if burst else start_sweep_chain)


@click.command("sweep")
@with_appcontext
def sweep_once():
    """Run the periodic sweep once (SLA warnings and breaches, requeues, mail fetch)."""
    from helpdesk.core.periodic import sweep

    sweep()
