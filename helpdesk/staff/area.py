"""Wiring of the staff area: its commands."""
from __future__ import annotations

from helpdesk.staff import cli


def init_app(app) -> None:
    app.cli.add_command(cli.create_user)
    app.cli.add_command(cli.token)
