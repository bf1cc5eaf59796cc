"""The report filters: period, team, channel, category, agent (and each report's own choice), read
from the query string by the screens and the JSON API alike."""
from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from helpdesk.core.extensions import db
from helpdesk.models import Category, Team, User
from helpdesk.models.core import CHANNELS, agent_teams
from helpdesk.models.types import utcnow
from helpdesk.reports import services
from helpdesk.reports.filters import MAX_PERIOD_DAYS, WARSAW, Filters, default_period
from helpdesk.web.forms import KontaktForm
from helpdesk.web.helpers import CHANNEL_LABELS, label_of


def _id_or_none(value):
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


def _text_or_none(value):
    return None if value in (None, "", "None") else str(value)


class ReportFilterForm(KontaktForm):
    """Read from the query string. A GET form that changes nothing, so it carries no CSRF token
    (the links and CSV downloads keep the filters in the URL)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    team = SelectField(_l("Team"), coerce=_id_or_none, validators=[Optional()])
    channel = SelectField(_l("Channel"), coerce=_text_or_none, validators=[Optional()])
    category = SelectField(_l("Category"), coerce=_id_or_none, validators=[Optional()])
    agent = SelectField(_l("Agent"), coerce=_id_or_none, validators=[Optional()])
    by = SelectField(_l("Break down by"), coerce=_text_or_none, validators=[Optional()], choices=[
        ("", _l("policy and target only")), ("channel", _l("channel")), ("category", _l("category")),
        ("team", _l("team")), ("agent", _l("agent"))])
    trend = SelectField(_l("Trend by"), validators=[Optional()], choices=[("week", _l("week")), ("day", _l("day"))])
    week = DateField(_l("Week of"), validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end of the period is before its start."))
            if field.data - self.start.data > timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError(_l("A report covers at most %(days)s days.", days=MAX_PERIOD_DAYS))


class FilterError(ValueError):
    def __init__(self, errors: dict):
        super().__init__("invalid filters")
        self.errors = errors


def lead_teams(user: User) -> tuple[int, ...] | None:
    """The teams a user's reports are limited to (None: all)."""
    return tuple(t.id for t in user.teams) if user.role == "lead" else None


def filter_form(user: User) -> ReportFilterForm:
    """The filters of the request's query string, with the teams, categories and agents ``user`` may choose."""
    form = ReportFilterForm(request.args)
    allowed = lead_teams(user)
    teams = db.session.execute(db.select(Team.id, Team.name).order_by(Team.name)).all()
    if allowed is not None:
        teams = [t for t in teams if t.id in allowed]
    everything = str(_l("all"))
    form.team.choices = [("", everything)] + [(t.id, t.name) for t in teams]
    form.channel.choices = [("", everything)] + [(c, label_of(CHANNEL_LABELS, c)) for c in CHANNELS]
    name = Category.name_en if str(get_locale()) == "en" else Category.name_pl
    form.category.choices = [("", everything)] + [
        (c.id, c.name) for c in db.session.execute(db.select(Category.id, name.label("name")).order_by(name))]
    agents = db.select(User.id, User.name).where(User.role.in_(("agent", "lead"))).order_by(User.name)
    if allowed is not None:
        agents = agents.where(User.id.in_(db.select(agent_teams.c.user_id).where(agent_teams.c.team_id.in_(allowed))))
    form.agent.choices = [("", everything)] + [(a.id, a.name) for a in db.session.execute(agents)]
    return form


def filters_of(form: ReportFilterForm, user: User) -> Filters:
    if not form.validate():
        raise FilterError(form.errors)
    start, end = default_period(utcnow().astimezone(WARSAW).date())
    start = form.start.data or (form.end.data - timedelta(days=27) if form.end.data else start)
    end = form.end.data or max(end, start)
    if end < start:
        raise FilterError({"end": [_("The end of the period is before its start.")]})
    return Filters(start=start, end=end, team=form.team.data, channel=form.channel.data,
                   category=form.category.data, agent=form.agent.data, teams=lead_teams(user))


def run_report(name: str, form: ReportFilterForm, user: User) -> services.Report:
    """The report ``name`` (one of services.REPORTS) for the filled filters."""
    f = filters_of(form, user)
    if name == "sla":
        return services.sla_attainment(f, by=form.by.data)
    if name == "times":
        return services.response_times(f, trend=form.trend.data or "week")
    if name == "backlog":
        return services.backlog(f)
    if name == "volume":
        return services.volume(f)
    if name == "phone":
        return services.phone(f)
    if name == "fcr":
        return services.first_contact_resolution(f)
    return services.staffing_plan(f, form.week.data or (f.end + timedelta(days=1)))


def errors_text(errors: dict) -> str:
    return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in errors.items())
