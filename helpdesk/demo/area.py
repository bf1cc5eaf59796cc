"""Wiring of the demo: its command."""
from __future__ import annotations

from helpdesk.demo import cli


def init_app(app) -> None:
    app.cli.add_command(cli.demo)
