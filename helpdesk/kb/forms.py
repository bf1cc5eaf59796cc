"""Forms of the help pages: an editor's article, a reader's "was this helpful?" answer."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.web.forms import KontaktForm


class ArticleForm(KontaktForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("An article needs a title.")), Length(max=200)])
    keywords = StringField(_l("Keywords (comma-separated, help search)"), validators=[Optional(), Length(max=500)])
    category = SelectField(_l("Category"), choices=[], validate_choice=True)
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(_l("An article needs a text.")),
                                                            Length(max=50000)])


class VoteForm(KontaktForm):
    helpful = StringField()  # the button pressed: "yes" or "no"
    visit = HiddenField()  # the contact form's visit that opened the article, if any
