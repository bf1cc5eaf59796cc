"""`helpdesk phone ...`: play a simulated day of calls against the CTI webhook."""
from __future__ import annotations

import time
import urllib.request
from datetime import date, timezone
from urllib.error import HTTPError
from urllib.parse import urlencode

import click
from flask import current_app

from channels.phone.simulation import day_of_calls
from helpdesk.core.extensions import db
from helpdesk.models import User
from helpdesk.models.phone import PhoneLine
from helpdesk.calendars.services import get_calendar


@click.group("phone")
def phone():
    """The phone channel."""


@phone.command("simulate")
@click.option("--day", "day_text", default=None, help="The day to play (YYYY-MM-DD); default today.")
@click.option("--url", default=None, help="The webhook URL; default PUBLIC_URL/api/v1/cti/<token>.")
@click.option("--token", default=None, help="The CTI token; default PHONE_WEBHOOK_TOKEN.")
@click.option("--scale", default=1.0, show_default=True, help="Multiply the number of calls.")
@click.option("--realtime/--fast", default=False, help="Wait between events as on the day (default: at once, "
                                                       "each with its timestamp).")
@click.option("--seed", type=int, default=None)
@click.option("--direct", is_flag=True, help="Store and process the events here, without HTTP (to fill the call "
                                            "log with history; missed calls become callbacks all the same).")
def simulate(day_text: str | None, url: str | None, token: str | None, scale: float, realtime: bool,
             seed: int | None, direct: bool):
    """Post a realistic day of calls (Zammad-style form events with timestamps) to the webhook."""
    if direct:
        from helpdesk.phone.services import load_simulated_days

        day = date.fromisoformat(day_text) if day_text else date.today()
        calls = load_simulated_days(day, day, scale=scale, seed=seed or 0)
        click.echo(f"{calls} calls on {day.isoformat()} stored and processed")
        return
    token = token or current_app.config.get("PHONE_WEBHOOK_TOKEN")
    if not url and not token:
        raise click.UsageError("give --token (or set PHONE_WEBHOOK_TOKEN) or --url")
    url = url or f"{current_app.config['PUBLIC_URL'].rstrip('/')}/api/v1/cti/{token}"
    day = date.fromisoformat(day_text) if day_text else date.today()
    lines = list(db.session.scalars(db.select(PhoneLine.number).filter_by(active=True))) or ["+48660600700"]
    agents = list(db.session.scalars(db.select(User.email).filter_by(role="agent", active=True)))
    calendar = get_calendar("contact-centre")
    db.session.rollback()
    events = day_of_calls(day, lines=lines, agents=agents, seed=seed, scale=scale, is_open=calendar.is_open)
    sent = refused = 0
    started = time.monotonic()
    first = events[0].at if events else None
    for item in events:
        if realtime:
            wait = (item.at - first).total_seconds() - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
        fields = {**item.fields, "timestamp": item.at.astimezone(timezone.utc).isoformat()}
        request = urllib.request.Request(url, data=urlencode(fields, doseq=True).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()
            sent += 1
        except HTTPError as error:
            refused += 1
            click.echo(f"{fields['callId']} {fields['event']}: {error.code} {error.read()[:200]!r}", err=True)
    calls = len({e.fields["callId"] for e in events})
    click.echo(f"{sent} events sent, {refused} refused, {calls} calls on {day.isoformat()} "
               f"in {time.monotonic() - started:.1f} s")
