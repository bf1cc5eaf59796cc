"""Forms of the e-mail screens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from helpdesk.models.mail import IMAP_SECURITIES


class MailboxForm(FlaskForm):
    address = StringField(_l("Mailbox address"), validators=[DataRequired(), Length(max=254)])
    team = SelectField(_l("Default team"), choices=[])
    imap_host = StringField(_l("IMAP server"), validators=[DataRequired(), Length(max=255)])
    imap_port = IntegerField(_l("IMAP port"), default=993, validators=[NumberRange(1, 65535)])
    imap_security = SelectField(_l("Connection security"), choices=[(s, s) for s in IMAP_SECURITIES])
    imap_username = StringField(_l("IMAP username"), validators=[DataRequired(), Length(max=254)])
    imap_password = PasswordField(_l("IMAP password (leave empty to keep the stored one)"))
    imap_folder = StringField(_l("Folder"), default="INBOX", validators=[Length(max=200)])
    active = BooleanField(_l("Fetch this mailbox"), default=True)
