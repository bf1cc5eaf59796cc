"""The report filters: period, team, channel, category, agent (and each report's own choice)."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from helpdesk.web.forms import KontaktForm
from helpdesk.reports.filters import MAX_PERIOD_DAYS


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
