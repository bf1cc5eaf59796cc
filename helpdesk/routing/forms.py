"""Forms of the routing screens: the rule set, teams, agents' routing data, presence and pinning."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from helpdesk.routing import services as routing_service

MODES = [("first", _l("First matching rule decides")), ("all", _l("All matching rules apply, in order"))]


class RulesForm(FlaskForm):
    mode = SelectField(_l("Evaluation mode"), choices=MODES)
    rules_json = TextAreaField(_l("Rule set (JSON)"), validators=[DataRequired(_l("The rule set is empty."))])


class ButtonForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class TeamForm(FlaskForm):
    slug = StringField(_l("Short name (letters, digits, hyphens)"), validators=[
        DataRequired(_l("Please give a short name.")), Length(max=64),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and hyphens."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)])


class RenameTeamForm(FlaskForm):
    team_id = HiddenField()
    name = StringField(_l("New name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)])


def _calendar_exists(form, field):
    if field.data:
        try:
            routing_service.agent_calendar(field.data.strip())
        except (LookupError, ValueError):
            raise ValidationError(_l("There is no calendar named %(name)s.", name=field.data))


def _languages(form, field):
    codes = [c.strip() for c in (field.data or "").split(",") if c.strip()]
    if not codes or not all(c.isalpha() and len(c) == 2 for c in codes):
        raise ValidationError(_l("List two-letter language codes separated by commas, e.g. pl, en."))


class AgentRoutingForm(FlaskForm):
    teams = SelectMultipleField(_l("Teams"), choices=[])
    skills = SelectMultipleField(_l("Skills (categories)"), choices=[])
    languages = StringField(_l("Languages"), validators=[_languages])
    capacity_email = IntegerField(_l("Open e-mail tickets at most"), validators=[InputRequired(), NumberRange(0, 200)])
    capacity_webform = IntegerField(_l("Open web-form tickets at most"),
                                    validators=[InputRequired(), NumberRange(0, 200)])
    capacity_phone = IntegerField(_l("Open phone tickets at most"), validators=[InputRequired(), NumberRange(0, 200)])
    shift_calendar = StringField(_l("Shift calendar (empty: always on shift)"),
                                 validators=[Optional(), Length(max=64), _calendar_exists])


class PresenceForm(FlaskForm):
    presence = SelectField(_l("Presence"), choices=[])
    next = HiddenField()


class PinForm(FlaskForm):
    agent = SelectField(_l("Pin to agent"), choices=[])
