"""The customer zone's forms (CSRF from Flask-WTF through KontaktForm)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, MultipleFileField, PasswordField, RadioField, StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from helpdesk.intake.forms import check_attachments
from helpdesk.web.forms import KontaktForm

NOTIFY_LABELS = {
    "every": _l("Every reply from us, by e-mail"),
    "status": _l("Only when the status of a request changes"),
    "digest": _l("One daily digest"),
}


class LoginForm(KontaktForm):
    login = StringField(_l("Customer number or e-mail address"), validators=[
        DataRequired(_l("Give your customer number or e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password.")),
                                                         Length(max=200)])


class CodeForm(KontaktForm):
    code = StringField(_l("Code from the authenticator app, or a recovery code"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=20)])


class ForgotForm(KontaktForm):
    login = StringField(_l("Customer number or e-mail address"), validators=[
        DataRequired(_l("Give your customer number or e-mail address.")), Length(max=254)])


class RegisterForm(KontaktForm):
    email = EmailField(_l("E-mail address you wrote to us from"), validators=[
        DataRequired(_l("Please give your e-mail address.")),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False), Length(max=254)])


class NewPasswordForm(KontaktForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password.")),
                                                             Length(max=200)])
    confirm = PasswordField(_l("New password again"), validators=[
        EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Please give your password."))])


class ReplyForm(KontaktForm):
    text = TextAreaField(_l("Your reply"), validators=[DataRequired(_l("The message is empty.")),
                                                       Length(max=10000)])
    attachments = MultipleFileField(_l("Attachments: PDF, JPG or PNG (optional)"))
    submission_id = HiddenField()

    def validate_attachments(self, field):
        check_attachments(field)


class ActionForm(KontaktForm):
    """A button that changes something: only its CSRF token."""


class EmailForm(KontaktForm):
    email = EmailField(_l("New e-mail address"), validators=[
        DataRequired(_l("Please give your e-mail address.")),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False), Length(max=254)])


class PhoneForm(KontaktForm):
    number = StringField(_l("Phone number"), validators=[DataRequired(_l("Give a phone number.")),
                                                         Length(max=40)])


class NotifyForm(KontaktForm):
    notify = RadioField(_l("E-mails about my requests"), choices=list(NOTIFY_LABELS.items()))


class DisableTotpForm(KontaktForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password."))])
    code = StringField(_l("Code from the authenticator app"), validators=[DataRequired(_l("Enter the code."))])


class RequireTotpForm(KontaktForm):
    require_totp = BooleanField(_l("Require two-step verification from every customer"))


def _digits(form, field):
    if field.data and not "".join(field.data.split()).isdigit():
        raise ValidationError(_l("Enter the six digits the app shows."))


class ConfirmTotpForm(KontaktForm):
    code = StringField(_l("Code from the authenticator app"), validators=[DataRequired(_l("Enter the code.")),
                                                                         _digits])
