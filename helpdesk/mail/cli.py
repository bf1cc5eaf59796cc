"""`helpdesk mail …`: fetch mailboxes now, feed raw messages from files or stdin."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group()
def mail():
    """The e-mail channel."""


@mail.command()
@click.option("--mailbox", "address", help="Only this mailbox (its address); all active ones otherwise.")
@with_appcontext
def fetch(address: str | None):
    """Fetch unprocessed mail from the mailboxes now."""
    from channels.email.imap import MailboxError
    from helpdesk.core.extensions import db
    from helpdesk.mail.services.inbound import fetch_mailbox
    from helpdesk.mail.services.mailboxes import MailboxInvalid
    from helpdesk.models.mail import Mailbox

    query = db.select(Mailbox).filter_by(active=True)
    if address:
        query = db.select(Mailbox).filter_by(address=address.strip().lower())
    mailboxes = db.session.scalars(query.order_by(Mailbox.id)).all()
    if not mailboxes:
        raise click.ClickException(f"no mailbox {address}" if address else "no active mailboxes are configured")
    failed = False
    for mailbox in [(m.id, m.address) for m in mailboxes]:
        try:
            click.echo(f"{mailbox[1]}: {fetch_mailbox(mailbox[0])} message(s) taken in")
        except (MailboxError, MailboxInvalid) as error:
            click.echo(f"{mailbox[1]}: {error}", err=True)
            failed = True
    if failed:
        sys.exit(1)


@mail.command()
@click.argument("file", type=click.File("rb"))
@with_appcontext
def ingest(file):
    """Take in one raw message (RFC 5322) from FILE, or from stdin with "-"."""
    from helpdesk.mail.services.inbound import ingest as ingest_mail

    raw = file.read()
    if not raw.strip():
        raise click.ClickException("the message is empty")
    result = ingest_mail(raw, source="cli")
    if result.status == "quarantined":
        click.echo(f"quarantined (raw contact {result.raw_id}): {result.reason}", err=True)
        sys.exit(2)
    click.echo(f"{result.status}: {result.ticket_number} (raw contact {result.raw_id})")
