"""The demo's outbox: mail without an SMTP server lands as .eml files, readable in the admin screens;
outside the demo nothing pretends to be sent, and the ticket page says so in its language."""
from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.mail import Acknowledgement
from tests.conftest import login
from tests.helpdesk.intake.test_contact_form import form_data


@pytest.fixture
def demo(app, monkeypatch):
    monkeypatch.setitem(app.config, "KONTAKT_DEMO", True)
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    return app


def submit_form(client) -> Ticket:
    sent = client.post("/contact", data=form_data(client), follow_redirects=True)
    number = re.search(r"KT-\d{6,}", sent.get_data(as_text=True)).group(0)
    return db.session.get(Ticket, Ticket.id_from_number(number))


def test_the_outbox_shows_the_acknowledgement_of_a_form_sent_in_the_demo(demo, client, make_staff):
    ticket = submit_form(client)
    ack = db.session.scalar(db.select(Acknowledgement).filter_by(ticket_id=ticket.id))
    assert ack.delivery_status == "sent" and ack.delivery_error is None  # it counts as sent

    login(client, make_staff(role="admin").email)
    listing = client.get("/admin/mail/outbox").get_data(as_text=True)
    assert "Poczta wychodząca" in listing and "jan.kowalczyk@example.pl" in listing
    assert f"[{ticket.number}] Otrzymaliśmy Twoje zgłoszenie: Nie widzę mojej wpłaty" in listing
    name = re.search(r'href="/admin/mail/outbox/([^"/]+\.eml)"', listing).group(1)

    opened = client.get(f"/admin/mail/outbox/{name}").get_data(as_text=True)
    assert ticket.number in opened and "Auto-Submitted" in opened and "auto-replied" in opened
    downloaded = client.get(f"/admin/mail/outbox/{name}/download")
    assert downloaded.status_code == 200 and downloaded.mimetype == "message/rfc822"
    assert f"filename={name}" in downloaded.headers["Content-Disposition"]
    mail = message_from_bytes(downloaded.data, policy=default_policy)
    assert mail["To"] == "jan.kowalczyk@example.pl" and mail["Message-ID"].strip() == f"<{ack.external_message_id}>"
    assert ticket.number in mail.get_content()
    assert (Path(demo.config["OUTBOX_DIR"]) / name).read_bytes() == downloaded.data  # a real .eml file

    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Potwierdzenie wysłane na adres jan.kowalczyk@example.pl" in page


def test_the_outbox_is_for_admins_and_reads_only_its_own_files(demo, client, make_staff):
    submit_form(client)
    login(client, make_staff(role="agent").email)
    assert client.get("/admin/mail/outbox").status_code == 403
    client = demo.test_client()
    login(client, make_staff(role="admin").email)
    for name in ("..%2Fsecret_key", "secret_key", "20260101T000000000000Z-000000000000.eml"):
        assert client.get(f"/admin/mail/outbox/{name}").status_code == 404
        assert client.get(f"/admin/mail/outbox/{name}/download").status_code == 404


def test_without_smtp_outside_the_demo_the_mail_waits_and_the_ticket_page_says_so_in_its_language(
        app, client, make_staff, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    stored = set(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))  # what the demo tests left
    ticket = submit_form(client)
    ack = db.session.scalar(db.select(Acknowledgement).filter_by(ticket_id=ticket.id))
    assert ack.delivery_status == "failed"  # nothing pretends to be sent
    assert set(Path(app.config["OUTBOX_DIR"]).glob("*.eml")) == stored

    login(client, make_staff(role="lead").email)
    polish = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Potwierdzenie jeszcze nie doręczone:" in polish
    assert "nie skonfigurowano jeszcze serwera poczty" in polish
    english = client.get(f"/agent/tickets/{ticket.id}?lang=en").get_data(as_text=True)
    assert "Acknowledgement not delivered yet:" in english and "no outgoing mail server is configured yet" in english
    assert "no SMTP server is configured" not in polish + english  # never the internal reason
