"""Calendar administration through the real forms (with CSRF), for administrators only."""
from __future__ import annotations

import re
from datetime import date

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry
from helpdesk.calendars import services as service
from schedules import poland
from tests.conftest import csrf_token_from, login


@pytest.fixture
def admin_client(client, make_staff):
    make_staff("root@kontakt.test", role="admin")
    login(client, "root@kontakt.test")
    return client


def add_exception(client, **fields):
    page = client.get("/admin/calendars/contact-centre?year=2026").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "title": "Inwentaryzacja", "start": "2026-03-02", "end": "",
            "mode": "closed", "hours": ""}
    data.update(fields)
    return client.post("/admin/calendars/contact-centre/exceptions", data=data)


def test_year_view_lists_holidays_trading_sundays_and_exceptions(admin_client):
    sent = add_exception(admin_client, title="Dzień firmy", start="2026-06-05", mode="open", hours="08:00 – 12:00")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/admin/calendars/contact-centre?year=2026")
    page = admin_client.get("/admin/calendars/contact-centre?year=2026").get_data(as_text=True)
    for sunday in poland.trading_sundays(2026):
        assert re.search(rf"<td>{sunday.isoformat()}</td><td>niedziela</td><td>niedziela handlowa</td>", page)
    assert re.search(r"<td>2026-11-11</td><td>środa</td><td>święto</td>\s*<td>Narodowe Święto Niepodległości</td>"
                     r"<td>nieczynne</td>", page)
    assert re.search(r"<td>2026-06-05</td><td>piątek</td><td>zmienione godziny</td>\s*<td>Dzień firmy</td>"
                     r"<td>08:00-12:00</td>", page)
    other_year = admin_client.get("/admin/calendars/contact-centre?year=2027").get_data(as_text=True)
    assert poland.trading_sundays(2027)[0].isoformat() in other_year
    assert "<td>2026-06-05</td><td>piątek</td>" not in other_year


