"""In the zone: my requests and their timeline, replying with attachments, closing and
reopening, a new request, my details, notification preferences honoured by our e-mails."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from helpdesk.core.extensions import db
from helpdesk.core.periodic import sweep
from helpdesk.models import Customer, CustomerPhone, Message, Ticket, TicketEvent
from helpdesk.models.portal import PortalAccount
from helpdesk.tickets import services as ticket_service
from tests.conftest import csrf_token_from
from tests.conftest import login as staff_login
from tests.helpdesk.portal.conftest import body, link_in, mails, post_form, zone_login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_my_requests_lists_mine_with_status_and_what_we_wait_for(app, client, make_customer, make_staff):
    customer, tickets, _ = make_customer(subjects=("Nie widzę wpłaty", "Zmiana adresu"))
    make_customer("jan@example.pl", subjects=("Cudza sprawa",), name="Jan Kowalski")
    agent = make_staff(role="admin")
    ticket_service.reply(tickets[1].id, agent, "Prosimy o nowy adres.")
    ticket_service.change_status(tickets[1].id, agent, "waiting")
    zone_login(client, customer.customer_number)
    page = client.get("/portal/requests").get_data(as_text=True)
    assert "Nie widzę wpłaty" in page and "Zmiana adresu" in page and "Cudza sprawa" not in page
    assert "Czekamy na Twoją odpowiedź" in page and "Zajmujemy się tym" in page


def test_the_timeline_shows_the_public_conversation_only(app, client, make_customer, make_staff):
    customer, tickets, _ = make_customer()
    agent = make_staff(role="admin", name="Anna Zielińska")
    ticket_service.reply(tickets[0].id, agent, "Notatka: klient VIP, sprawdzić w systemie X.", internal=True)
    ticket_service.reply(tickets[0].id, agent, "Sprawdzamy Twoją wpłatę.")
    ticket_service.update_fields(tickets[0].id, agent, priority="urgent", team="obsluga-klienta")
    zone_login(client, customer.customer_number)
    page = client.get(f"/portal/requests/{tickets[0].id}").get_data(as_text=True)
    assert "Proszę o pomoc w mojej sprawie." in page and "Sprawdzamy Twoją wpłatę." in page
    for hidden in ("Notatka", "VIP", "Anna Zielińska", "urgent", "Pilny", "obsluga-klienta", "Obsługa klienta",
                   "routing"):
        assert hidden not in page, hidden


def test_a_reply_with_a_pdf_reaches_the_agent_and_a_bad_file_is_refused(app, client, make_customer, make_staff):
    customer, tickets, _ = make_customer()
    ticket_id = tickets[0].id
    zone_login(client, customer.customer_number)
    path = f"/portal/requests/{ticket_id}"
    page = client.get(path).get_data(as_text=True)
    token = csrf_token_from(page)
    bad = client.post(path, data={"csrf_token": token, "text": "Plik", "attachments": [
        (io.BytesIO(b"MZ\x90\x00 not a pdf"), "wirus.exe")]}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "nie jest plikiem PDF, JPG ani PNG" in bad.get_data(as_text=True)
    ok = client.post(path, data={"csrf_token": token, "text": "Potwierdzenie w załączniku.", "attachments": [
        (io.BytesIO(PDF), "przelew.pdf")]}, content_type="multipart/form-data")
    assert ok.status_code == 303
    db.session.expire_all()
    message = db.session.scalars(db.select(Message).filter_by(ticket_id=ticket_id, direction="in")
                                 .order_by(Message.id.desc())).first()
    assert message.text == "Potwierdzenie w załączniku." and message.attachments[0].filename == "przelew.pdf"
    assert message.raw_contact_id is not None  # stored as received before anything else
    download = client.get(f"{path}/attachments/{message.attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF

    agent = make_staff(role="admin")
    staff = app.test_client()
    staff_login(staff, agent.email)
    agent_page = staff.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Potwierdzenie w załączniku." in agent_page and "przelew.pdf" in agent_page


def test_close_and_reopen_within_the_window_only(app, client, make_customer, make_staff):
    customer, tickets, _ = make_customer()
    ticket_id = tickets[0].id
    zone_login(client, customer.customer_number)
    path = f"/portal/requests/{ticket_id}"
    post_form(client, path, f"{path}/close", {})
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "closed"
    post_form(client, path, f"{path}/reopen", {})
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "open"

    agent = make_staff(role="admin")
    ticket_service.change_status(ticket_id, agent, "solved")
    long_ago = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=ticket_id, kind="status")
                                  .order_by(TicketEvent.id.desc())).first()
    long_ago.created_at -= timedelta(days=app.config["MAIL_REOPEN_DAYS"] + 1)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Wyślij odpowiedź" not in page and "Otwórz ponownie" not in page
    refused = post_form(client, path, f"{path}/reopen", {})
    assert refused.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "solved"
    assert "nie można już ponownie otworzyć" in client.get(path).get_data(as_text=True)


def test_a_new_request_is_the_contact_form_pre_filled(app, client, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    page = client.get("/portal/requests/new").get_data(as_text=True)
    assert 'action="/contact"' in page and 'value="ewa.nowak@example.pl"' in page and 'value="Ewa Nowak"' in page
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/contact", data={
        "csrf_token": csrf_token_from(page), "submission_id": submission, "name": "Ewa Nowak",
        "email": "ewa.nowak@example.pl", "category": "loan-terms", "subject": "Prolongata",
        "description": "Czy mogę przesunąć termin spłaty?"})
    assert response.status_code == 302
    assert "Prolongata" in client.get("/portal/requests").get_data(as_text=True)


def test_a_new_address_takes_effect_only_once_confirmed_from_it(app, client, smtp, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    post_form(client, "/portal/account", "/portal/account", {"email-email": "ewa.nowa@example.pl"})
    db.session.expire_all()
    assert db.session.scalars(db.select(PortalAccount)).one().email == "ewa.nowak@example.pl"
    confirm = link_in(mails(smtp, "ewa.nowa@example.pl", "Potwierdź nowy adres")[0], "/portal/account/email/")
    assert mails(smtp, "ewa.nowak@example.pl", "Potwierdź") == []
    post_form(client, confirm, confirm, {})
    db.session.expire_all()
    assert db.session.scalars(db.select(PortalAccount)).one().email == "ewa.nowa@example.pl"
    assert db.session.get(Customer, customer.id).primary_email == "ewa.nowa@example.pl"
    assert zone_login(app.test_client(), "ewa.nowa@example.pl").status_code == 303
    assert client.get(confirm).status_code == 404  # once


def test_phone_numbers_are_added_checked_and_removed(app, client, make_customer):
    customer, _, _ = make_customer()
    make_customer("jan@example.pl", name="Jan Kowalski", account=False)
    jan = db.session.scalars(db.select(Customer).filter(Customer.id != customer.id)).one()
    jan.phones.append(CustomerPhone(number="+48601000222"))
    db.session.commit()
    zone_login(client, customer.customer_number)
    bad = post_form(client, "/portal/account", "/portal/account", {"phone-number": "12"})
    assert bad.status_code == 422 and "660 600 700" in bad.get_data(as_text=True)
    taken = post_form(client, "/portal/account", "/portal/account", {"phone-number": "601 000 222"})
    assert "Tego numeru nie można dodać." in taken.get_data(as_text=True)
    post_form(client, "/portal/account", "/portal/account", {"phone-number": "660 600 701"})
    db.session.expire_all()
    phones = db.session.get(Customer, customer.id).phones
    assert [p.number for p in phones] == ["+48660600701"]
    post_form(client, "/portal/account", f"/portal/account/phones/{phones[0].id}/delete", {})
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).phones == []


def choose_notifications(client, smtp, make_customer, make_staff, choice: str):
    """A customer with one ticket who chose ``choice`` in the zone; (tickets, an agent)."""
    customer, tickets, _ = make_customer()
    zone_login(client, customer.customer_number)
    post_form(client, "/portal/account", "/portal/account", {"notify-notify": choice})
    agent = make_staff(role="admin")
    smtp.received.clear()
    return tickets, agent


def test_status_changes_only_means_no_reply_mail_but_a_status_mail(app, client, smtp, make_customer, make_staff):
    tickets, agent = choose_notifications(client, smtp, make_customer, make_staff, "status")
    ticket_service.reply(tickets[0].id, agent, "Sprawdzamy.")
    assert mails(smtp) == []  # the reply waits in the zone
    ticket_service.change_status(tickets[0].id, agent, "solved")
    status = mails(smtp, "ewa.nowak@example.pl")
    assert len(status) == 1 and "rozwiązane" in body(status[0]) and tickets[0].number in status[0]["Subject"]
    sweep()  # nothing is sent twice
    assert len(mails(smtp)) == 1


def test_every_reply_is_the_default(app, client, smtp, make_customer, make_staff):
    _, tickets, _ = make_customer()
    smtp.received.clear()
    ticket_service.reply(tickets[0].id, make_staff(role="admin"), "Sprawdzamy.")
    assert [m["To"] for m in mails(smtp)] == ["ewa.nowak@example.pl"] and "Sprawdzamy." in body(mails(smtp)[0])


def test_the_daily_digest_gathers_replies_and_changes(app, client, smtp, make_customer, make_staff, monkeypatch):
    tickets, agent = choose_notifications(client, smtp, make_customer, make_staff, "digest")
    ticket_service.reply(tickets[0].id, agent, "Potrzebujemy potwierdzenia.")
    ticket_service.change_status(tickets[0].id, agent, "waiting")
    assert mails(smtp) == []
    monkeypatch.setitem(app.config, "PORTAL_DIGEST_HOUR", 0)  # the digest time has passed today
    sweep()
    digest = mails(smtp, "ewa.nowak@example.pl")
    assert len(digest) == 1 and "Potrzebujemy potwierdzenia." in body(digest[0])
    assert "czekamy na Twoją odpowiedź" in body(digest[0])
    sweep()
    assert len(mails(smtp)) == 1  # one a day
