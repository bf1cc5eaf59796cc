"""Nothing accepted is later refused: what the form and the API take, the tables hold, so a
customer shown a number (or a 201) never sees the contact quarantined afterwards."""
from __future__ import annotations

import io
import re

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import Attachment, Message, RawContact, Ticket
from helpdesk.web.auth import issue_api_token
from tests.helpdesk.intake.test_contact_form import PDF, form_data


def sent_number(response) -> str:
    found = re.search(r"KT-\d{6,}", response.get_data(as_text=True))
    assert found, "no ticket number on the page"
    return found.group(0)


def test_an_attachment_with_a_300_character_name_is_kept_with_its_extension(client):
    data = form_data(client)
    data["attachments"] = [(io.BytesIO(PDF), "umowa-" + "ż" * 300 + ".pdf")]
    number = sent_number(client.post("/contact", data=data, content_type="multipart/form-data",
                                     follow_redirects=True))
    ticket = db.session.get(Ticket, Ticket.id_from_number(number))
    assert ticket is not None
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert len(attachment.filename) == 255 and attachment.filename.startswith("umowa-ż")
    assert attachment.filename.endswith(".pdf") and attachment.media_type == "application/pdf"
    assert {r.status for r in db.session.scalars(db.select(RawContact))} == {"processed"}


@pytest.mark.parametrize("name", ["x.html", "raport.pdf.html", "skan", "zdjecie.png"])
def test_an_upload_is_typed_by_its_name_as_well_as_its_first_bytes(client, name):
    data = form_data(client)
    data["attachments"] = [(io.BytesIO(PDF + b"<script>alert(1)</script>"), name)]
    response = client.post("/contact", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert f"Plik {name} nie jest plikiem PDF, JPG ani PNG." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(RawContact)) == 0


def test_a_long_submission_id_is_replaced_not_stored(client):
    data = form_data(client, submission_id="s" * 400)
    assert client.post("/contact", data=data).status_code == 302
    raw = db.session.scalars(db.select(RawContact)).one()
    assert raw.status == "processed" and raw.dedup_key.startswith("webform:") and len(raw.dedup_key) <= 200


def api(client, make_staff):
    token = issue_api_token(make_staff(teams=["obsluga-klienta"]), "t")
    return {"Authorization": f"Bearer {token}"}


def test_an_api_customer_with_a_254_character_address_and_no_name_gets_a_ticket(client, make_staff):
    address = "k" * 64 + "@" + ".".join(["d" * 62, "e" * 61, "f" * 61]) + ".pl"
    assert len(address) == 254
    response = client.post("/api/v1/tickets", headers=api(client, make_staff),
                           json={"subject": "Telefon", "text": "Klient dzwonił.", "customer": {"email": address}})
    assert response.status_code == 201
    message = db.session.scalars(db.select(Message)).one()
    assert message.author_name == address
    assert {r.status for r in db.session.scalars(db.select(RawContact))} == {"processed"}


@pytest.mark.parametrize("key", ["k" * 101, "k" * 300, "klucz z spacją", "klucz\tz tabem", "ключ"])
def test_an_idempotency_key_the_store_cannot_keep_is_a_400(client, make_staff, key):
    response = client.post("/api/v1/tickets", headers={**api(client, make_staff), "Idempotency-Key": key},
                           json={"subject": "Telefon", "text": "Klient dzwonił."})
    assert response.status_code == 400 and response.get_json()["field"] == "Idempotency-Key"
    assert db.session.scalar(db.select(db.func.count()).select_from(RawContact)) == 0


def test_the_longest_idempotency_key_works_and_a_retry_gets_the_same_ticket(client, make_staff):
    headers = {**api(client, make_staff), "Idempotency-Key": "k" * 100}
    body = {"subject": "Telefon", "text": "Klient dzwonił."}
    first = client.post("/api/v1/tickets", headers=headers, json=body)
    again = client.post("/api/v1/tickets", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
