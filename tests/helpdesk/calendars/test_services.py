"""Calendars in the database: shipped ones seeded, round-trips, the per-version cache, audit and signals."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

import schedules
from helpdesk.core import signals
from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry
from helpdesk.models.calendars import StoredCalendar
from helpdesk.admin.services import ensure_reference_data
from helpdesk.calendars import services as service
from schedules import CalendarError, Interval

WARSAW = ZoneInfo("Europe/Warsaw")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


@pytest.mark.both_databases
def test_shipped_calendars_are_seeded_once_and_load_as_shipped(app):
    rows = {c.name: c for c in service.list_calendars()}
    assert set(rows) == set(schedules.BUILTIN)
    assert rows["contact-centre"].public and rows["working-days"].public
    assert ensure_reference_data() is False
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredCalendar)) == len(schedules.BUILTIN)
    for name in schedules.BUILTIN:
        assert service.get_calendar(name).to_dict() == schedules.builtin(name).to_dict()


@pytest.mark.both_databases
def test_a_shift_calendar_round_trips_through_the_database(app, make_staff):
    admin = make_staff(role="admin")
    service.create_calendar("zmiana-ranna", {day: ["08:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
                            actor=admin)
    db.session.expire_all()
    calendar = service.get_calendar("zmiana-ranna")
    assert calendar.hours_on(date(2026, 3, 10)) == (Interval(8 * 60, 16 * 60),)
    assert calendar.hours_on(date(2026, 3, 14)) == ()
    assert calendar.hours_on(date(2026, 5, 1)) == ()  # Labour Day: shifts follow public holidays
    assert schedules.Calendar.from_dict(calendar.to_dict()).to_dict() == calendar.to_dict()
    assert not service.is_public("zmiana-ranna")


def test_missing_shipped_calendar_falls_back_to_builtin_and_unknown_name_fails(app):
    db.session.execute(db.delete(StoredCalendar).where(StoredCalendar.name == "working-days"))
    db.session.commit()
    assert service.get_calendar("working-days") is schedules.builtin("working-days")
    with pytest.raises(CalendarError, match="unknown calendar"):
        service.get_calendar("no-such-calendar")


def test_cache_serves_one_compiled_calendar_until_an_exception_changes_it(app, make_staff):
    admin = make_staff(role="admin")
    tuesday = at(2026, 3, 10, 10, 0)
    first = service.get_calendar("contact-centre")
    assert service.get_calendar("contact-centre") is first
    assert first.is_open(tuesday)

    service.add_exception("contact-centre", title="Inwentaryzacja", start=date(2026, 3, 10), actor=admin)
    changed = service.get_calendar("contact-centre")
    assert changed is not first
    assert not changed.is_open(tuesday)
    assert changed.is_open(at(2026, 3, 11, 10, 0))

    service.remove_exception("contact-centre", date(2026, 3, 10), actor=admin)
    assert service.get_calendar("contact-centre").is_open(tuesday)


def test_each_change_is_audited_with_its_author(app, make_staff):
    admin = make_staff(role="admin")
    service.add_exception("contact-centre", title="Dzień firmy", start=date(2026, 6, 5),
                          hours=["08:00-12:00"], actor=admin)
    service.set_weekly_hours("contact-centre", {"mon": ["09:00-17:00"]}, trading_sundays=None,
                             holidays_closed=True, actor=admin)
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.entity, e.entity_id, e.action, e.actor_user_id) for e in entries] == [
        ("calendar", "contact-centre", "add-exception", admin.id),
        ("calendar", "contact-centre", "set-hours", admin.id),
    ]
    assert entries[0].data["exception"]["hours"] == ["08:00-12:00"]
    assert entries[1].data["before"]["trading_sundays"] == ["10:00-18:00"]
    assert entries[1].data["after"]["hours"]["mon"] == ["09:00-17:00"]
    assert "trading_sundays" not in service.find("contact-centre").data


def test_calendar_changed_is_sent_after_the_change_is_committed(app, make_staff):
    admin = make_staff(role="admin")
    seen = []

    def receiver(name):
        # Another connection sees only committed data.
        with db.engine.connect() as other:
            stored = other.execute(text("SELECT data FROM calendars WHERE name = :n"), {"n": name}).scalar_one()
        seen.append((name, "Wigilia firmowa" in str(stored)))

    signals.calendar_changed.connect(receiver)
    try:
        service.add_exception("contact-centre", title="Wigilia firmowa", start=date(2026, 12, 23), actor=admin)
    finally:
        signals.calendar_changed.disconnect(receiver)
    assert seen == [("contact-centre", True)]


@pytest.mark.parametrize("change, message", [
    (dict(title="Remont", start=date(2026, 3, 5), end=date(2026, 3, 1)),
     "Ostatni dzień (2026-03-01) jest wcześniejszy niż pierwszy dzień (2026-03-05)."),
    (dict(title="Remont", start=date(2026, 3, 5), hours=["16:00-08:00"]),
     "Godziny 16:00-08:00 muszą kończyć się później, niż się zaczynają, w granicach 00:00-24:00."),
    (dict(title="Remont", start=date(2026, 3, 5), hours=["8-12"]),
     "Wpisz godziny w postaci GG:MM-GG:MM, np. 08:00-16:00 (wpisano „8-12”)."),
    (dict(title="Remont", start=date(2026, 3, 5), hours=["08:00-12:00", "11:00-14:00"]),
     "Godziny 08:00-12:00 i 11:00-14:00 nakładają się."),
    (dict(title="  ", start=date(2026, 3, 5)), "Nadaj wyjątkowi nazwę, np. Inwentaryzacja."),
    (dict(title="Remont", start=date(2026, 3, 1), end=date(2026, 3, 3)),
     "Te dni nakładają się na wyjątek Inwentaryzacja (2026-03-02 – 2026-03-03)."),
])
def test_bad_exceptions_are_refused_in_polish_and_change_nothing(app, change, message):
    service.add_exception("contact-centre", title="Inwentaryzacja", start=date(2026, 3, 2), end=date(2026, 3, 3),
                          actor=None)
    before = (service.find("contact-centre").version, service.find("contact-centre").data)
    with pytest.raises(service.CalendarChangeError) as refused:
        service.add_exception("contact-centre", actor=None, **change)
    assert str(refused.value) == message
    db.session.rollback()
    db.session.expire_all()
    assert (service.find("contact-centre").version, service.find("contact-centre").data) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 1
