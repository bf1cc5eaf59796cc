"""Forms of the ticket page: reply, internal note, status, the ticket's fields, merge, split;
canned responses for team leads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from helpdesk.web.forms import KontaktForm

_EMPTY = _l("The message is empty.")


class ReplyForm(KontaktForm):
    """A public reply: it goes to the customer."""
    text = TextAreaField(_l("Message to the customer"), validators=[DataRequired(_EMPTY), Length(max=20000)])


class NoteForm(KontaktForm):
    """An internal note: staff only; @handle notifies a colleague."""
    text = TextAreaField(_l("Internal note (the customer does not see it)"),
                         validators=[DataRequired(_EMPTY), Length(max=20000)])


class VersionedForm(KontaktForm):
    """A change of the ticket, made against the version of the ticket the page showed."""
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class StatusForm(VersionedForm):
    status = SelectField(_l("Status"), choices=[])


class TicketFieldsForm(VersionedForm):
    category = SelectField(_l("Category"), choices=[])
    priority = SelectField(_l("Priority"), choices=[])
    team = SelectField(_l("Team"), choices=[])
    assignee = SelectField(_l("Agent"), choices=[])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Length(max=500)])


class MergeForm(VersionedForm):
    target = StringField(_l("Merge into ticket number"),
                         validators=[DataRequired(_l("Give the number of the ticket to merge into.")),
                                     Length(max=20)])


class SplitForm(KontaktForm):
    message_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class CannedResponseForm(KontaktForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give a title.")), Length(max=200)])
    language = SelectField(_l("Language"), choices=[("pl", _l("Polish")), ("en", _l("English"))])
    body = TextAreaField(_l("Text"), validators=[DataRequired(_EMPTY), Length(max=20000)])
    active = BooleanField(_l("In use"), default=True)


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
