"""The thin path: a customer sends the contact form, a ticket is stored, an agent sees it."""
from __future__ import annotations

import io
import re

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import Attachment, RawContact, Ticket
from helpdesk.core import storage
from tests.conftest import csrf_token_from, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_data(client, **overrides):
    page = client.get("/contact").get_data(as_text=True)
    submission_id = re.search(r'name="submission_id" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {
        "csrf_token": csrf_token_from(page), "submission_id": submission_id,
        "name": "Jan Kowalczyk", "email": "jan.kowalczyk@example.pl", "phone": "660 600 701",
        "category": "payment-problems", "subject": "Nie widzę mojej wpłaty",
        "description": "Zapłaciłem ratę 3 dni temu, a w panelu nadal widzę zaległość.",
        "pesel": "", "loan_number": "PZ/2025/0042",
    }
    data.update(overrides)
    return data


@pytest.mark.both_databases
def test_contact_form_opens_a_ticket_the_agent_sees(client, make_staff):
    data = form_data(client)
    data["attachments"] = [(io.BytesIO(PDF), "potwierdzenie.pdf")]
    sent = client.post("/contact", data=data, content_type="multipart/form-data", follow_redirects=True)
    page = sent.get_data(as_text=True)
    number = re.search(r"KT-\d{6,}", page).group(0)
    assert "Twój numer zgłoszenia" in page

    ticket = db.session.get(Ticket, Ticket.id_from_number(number))
    assert ticket.subject == "Nie widzę mojej wpłaty"
    assert ticket.channel == "webform" and ticket.category.slug == "payment-problems"
    assert ticket.customer.phones[0].number == "+48660600701"
    raw = db.session.scalars(db.select(RawContact)).one()
    assert raw.status == "processed" and raw.ticket_id == ticket.id and b"PZ/2025/0042" in raw.payload
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.media_type == "application/pdf" and storage.load(attachment.sha256) == PDF

    agent = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    login(client, agent.email)
    queue = client.get("/agent/?view=team").get_data(as_text=True)
    assert number in queue
    view = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Zapłaciłem ratę 3 dni temu" in view


def test_invalid_form_shows_polish_errors_keeps_input_and_stores_nothing(client):
    data = form_data(client, email="not-an-address", pesel="12345678901", description="krótko",
                     name="Jan <b>Kowalczyk</b>")
    response = client.post("/contact", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "To nie jest poprawny adres e-mail." in page
    assert "Ten numer PESEL jest nieprawidłowy" in page
    assert "Opis musi mieć od 10 do 10000 znaków." in page
    assert "Jan &lt;b&gt;Kowalczyk&lt;/b&gt;" in page  # kept, and escaped
    assert db.session.scalar(db.select(db.func.count()).select_from(RawContact)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_wtforms_own_messages_follow_the_page_language(client):
    response = client.post("/contact", data=form_data(client, category="no-such-category"))
    assert response.status_code == 422 and "Nieprawidłowy wybór" in response.get_data(as_text=True)
    client.get("/contact?lang=en")
    response = client.post("/contact?lang=en", data=form_data(client, category="no-such-category"))
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_attachment_of_wrong_type_is_refused(client):
    data = form_data(client)
    data["attachments"] = [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "faktura.pdf.exe")]
    response = client.post("/contact", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "nie jest plikiem PDF, JPG ani PNG" in response.get_data(as_text=True)


def test_the_same_submission_twice_makes_one_ticket(client):
    data = form_data(client)
    first = client.post("/contact", data=data, follow_redirects=True).get_data(as_text=True)
    second = client.post("/contact", data=data, follow_redirects=True).get_data(as_text=True)
    assert re.search(r"KT-\d+", first).group(0) == re.search(r"KT-\d+", second).group(0)
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 1


def test_form_without_csrf_token_is_refused(client):
    data = form_data(client)
    del data["csrf_token"]
    assert client.post("/contact", data=data).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_english_is_available(client):
    page = client.get("/contact?lang=en").get_data(as_text=True)
    assert "Contact us" in page and 'lang="en"' in page
    assert "Skontaktuj się z nami" in client.get("/contact?lang=pl").get_data(as_text=True)


def test_valid_pesel_is_accepted(client):
    data = form_data(client, pesel="44051401359")
    assert client.post("/contact", data=data).status_code == 302
    assert db.session.scalars(db.select(Ticket)).one().customer.pesel == "44051401359"
