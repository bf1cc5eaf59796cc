"""The `helpdesk demo` command."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command()
@with_appcontext
def demo():
    """Load the demo data (running it again changes nothing)."""
    from helpdesk.demo.services import DEMO_LOGINS, load_demo_data

    created = load_demo_data()
    click.echo("demo data loaded" if created else "demo data already present: nothing changed")
    click.echo("Demo logins (password for all: demo):")
    for role, email in DEMO_LOGINS:
        click.echo(f"  {role:8} {email}")
