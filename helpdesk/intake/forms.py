"""The public contact form."""
from __future__ import annotations


from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (EmailField, HiddenField, MultipleFileField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from channels.identity import normalise_phone, valid_pesel
from channels.webform import attachment_problem
from helpdesk.web.forms import KontaktForm

MAX_FILES = 5


def _phone(form, field):
    if field.data and normalise_phone(field.data) is None:
        raise ValidationError(_l("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))


def _pesel(form, field):
    if field.data and not valid_pesel(field.data.strip()):
        raise ValidationError(_l("This PESEL is not valid: it must have 11 digits and a correct check digit."))


class ContactForm(KontaktForm):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Please give your name.")), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Please give your e-mail address.")),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False), Length(max=254)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), _phone])
    category = SelectField(_l("What is it about?"), validators=[DataRequired(_l("Please choose a category."))],
                           validate_choice=True)
    subject = StringField(_l("Subject"), validators=[
        DataRequired(_l("Please give a subject.")), Length(min=3, max=200, message=_l(
            "The subject must be between %(min)d and %(max)d characters long."))])
    description = TextAreaField(_l("Describe your request"), validators=[
        DataRequired(_l("Please describe your request.")), Length(min=10, max=10000, message=_l(
            "The description must be between %(min)d and %(max)d characters long."))])
    pesel = StringField(_l("PESEL (optional)"), validators=[Optional(), _pesel])
    loan_number = StringField(_l("Loan or contract number (optional)"), validators=[Optional(), Length(max=40)])
    attachments = MultipleFileField(_l("Attachments: PDF, JPG or PNG screenshots (optional)"))
    submission_id = HiddenField()
    started = HiddenField()  # signed time the form was first shown (contact_guard.filled_too_fast)
    suggestions_shown = HiddenField()  # "1" once help articles were offered (typing, or the step before sending)
    website = StringField(_l("Leave this field empty"))  # the honeypot: hidden from people, filled by bots

    def validate_attachments(self, field):
        files = [f for f in (field.data or []) if getattr(f, "filename", "")]
        if len(files) > MAX_FILES:
            raise ValidationError(_l("You can attach at most %(count)d files.", count=MAX_FILES))
        limit = current_app.config["MAX_ATTACHMENT_BYTES"]
        for upload in files:
            content = upload.read()
            upload.seek(0)
            problem = attachment_problem(upload.filename, content, limit)
            if problem == "too-large":
                raise ValidationError(_l("The file %(name)s is larger than %(mb)d MB.", name=upload.filename,
                                         mb=limit // (1024 * 1024)))
            if problem == "bad-type":
                raise ValidationError(_l("The file %(name)s is not a PDF, JPG or PNG.", name=upload.filename))
