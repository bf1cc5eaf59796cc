"""`helpdesk tickets ...`: rebuild the search documents."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("tickets")
def group():
    """Tickets and their search."""


@group.command("reindex")
@click.option("--batch", type=int, default=2000, show_default=True, help="Tickets per transaction.")
@with_appcontext
def reindex_command(batch: int):
    """Rebuild every ticket's search document (after an upgrade, or an import that went around the app)."""
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket
    from helpdesk.tickets.search import rebuild

    last, done = 0, 0
    while True:
        ids = db.session.scalars(db.select(Ticket.id).where(Ticket.id > last).order_by(Ticket.id).limit(batch)).all()
        if not ids:
            break
        done += rebuild(ids)
        db.session.commit()
        last = ids[-1]
    click.echo(f"{done} tickets indexed")
