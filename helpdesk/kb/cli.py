"""`helpdesk kb`: the shipped help articles and the deflection counts."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext


@click.group()
def kb():
    """Help articles (knowledge base)."""


@kb.command("ship")
@with_appcontext
def ship():
    """Add the shipped help articles that are missing (run by `helpdesk migrate` too)."""
    from helpdesk.kb.services import ensure_shipped

    click.echo(f"{ensure_shipped()} shipped articles added")


@kb.command("deflection")
@click.option("--days", type=int, default=7, show_default=True)
@with_appcontext
def deflection(days: int):
    """Deflected contacts of the last DAYS days (solved by an article, or left after opening one)."""
    from helpdesk.kb.services import deflection_counts
    from helpdesk.models.types import utcnow

    end = utcnow()
    counts = deflection_counts(end - timedelta(days=days), end)
    for outcome in ("solved", "left", "deflected", "submitted"):
        click.echo(f"{outcome:10} {counts[outcome]}")
