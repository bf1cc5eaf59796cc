"""Forms of the phone channel (Flask-WTF: CSRF and validation, messages translated)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from channels.identity import normalise_phone
from helpdesk.web.forms import KontaktForm
from helpdesk.models.phone import ATTEMPT_OUTCOMES
from helpdesk.phone.labels import ATTEMPT_LABELS


def _phone(form, field):
    if field.data and normalise_phone(field.data) is None:
        raise ValidationError(_l("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))


class LogCallForm(KontaktForm):
    """Put a call on a ticket: one of the caller's open tickets, or a new one."""

    ticket = SelectField(_l("Ticket"), choices=[], validate_choice=True)
    category = SelectField(_l("Category"), choices=[])
    notes = TextAreaField(_l("Notes from the call"), validators=[Length(max=10000)])


class ManualCallForm(KontaktForm):
    number = StringField(_l("Customer's phone number"), validators=[DataRequired(), Length(max=40), _phone])
    direction = SelectField(_l("Direction"), choices=[("in", _l("inbound")), ("out", _l("outbound"))])
    started_at = DateTimeLocalField(_l("Started (local time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    talk_minutes = IntegerField(_l("Length in minutes"), default=1, validators=[InputRequired(), NumberRange(0, 600)])
    ticket = StringField(_l("Existing ticket number (empty: a new ticket)"), validators=[Optional(), Length(max=20)])
    category = SelectField(_l("Category"), choices=[])
    notes = TextAreaField(_l("Notes from the call"), validators=[DataRequired(), Length(max=10000)])


class AttemptForm(KontaktForm):
    outcome = SelectField(_l("Outcome of the callback"), choices=[(o, ATTEMPT_LABELS[o]) for o in ATTEMPT_OUTCOMES])
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class CallFilterForm(KontaktForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    line = SelectField(_l("Line"), choices=[], default="")
    outcome = SelectField(_l("Outcome"), choices=[], default="")
    direction = SelectField(_l("Direction"), choices=[("", "—"), ("in", _l("inbound")), ("out", _l("outbound"))],
                            default="")
    number = StringField(_l("Caller"), validators=[Optional(), Length(max=40), _phone])


class LineForm(KontaktForm):
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=40), _phone])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    team = SelectField(_l("Team"), choices=[])
    calendar_name = SelectField(_l("Calendar"), choices=[])
    short_abandon_seconds = IntegerField(_l("Short abandon under (seconds)"), default=10,
                                         validators=[InputRequired(), NumberRange(0, 600)])
    out_of_hours_callbacks = BooleanField(_l("Out-of-hours calls open callbacks"), default=True)
    click_to_dial_url = StringField(_l("Click-to-dial URL ({number}, {extension}; empty: tel: link)"),
                                    validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("Active"), default=True)


class PbxForm(KontaktForm):
    name = StringField(_l("PBX name"), validators=[DataRequired(), Length(max=100)])
    require_signature = BooleanField(_l("Require a signature on every event"))


class PbxSettingsForm(KontaktForm):
    require_signature = BooleanField(_l("Require a signature on every event"))
    active = BooleanField(_l("Active"), default=True)


class BlockForm(KontaktForm):
    number = StringField(_l("Number to block"), validators=[DataRequired(), Length(max=40), _phone])
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class AgentPhoneForm(KontaktForm):
    agent = SelectField(_l("Agent"), choices=[])
    extension = StringField(_l("Extension"), validators=[Length(max=32)])
    number = StringField(_l("Phone number"), validators=[Optional(), Length(max=40), _phone])
