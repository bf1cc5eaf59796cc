"""iCalendar (RFC 5545) export of a calendar's closures and special days."""

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from schedules.calendar import Calendar

_CLOSED = {"pl": "zamknięte", "en": "closed"}
_MAX_OCTETS = 75


def export(calendar: Calendar, years: Iterable[int], language: str = "pl",
           stamp: datetime | None = None) -> str:
    """All-day events for the special days of `years`, as .ics text with CRLF line ends.

    Each event is named like "Boże Narodzenie: zamknięte" or "Niedziela handlowa:
    10:00-18:00", with the day's kind as its category. `stamp` (default now) is
    the DTSTAMP of every event.
    """
    if language not in _CLOSED:
        raise ValueError(f"unknown language {language!r}; use one of {sorted(_CLOSED)}")
    stamp = (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    uid_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in calendar.name) or "calendar"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kontakt//schedules//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(calendar.name)}",
        f"X-WR-TIMEZONE:{calendar.timezone}",
    ]
    for year in sorted(set(years)):
        for day in calendar.special_days(year, language):
            hours = ", ".join(str(i) for i in day.hours) or _CLOSED[language]
            lines += [
                "BEGIN:VEVENT",
                f"UID:{day.date:%Y%m%d}-{uid_name}@kontakt",
                f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
                f"DTSTART;VALUE=DATE:{day.date:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day.date + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_text(f'{day.name}: {hours}')}",
                f"CATEGORIES:{_text(str(day.kind))}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line to at most 75 octets per physical line, never inside a character."""
    parts, current, size = [], [], 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > _MAX_OCTETS:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n".join(parts)
