"""Administration of calendars: opening hours, shift patterns, holidays and dated exceptions."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, make_response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.web.auth import STAFF, roles_required
from helpdesk.models.types import utcnow
from helpdesk.calendars import services as service
from helpdesk.core import signals
from schedules import DayKind
from schedules.calendar import WEEKDAYS
from helpdesk.calendars.forms import (DAY_LABELS, NEW_CALENDAR_HOURS, ExceptionForm, NewCalendarForm,
                                      RemoveExceptionForm, WeeklyHoursForm, split_hours)
from schedules import CalendarError, ics

FIRST_YEAR = 2020  # trading Sundays exist by rule from 2020
KIND_LABELS = {
    DayKind.HOLIDAY: _l("public holiday"), DayKind.TRADING_SUNDAY: _l("trading Sunday"),
    DayKind.CLOSURE: _l("closure"), DayKind.CHANGED_HOURS: _l("changed hours"),
    DayKind.EXTRA_OPEN_DAY: _l("extra open day"),
}


bp = Blueprint("calendars", __name__)


@bp.route("/admin/calendars", methods=["GET", "POST"])
@roles_required("admin")
def calendars():
    form = NewCalendarForm(data=NEW_CALENDAR_HOURS)
    if form.validate_on_submit() and _apply(form, lambda: service.create_calendar(
            form.name.data, form.weekly(), actor=current_user)):
        flash(_l("Calendar %(name)s created.", name=form.name.data.strip()), "ok")
        return redirect(url_for("calendars.calendar", name=form.name.data.strip()))
    return render_template("admin/calendars/list.html", calendars=service.list_calendars(), form=form,
                           days=DAY_LABELS), (422 if form.errors else 200)


@bp.get("/admin/calendars/<name>")
@roles_required("admin")
def calendar(name: str):
    return _year_page(name, ExceptionForm())


@bp.post("/admin/calendars/<name>/exceptions")
@roles_required("admin")
def add_exception(name: str):
    """Add an exception; with "preview", first show how the SLA deadlines of open tickets would move."""
    form = ExceptionForm()
    if request.form.get("action") == "preview":
        if form.validate_on_submit():
            changed = []
            if _apply(form, lambda: changed.append(service.preview_exception(
                    name, title=form.title.data, start=form.start.data, end=form.end.data,
                    hours=form.hours_list()))):
                # What would move is the SLA area's to say: it answers the preview signal.
                answers = signals.calendar_preview.send(name, calendar=changed[0])
                return _year_page(name, form, impact=answers[0][1] if answers else None)
        return _year_page(name, form, status=422)
    if form.validate_on_submit() and _apply(form, lambda: service.add_exception(
            name, title=form.title.data, start=form.start.data, end=form.end.data, hours=form.hours_list(),
            actor=current_user)):
        flash(_l("Exception %(title)s added.", title=form.title.data.strip()), "ok")
        return redirect(url_for("calendars.calendar", name=name, year=form.start.data.year))
    return _year_page(name, form, status=422)


@bp.post("/admin/calendars/<name>/exceptions/remove")
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
        return redirect(url_for("calendars.calendar", name=name))
    if _apply(form, lambda: service.remove_exception(name, start, actor=current_user)):
        flash(_l("Exception removed."), "ok")
    else:
        for message in form.form_errors:
            flash(message, "error")
    return redirect(url_for("calendars.calendar", name=name, year=start.year))


@bp.route("/admin/calendars/<name>/hours", methods=["GET", "POST"])
@roles_required("admin")
def weekly_hours(name: str):
    row = _row_or_404(name)
    form = WeeklyHoursForm()
    if request.method == "GET":
        form.fill(row.data)
    elif form.validate_on_submit():
        trading = form.trading_sundays.data.strip()
        if _apply(form, lambda: service.set_weekly_hours(
                name, form.weekly(), trading_sundays=split_hours(trading) if trading else None,
                holidays_closed=form.holidays_closed.data, actor=current_user)):
            flash(_l("Weekly hours of %(name)s saved.", name=name), "ok")
            return redirect(url_for("calendars.calendar", name=name))
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


def _iso_date(text: str) -> date:
    return date.fromisoformat(text or "")


@bp.get("/calendars/<name>.ics")
def calendar_ics(name: str):
    """A calendar's special days as iCalendar: public calendars for everyone, shift calendars for staff."""
    if not (service.is_public(name) or getattr(current_user, "role", None) in STAFF):
        abort(404)
    try:
        calendar = service.get_calendar(name)
    except CalendarError:
        abort(404)
    this_year = utcnow().year
    year = request.args.get("year")
    if year is None:
        years = [this_year, this_year + 1]
    elif year.isdigit() and 2020 <= int(year) <= this_year + 10:
        years = [int(year)]
    else:
        return f"year must be a number from 2020 to {this_year + 10}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    response = make_response(ics.export(calendar, years, str(get_locale())))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response
