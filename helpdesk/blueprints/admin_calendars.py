"""Administration of calendars: opening hours, shift patterns, holidays and dated exceptions."""
from __future__ import annotations

import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.auth import roles_required
from helpdesk.blueprints.admin import bp
from helpdesk.models.types import utcnow
from helpdesk.services import calendars as service
from helpdesk.sla import recalc
from schedules import DayKind
from schedules.calendar import WEEKDAYS

FIRST_YEAR = 2020  # trading Sundays exist by rule from 2020
KIND_LABELS = {
    DayKind.HOLIDAY: _l("public holiday"), DayKind.TRADING_SUNDAY: _l("trading Sunday"),
    DayKind.CLOSURE: _l("closure"), DayKind.CHANGED_HOURS: _l("changed hours"),
    DayKind.EXTRA_OPEN_DAY: _l("extra open day"),
}
DAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
              "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
HOURS_HELP = _l("Like 08:00-16:00; several intervals separated by commas; empty means closed.")


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
        return _split_hours(self.hours.data) if self.mode.data == "open" else []


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
        return {day: _split_hours(self[day].data) for day in WEEKDAYS}


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


@bp.route("/calendars", methods=["GET", "POST"])
@roles_required("admin")
def calendars():
    form = NewCalendarForm(data=NEW_CALENDAR_HOURS)
    if form.validate_on_submit() and _apply(form, lambda: service.create_calendar(
            form.name.data, form.weekly(), actor=current_user)):
        flash(_l("Calendar %(name)s created.", name=form.name.data.strip()), "ok")
        return redirect(url_for("admin.calendar", name=form.name.data.strip()))
    return render_template("admin/calendars/list.html", calendars=service.list_calendars(), form=form,
                           days=DAY_LABELS), (422 if form.errors else 200)


@bp.get("/calendars/<name>")
@roles_required("admin")
def calendar(name: str):
    return _year_page(name, ExceptionForm())


@bp.post("/calendars/<name>/exceptions")
@roles_required("admin")
def add_exception(name: str):
    """Add an exception; with "preview", first show how the SLA deadlines of open tickets would move."""
    form = ExceptionForm()
    if request.form.get("action") == "preview":
        if form.validate_on_submit():
            impact = []
            if _apply(form, lambda: impact.append(recalc.plan(utcnow(), calendars={name: service.preview_exception(
                    name, title=form.title.data, start=form.start.data, end=form.end.data,
                    hours=form.hours_list())}))):
                return _year_page(name, form, impact=impact[0])
        return _year_page(name, form, status=422)
    if form.validate_on_submit() and _apply(form, lambda: service.add_exception(
            name, title=form.title.data, start=form.start.data, end=form.end.data, hours=form.hours_list(),
            actor=current_user)):
        flash(_l("Exception %(title)s added.", title=form.title.data.strip()), "ok")
        return redirect(url_for("admin.calendar", name=name, year=form.start.data.year))
    return _year_page(name, form, status=422)


@bp.post("/calendars/<name>/exceptions/remove")
@roles_required("admin")
def remove_exception(name: str):
    _row_or_404(name)
    form = RemoveExceptionForm()
    try:
        start = _iso_date(form.start.data) if form.validate_on_submit() else None
    except ValueError:
        start = None
    if start is None:
        flash(_l("The exception to remove was not given correctly; please try again."), "error")
        return redirect(url_for("admin.calendar", name=name))
    if _apply(form, lambda: service.remove_exception(name, start, actor=current_user)):
        flash(_l("Exception removed."), "ok")
    else:
        for message in form.form_errors:
            flash(message, "error")
    return redirect(url_for("admin.calendar", name=name, year=start.year))


@bp.route("/calendars/<name>/hours", methods=["GET", "POST"])
@roles_required("admin")
def weekly_hours(name: str):
    row = _row_or_404(name)
    form = WeeklyHoursForm()
    if request.method == "GET":
        form.fill(row.data)
    elif form.validate_on_submit():
        trading = form.trading_sundays.data.strip()
        if _apply(form, lambda: service.set_weekly_hours(
                name, form.weekly(), trading_sundays=_split_hours(trading) if trading else None,
                holidays_closed=form.holidays_closed.data, actor=current_user)):
            flash(_l("Weekly hours of %(name)s saved.", name=name), "ok")
            return redirect(url_for("admin.calendar", name=name))
    return render_template("admin/calendars/hours.html", row=row, form=form, days=WEEKDAYS), (
        422 if form.errors else 200)


def _year_page(name: str, form: ExceptionForm, status: int = 200, impact=None):
    row = _row_or_404(name)
    this_year = utcnow().year
    year = request.args.get("year", this_year, type=int)
    if not FIRST_YEAR <= year <= this_year + 10:
        flash(_l("Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=this_year + 10), "error")
        year = this_year
    calendar = service.get_calendar(name)
    days = calendar.special_days(year, str(get_locale()))
    return render_template(
        "admin/calendars/year.html", row=row, calendar=calendar, year=year, days=days, form=form,
        remove_form=RemoveExceptionForm(), kinds=KIND_LABELS, weekday=lambda d: format_date(d, "EEEE"),
        day_labels=DAY_LABELS, weekdays=WEEKDAYS, impact=impact, years=range(max(FIRST_YEAR, year - 2), min(this_year + 10, year + 2) + 1),
    ), status


def _apply(form: FlaskForm, change) -> bool:
    """Run a service change; a refusal becomes an error on the form field it names (or the form)."""
    try:
        change()
    except service.CalendarChangeError as error:
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, str(error)]
        else:
            form.form_errors.append(str(error))
        return False
    return True


def _row_or_404(name: str):
    row = service.find(name)
    if row is None:
        abort(404)
    return row


def _split_hours(text: str | None) -> list[str]:
    """ "08:00 - 12:00, 13:00–16:00" -> ["08:00-12:00", "13:00-16:00"]."""
    pieces = re.split(r"[,;]", (text or "").replace("–", "-").replace("—", "-"))
    return [p.replace(" ", "") for p in pieces if p.strip()]


def _iso_date(text: str) -> date:
    return date.fromisoformat(text or "")
