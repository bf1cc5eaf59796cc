"""Forms of the ticket page: reply or note, status, the ticket's fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
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
