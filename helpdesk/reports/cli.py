"""`helpdesk reports`: the summary tables the reports read."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group("reports")
def reports_cli():
    """Manager reports."""


@reports_cli.command("rebuild")
@with_appcontext
def rebuild():
    """Derive the reports' summary again from every ticket (after upgrading to 0014_reports on a large
    database, or whenever in doubt); reports asked for meanwhile wait for it."""
    from helpdesk.reports.summary import ReportsUnavailable, rebuild as rebuild_summary

    started = time.perf_counter()
    try:
        counts = rebuild_summary()
    except ReportsUnavailable as error:
        raise click.ClickException(str(error)) from None
    click.echo(", ".join(f"{table} {count}" for table, count in counts.items())
               + f" in {time.perf_counter() - started:.1f} s")
