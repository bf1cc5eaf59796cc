"""What customers see: the iCalendar export and the opening hours on the contact page."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import flask_babel
import pytest
from flask import render_template

from helpdesk.calendars.opening_hours import opening_hours
from helpdesk.calendars import services as service
from helpdesk.models.types import utcnow
from schedules import DayKind, poland
from tests.conftest import login

WARSAW = ZoneInfo("Europe/Warsaw")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


@contextmanager
def page_in(app, language: str):
    """A request for the contact page in this language (the locale is cached per app context)."""
    with app.test_request_context(f"/contact?lang={language}"):
        flask_babel.refresh()
        yield


def unfolded_lines(body: str) -> list[str]:
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    return body.replace("\r\n ", "").split("\r\n")[:-1]


def test_contact_centre_ics_lists_the_years_special_days(client):
    response = client.get("/calendars/contact-centre.ics?year=2026")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    lines = unfolded_lines(response.get_data(as_text=True))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    starts = [line.split(":", 1)[1] for line in lines if line.startswith("DTSTART;VALUE=DATE:")]
    expected = service.get_calendar("contact-centre").special_days(2026)
    assert starts == [d.date.strftime("%Y%m%d") for d in expected]
    sunday = poland.trading_sundays(2026)[0].strftime("%Y%m%d")
    event = lines[lines.index(f"DTSTART;VALUE=DATE:{sunday}") + 2]
    assert event == "SUMMARY:Niedziela handlowa: 10:00-18:00"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(expected)


def test_ics_defaults_to_this_year_and_the_next_and_follows_the_language(client):
    body = client.get("/calendars/contact-centre.ics?lang=en").get_data(as_text=True)
    year = utcnow().year
    for y in (year, year + 1):
        assert f"DTSTART;VALUE=DATE:{poland.trading_sundays(y)[-1]:%Y%m%d}" in body
    assert f"DTSTART;VALUE=DATE:{year + 2}" not in body
    assert "SUMMARY:Trading Sunday: 10:00-18:00" in body


def test_ics_shows_an_added_exception(client, make_staff):
    service.add_exception("contact-centre", title="Inwentaryzacja", start=date(2026, 3, 2),
                          actor=make_staff(role="admin"))
    lines = unfolded_lines(client.get("/calendars/contact-centre.ics?year=2026").get_data(as_text=True))
    assert lines[lines.index("DTSTART;VALUE=DATE:20260302") + 2] == "SUMMARY:Inwentaryzacja: zamknięte"


def test_shift_calendars_are_for_staff_only(client, make_staff):
    service.create_calendar("zmiana-ranna", {"mon": ["08:00-16:00"]}, actor=None)
    assert client.get("/calendars/zmiana-ranna.ics").status_code == 404
    assert client.get("/calendars/no-such-calendar.ics").status_code == 404
    agent = make_staff()
    login(client, agent.email)
    response = client.get("/calendars/zmiana-ranna.ics?year=2026")
    assert response.status_code == 200 and "X-WR-CALNAME:zmiana-ranna" in response.get_data(as_text=True)
    assert client.get("/calendars/no-such-calendar.ics").status_code == 404


@pytest.mark.parametrize("year", ["1999", "abc", "99999"])
def test_a_bad_year_is_refused_with_the_reason(client, year):
    response = client.get(f"/calendars/contact-centre.ics?year={year}")
    assert response.status_code == 400 and "year must be a number from 2020" in response.get_data(as_text=True)


def test_tuesday_morning_is_open_until_ten_in_the_evening(app):
    hours = opening_hours(service.get_calendar("contact-centre"), at(2026, 3, 10, 10, 0))
    assert hours.open_until == at(2026, 3, 10, 22, 0) and hours.next_open is None
    with page_in(app, "pl"):
        assert hours.headline() == "Infolinia jest teraz czynna do 22:00."
        assert hours.weekly_rows() == [("Poniedziałek–piątek", "08:00–22:00"), ("Sobota", "08:00–20:00"),
                                       ("Niedziela", "nieczynne"), ("Niedziele handlowe", "10:00–18:00"),
                                       ("Święta", "nieczynne")]
    with page_in(app, "en"):
        assert hours.headline() == "The helpline is open now until 22:00."
        assert hours.weekly_rows()[0] == ("Monday–Friday", "08:00–22:00")


def test_saturday_evening_invites_for_monday_morning(app):
    hours = opening_hours(service.get_calendar("contact-centre"), at(2026, 3, 14, 21, 0))
    assert hours.open_until is None and hours.next_open == at(2026, 3, 16, 8, 0)
    with page_in(app, "pl"):
        assert hours.headline() == "Zapraszamy od poniedziałku 8:00."
    with page_in(app, "en"):
        assert hours.headline() == "We welcome you from Monday 8:00."


def test_the_day_before_a_trading_sunday_invites_for_tomorrow(app):
    sunday = poland.trading_sundays(2026)[0]
    saturday_evening = at(sunday.year, sunday.month, sunday.day - 1, 20, 30)
    hours = opening_hours(service.get_calendar("contact-centre"), saturday_evening)
    assert hours.next_open == at(sunday.year, sunday.month, sunday.day, 10, 0)
    assert hours.next_trading_sunday == sunday
    with page_in(app, "pl"):
        assert hours.headline() == "Zapraszamy jutro od 10:00."
        assert hours.trading_sunday_text() == f"Najbliższa niedziela handlowa: niedziela, {sunday.day} stycznia, 10:00–18:00."


def test_next_trading_sunday_skips_one_closed_by_an_exception_and_rolls_into_next_year(app, make_staff):
    last = poland.trading_sundays(2026)[-1]
    evening = at(last.year, last.month, last.day - 1, 21, 0)
    assert opening_hours(service.get_calendar("contact-centre"), evening).next_trading_sunday == last
    service.add_exception("contact-centre", title="Zamknięte", start=last, actor=make_staff(role="admin"))
    calendar = service.get_calendar("contact-centre")
    hours = opening_hours(calendar, evening)
    first_2027 = next(d.date for d in calendar.special_days(2027) if d.kind == DayKind.TRADING_SUNDAY)
    assert hours.next_trading_sunday == first_2027 and first_2027.year == 2027
    assert hours.next_open == at(2026, 12, 21, 8, 0)


def test_fragment_shows_both_phone_numbers_and_the_hours(app):
    hours = opening_hours(service.get_calendar("contact-centre"), at(2026, 3, 14, 21, 0))
    with page_in(app, "pl"):
        html = render_template("public/_opening_hours.html", opening_hours=hours)
    assert '<a href="tel:+48660600700">660 600 700</a>' in html
    assert '<a href="tel:+48222062121">22 206 21 21</a>' in html
    assert 'class="status is-closed">Zapraszamy od poniedziałku 8:00.</p>' in html
    assert re.search(r'<th scope="row">Niedziele handlowe</th><td>10:00–18:00</td>', html)


def test_contact_page_shows_the_opening_hours_now(client):
    page = client.get("/contact").get_data(as_text=True)
    calendar = service.get_calendar("contact-centre")
    expected = "is-open" if calendar.is_open(utcnow()) else "is-closed"
    assert f'class="status {expected}"' in page
    assert "660 600 700" in page and "22 206 21 21" in page and "Poniedziałek–piątek" in page
    english = client.get("/contact?lang=en").get_data(as_text=True)
    assert "Opening hours (Polish time)" in english and "Trading Sundays" in english
