"""Forms of the calendar screens: exceptions and weekly hours."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from schedules.calendar import WEEKDAYS

DAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
              "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
HOURS_HELP = _l("Like 08:00-16:00; several intervals separated by commas; empty means closed.")


def split_hours(text: str | None) -> list[str]:
    """ "08:00 - 12:00, 13:00–16:00" -> ["08:00-12:00", "13:00-16:00"]."""
    pieces = re.split(r"[,;]", (text or "").replace("–", "-").replace("—", "-"))
    return [p.replace(" ", "") for p in pieces if p.strip()]


class ExceptionForm(FlaskForm):
    title = StringField(_l("Name"), validators=[DataRequired(_l("Give the exception a name, e.g. Stocktaking.")),
                                                Length(max=100)])
    start = DateField(_l("First day"), validators=[DataRequired(_l("Give the first day as a date, e.g. 2026-03-02."))])
    end = DateField(_l("Last day (optional)"), validators=[Optional()])
    mode = RadioField(_l("On these days"), default="closed", choices=[
        ("closed", _l("Closed (extra closure)")),
        ("open", _l("Open with these hours (changed hours or an extra open day)"))])
    hours = StringField(_l("Hours"), description=HOURS_HELP)

    def hours_list(self) -> list[str]:
        return split_hours(self.hours.data) if self.mode.data == "open" else []


class RemoveExceptionForm(FlaskForm):
    start = HiddenField()


class _WeekForm(FlaskForm):
    mon = StringField(DAY_LABELS["mon"])
    tue = StringField(DAY_LABELS["tue"])
    wed = StringField(DAY_LABELS["wed"])
    thu = StringField(DAY_LABELS["thu"])
    fri = StringField(DAY_LABELS["fri"])
    sat = StringField(DAY_LABELS["sat"])
    sun = StringField(DAY_LABELS["sun"])

    def weekly(self) -> dict[str, list[str]]:
        return {day: split_hours(self[day].data) for day in WEEKDAYS}


class WeeklyHoursForm(_WeekForm):
    trading_sundays = StringField(_l("Trading Sundays"), description=_l(
        "Hours on trading Sundays instead of the Sunday hours; empty: no trading-Sunday rule."))
    holidays_closed = BooleanField(_l("Closed on public holidays"))

    def fill(self, data: dict) -> None:
        for day in WEEKDAYS:
            self[day].data = ", ".join(data["hours"].get(day, []))
        trading = data.get("trading_sundays")
        self.trading_sundays.data = "" if trading is None else ", ".join(trading)
        self.holidays_closed.data = data.get("holidays_closed", True)


class NewCalendarForm(_WeekForm):
    name = StringField(_l("Name"), description=_l("Lower-case letters, digits and hyphens, e.g. zmiana-ranna."))


# A new calendar starts as a Monday-Friday morning shift.
NEW_CALENDAR_HOURS = {day: "08:00-16:00" for day in WEEKDAYS[:5]}
