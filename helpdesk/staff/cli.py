"""Commands for staff accounts: `helpdesk create-user`, `helpdesk token`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["agent", "lead", "manager", "admin"]), default="agent")
@click.password_option()
@with_appcontext
def create_user(email: str, name: str, role: str, password: str):
    """Create a member of staff."""
    from helpdesk.staff.services import create_staff

    user = create_staff(email=email, name=name, role=role, password=password)
    click.echo(f"created {user.role} {user.email}")


@click.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def token(email: str, name: str):
    """Issue an API token for a member of staff and print it (it is shown only once)."""
    from helpdesk.web.auth import issue_api_token
    from helpdesk.core.extensions import db
    from helpdesk.models import User

    user = db.session.scalar(db.select(User).filter_by(email=email.lower()))
    if user is None:
        raise click.ClickException(f"no staff member with e-mail {email}")
    click.echo(issue_api_token(user, name))
