"""The base of every form (Flask-WTF: validation and CSRF; messages in the page's language), and staff login."""
from __future__ import annotations

import functools

from babel import support
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired


def _without_nul(value):
    """PostgreSQL cannot store NUL characters in text; nobody types them on purpose."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class KontaktForm(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, and NUL characters dropped from input."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_without_nul, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)

        def get_translations(self, form):
            """WTForms' own messages in the page's language (Flask-WTF would read the
            catalogue from disk on every request)."""
            return _wtforms_translations(str(get_locale()))


@functools.cache
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class LoginForm(KontaktForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please give your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password."))])