def test_admin_adds_and_removes_an_exception_with_an_audit_entry(admin_client):
    assert add_exception(admin_client, start="2026-03-02", end="2026-03-03").status_code == 302
    db.session.expire_all()
    assert service.find("contact-centre").data["exceptions"] == [
        {"name": "Inwentaryzacja", "start": "2026-03-02", "end": "2026-03-03", "hours": []}]
    assert not service.get_calendar("contact-centre").hours_on(date(2026, 3, 3))
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert (entry.entity, entry.entity_id, entry.action, entry.actor.email) == (
        "calendar", "contact-centre", "add-exception", "root@kontakt.test")

    page = admin_client.get("/admin/calendars/contact-centre?year=2026").get_data(as_text=True)
    removed = admin_client.post("/admin/calendars/contact-centre/exceptions/remove",
                                data={"csrf_token": csrf_token_from(page), "start": "2026-03-02"})
    assert removed.status_code == 302
    db.session.expire_all()
    assert service.find("contact-centre").data["exceptions"] == []
    assert service.get_calendar("contact-centre").hours_on(date(2026, 3, 3))
    assert [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == [
        "add-exception", "remove-exception"]


BAD_EXCEPTIONS = [
    ({"start": "2026-03-05", "end": "2026-03-01"},
     "Ostatni dzień (2026-03-01) jest wcześniejszy niż pierwszy dzień (2026-03-05)."),
    ({"mode": "open", "hours": "25:00-26:00"},
     "Godziny 25:00-26:00 muszą kończyć się później, niż się zaczynają, w granicach 00:00-24:00."),
    ({"mode": "open", "hours": "rano"}, "Wpisz godziny w postaci GG:MM-GG:MM, np. 08:00-16:00 (wpisano „rano”)."),
    ({"mode": "open", "hours": "08:00-12:00, 11:00-14:00"}, "Godziny 08:00-12:00 i 11:00-14:00 nakładają się."),
    ({"title": ""}, "Nadaj wyjątkowi nazwę, np. Inwentaryzacja."),
    ({"start": "02.03.2026"}, "Podaj pierwszy dzień jako datę, np. 2026-03-02."),
    ({"end": "jutro"}, "Nieprawidłowa data"),
]


def test_bad_exceptions_are_shown_as_polish_form_errors_and_store_nothing(admin_client):
    for fields, message in BAD_EXCEPTIONS:
        response = add_exception(admin_client, **fields)
        assert response.status_code == 422, fields
        assert re.search(rf'<p class="error" id="\w+-error">{re.escape(message)}</p>', response.get_data(as_text=True)), fields
    db.session.expire_all()
    assert service.find("contact-centre").data.get("exceptions", []) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0


def test_overlapping_exception_is_refused(admin_client):
    assert add_exception(admin_client, start="2026-03-02", end="2026-03-06").status_code == 302
    response = add_exception(admin_client, title="Remont", start="2026-03-06")
    assert response.status_code == 422
    assert "Te dni nakładają się na wyjątek Inwentaryzacja (2026-03-02 – 2026-03-06)." in response.get_data(as_text=True)


def test_weekly_hours_are_edited_and_shown_on_the_contact_page(admin_client):
    form = admin_client.get("/admin/calendars/contact-centre/hours").get_data(as_text=True)
    assert 'value="08:00-20:00"' in form and 'value="10:00-18:00"' in form
    data = {"csrf_token": csrf_token_from(form), "mon": "08:00-22:00", "tue": "08:00-22:00", "wed": "08:00-22:00",
            "thu": "08:00-22:00", "fri": "08:00-22:00", "sat": "09:00-15:00", "sun": "",
            "trading_sundays": "10:00-18:00", "holidays_closed": "y"}
    bad = admin_client.post("/admin/calendars/contact-centre/hours", data={**data, "sat": "15:00-09:00"})
    assert bad.status_code == 422 and "Godziny 15:00-09:00 muszą kończyć się później" in bad.get_data(as_text=True)
    assert admin_client.post("/admin/calendars/contact-centre/hours", data=data).status_code == 302
    contact = admin_client.get("/contact").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Sobota</th><td>09:00–15:00</td>", contact)


def test_admin_creates_a_staff_only_shift_calendar(admin_client):
    page = admin_client.get("/admin/calendars").get_data(as_text=True)
    assert 'value="08:00-16:00"' in page
    data = {"csrf_token": csrf_token_from(page), "name": "zmiana-ranna", "mon": "08:00-16:00", "tue": "08:00-16:00",
            "wed": "08:00-16:00", "thu": "08:00-16:00", "fri": "08:00-16:00", "sat": "", "sun": ""}
    bad = admin_client.post("/admin/calendars", data={**data, "name": "Zmiana Ranna!"})
    assert bad.status_code == 422 and "Nazwa kalendarza ma od 2 do 63 znaków" in bad.get_data(as_text=True)
    taken = admin_client.post("/admin/calendars", data={**data, "name": "contact-centre"})
    assert taken.status_code == 422 and "Kalendarz o nazwie contact-centre już istnieje." in taken.get_data(as_text=True)
    assert admin_client.post("/admin/calendars", data=data).status_code == 302
    db.session.expire_all()
    assert service.find("zmiana-ranna").public is False
    assert service.get_calendar("zmiana-ranna").hours_on(date(2026, 3, 10))
    listing = admin_client.get("/admin/calendars").get_data(as_text=True)
    assert "zmiana-ranna" in listing and "tylko pracownicy (grafik zmian)" in listing


@pytest.mark.parametrize("role", ["agent", "lead", "manager"])
def test_calendar_administration_is_for_administrators_only(client, make_staff, role):
    make_staff(f"{role}@kontakt.test", role=role)
    login(client, f"{role}@kontakt.test")
    token = csrf_token_from(client.get("/agent/").get_data(as_text=True))
    assert client.get("/admin/calendars").status_code == 403
    assert client.get("/admin/calendars/contact-centre").status_code == 403
    refused = client.post("/admin/calendars/contact-centre/exceptions",
                          data={"csrf_token": token, "title": "X", "start": "2026-03-02", "mode": "closed"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert service.find("contact-centre").data.get("exceptions", []) == []


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/calendars/contact-centre")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
