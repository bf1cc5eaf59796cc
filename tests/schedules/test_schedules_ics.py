from datetime import datetime, timezone

import pytest

import schedules
from schedules import Calendar, ics

STAMP = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def unfold(text):
    return text.replace("\r\n ", "").split("\r\n")


def events(text):
    found, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def test_export_is_rfc5545_shaped():
    text = ics.export(schedules.builtin("contact-centre"), [2025, 2026], stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(0 < len(line.encode("utf-8")) <= 75 for line in physical)
    lines = unfold(text)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") > 0
    for event in events(text):
        assert {"UID", "DTSTAMP", "DTSTART;VALUE=DATE", "DTEND;VALUE=DATE", "SUMMARY"} <= set(event)
        assert event["DTSTAMP"] == "20260102T030405Z"
    uids = [e["UID"] for e in events(text)]
    assert len(uids) == len(set(uids))


def test_export_lists_the_special_days():
    calendar = schedules.builtin("contact-centre")
    found = events(ics.export(calendar, [2025], stamp=STAMP))
    assert len(found) == len(calendar.special_days(2025))
    by_day = {e["DTSTART;VALUE=DATE"]: e for e in found}
    assert by_day["20251224"]["SUMMARY"] == "Wigilia Bożego Narodzenia: zamknięte"
    assert by_day["20251224"]["DTEND;VALUE=DATE"] == "20251225"
    assert by_day["20251221"]["SUMMARY"] == "Niedziela handlowa: 10:00-18:00"
    assert by_day["20251221"]["CATEGORIES"] == "trading Sunday"
    english = events(ics.export(calendar, [2025], language="en", stamp=STAMP))
    assert {e["DTSTART;VALUE=DATE"]: e for e in english}["20251224"]["SUMMARY"] == "Christmas Eve: closed"


def test_names_are_escaped_and_long_lines_folded():
    name = "Inwentaryzacja, etap 1; magazyn \\ biuro — " + "bardzo długa nazwa " * 5
    calendar = Calendar.from_dict({**schedules.BUILTIN["working-days"], "exceptions": [
        {"name": name, "start": "2025-03-03", "hours": []}]})
    text = ics.export(calendar, [2025], stamp=STAMP)
    (event,) = [e for e in events(text) if e["DTSTART;VALUE=DATE"] == "20250303"]
    escaped = name.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert event["SUMMARY"] == escaped + ": zamknięte"
    assert any(line.startswith(" ") for line in text.split("\r\n"))


def test_a_calendar_without_special_days_exports_no_events():
    shift = Calendar.from_dict({"name": "shift", "holidays_closed": False,
                                "hours": {"mon": ["08:00-16:00"]}})
    text = ics.export(shift, [2025], stamp=STAMP)
    assert "BEGIN:VEVENT" not in text and text.endswith("END:VCALENDAR\r\n")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        ics.export(schedules.builtin("working-days"), [2025], language="de")


def test_dates_come_from_the_calendar_year():
    found = events(ics.export(schedules.builtin("working-days"), range(2024, 2026), stamp=STAMP))
    assert {e["DTSTART;VALUE=DATE"][:4] for e in found} == {"2024", "2025"}
