"""Forms of the ticket page: reply or note, status, the ticket's fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.web.forms import KontaktForm


class ReplyForm(KontaktForm):
    text = TextAreaField(_l("Message"), validators=[DataRequired(_l("The message is empty.")), Length(max=20000)])
    kind = SelectField(_l("Send as"), choices=[("reply", _l("Reply to customer")), ("note", _l("Internal note"))])


class StatusForm(KontaktForm):
    status = SelectField(_l("Status"), choices=[])


class TicketFieldsForm(KontaktForm):
    category = SelectField(_l("Category"), choices=[])
    priority = SelectField(_l("Priority"), choices=[])
    team = SelectField(_l("Team"), choices=[])
    assignee = SelectField(_l("Agent"), choices=[])


class BulkForm(KontaktForm):
    """An action on the tickets ticked in the queue (their ids come as the "ticket" fields)."""
    action = SelectField(_l("Action"), choices=[])
    agent = SelectField(_l("Agent"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    priority = SelectField(_l("Priority"), choices=[], validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=500)])


class SavedFilterForm(KontaktForm):
    name = StringField(_l("Filter name"), validators=[DataRequired(_l("Give the filter a name.")), Length(max=100)])
    params = HiddenField()
