"""`helpdesk routing ...`: preview a rule set on past tickets."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

WARSAW = ZoneInfo("Europe/Warsaw")


@click.group("routing")
def routing_cli():
    """Routing rules and previews."""


@routing_cli.command("simulate")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day (Europe/Warsaw), e.g. 2026-10-01.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day, included.")
@click.option("--rules", "rules_file", type=click.File("r", encoding="utf-8"),
              help="A draft rule set as JSON (default: the live one).")
@click.option("--draft", is_flag=True, help="Use the saved draft rule set instead of the live one.")
@click.option("--roster", type=click.Choice(["current"]), default="current", show_default=True,
              help="The agents to replay with.")
@with_appcontext
def simulate_command(start: datetime, end: datetime, rules_file, draft: bool, roster: str):
    """Replay the tickets of a date range through a rule set and the current roster.

    Nothing is changed: prints load, predicted first-response SLA attainment and the
    Gini coefficient of assignments, per category and per agent.
    """
    from routing import RuleSetError
    from helpdesk.core.extensions import db
    from helpdesk.models import User
    from helpdesk.routing.services import draft_version, simulate_range, validate

    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    rules = None
    if draft:
        stored = draft_version()
        if stored is None:
            raise click.ClickException("there is no draft rule set; save one on the admin rules screen")
        rules = stored.rules
    elif rules_file is not None:
        try:
            rules = json.load(rules_file)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{rules_file.name} is not valid JSON: {exc}")
        errors = validate(rules)
        if errors:
            raise click.ClickException("the rule set is not valid:\n  " + "\n  ".join(errors))
    first = datetime.combine(start.date(), time(0), WARSAW)
    last = datetime.combine(end.date() + timedelta(days=1), time(0), WARSAW)
    try:
        report = simulate_range(first, last, rules)
    except (RuleSetError, ValueError) as exc:
        raise click.ClickException(str(exc))
    names = {u.id: u.name for u in db.session.scalars(db.select(User))}
    click.echo(f"Tickets {start:%Y-%m-%d} .. {end:%Y-%m-%d}: {report.overall.tickets}, "
               f"assigned {report.overall.assigned}, "
               f"first-response SLA met {percent(report.overall.attainment)}")
    click.echo("")
    click.echo(f"{'category':32} {'tickets':>8} {'assigned':>9} {'SLA met':>8}")
    for name, figures in sorted(report.by_category.items()):
        click.echo(f"{name:32} {figures.tickets:>8} {figures.assigned:>9} {percent(figures.attainment):>8}")
    click.echo("")
    click.echo(f"{'agent':32} {'tickets':>8} {'peak load':>9} {'SLA met':>8}")
    for agent_id, figures in report.by_agent.items():
        click.echo(f"{names.get(agent_id, agent_id):32} {figures.tickets:>8} {figures.peak_load:>9} "
                   f"{percent(figures.attainment):>8}")
    click.echo("")
    click.echo(f"Gini coefficient of assignments: {report.gini:.3f}")


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"
