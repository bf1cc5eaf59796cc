"""The private status link: on the confirmation page and in the acknowledgement, revocable,
showing the public conversation only, taking replies, and leading to an account."""
from __future__ import annotations

import io
import re

from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.portal import PortalAccount, PortalToken
from helpdesk.tickets import services as ticket_service
from tests.conftest import csrf_token_from
from tests.conftest import login as staff_login
from tests.helpdesk.portal.conftest import PASSWORD, body, link_in, mails, post_form, zone_login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send_contact_form(client, email="zofia@example.pl", subject="Wpłata nie jest widoczna"):
    page = client.get("/contact").get_data(as_text=True)
    submission_id = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/contact", data={
        "csrf_token": csrf_token_from(page), "submission_id": submission_id, "name": "Zofia Wiśniewska",
        "email": email, "category": "payment-problems", "subject": subject,
        "description": "Zapłaciłam ratę w poniedziałek, a nadal widzę zaległość."})
    assert response.status_code == 302
    return client.get("/contact/sent").get_data(as_text=True)


def status_path(page: str) -> str:
    found = re.search(r'href="https?://[^/"]+(/portal/s/[^"]+)"', page)
    assert found, "no private link on the page"
    return found.group(1)


def test_the_confirmation_page_links_to_the_request_s_status(app, client, make_staff):
    page = send_contact_form(client)
    path = status_path(page)
    number = re.search(r'class="ticket-number">(KT-\d+)<', page).group(1)
    ticket_id = Ticket.id_from_number(number)
    token = path.removeprefix("/portal/s/")
    assert len(token) >= 40 and str(ticket_id) != token and number not in token  # never the id alone
    assert send_contact_form_again_shows_the_same_link(client, path)

    visitor = app.test_client()  # a link works without any session
    status = visitor.get(path)
    text = status.get_data(as_text=True)
    assert status.status_code == 200 and number in text and "Nowe" in text and "Odpowiemy do" in text
    assert "Zapłaciłam ratę w poniedziałek" in text
    assert status.headers["Referrer-Policy"] == "no-referrer" and status.headers["Cache-Control"] == "no-store"

    agent = make_staff(role="admin")
    ticket_service.reply(ticket_id, agent, "Tylko dla zespołu: klient zalega od marca.", internal=True)
    ticket_service.reply(ticket_id, agent, "Prosimy o potwierdzenie przelewu.")
    ticket_service.change_status(ticket_id, agent, "waiting")
    text = visitor.get(path).get_data(as_text=True)
    assert "Prosimy o potwierdzenie przelewu." in text and "Czekamy na Twoją odpowiedź" in text
    assert "klient zalega" not in text and agent.name not in text and agent.email not in text


def send_contact_form_again_shows_the_same_link(client, path) -> bool:
    return status_path(client.get("/contact/sent").get_data(as_text=True)) == path


def test_a_reply_by_the_link_lands_on_the_ticket_as_the_customer_s_message(app, client, make_staff):
    path = status_path(send_contact_form(client))
    agent = make_staff(role="admin")
    ticket_id = db.session.scalar(db.select(Ticket.id))
    ticket_service.reply(ticket_id, agent, "Prosimy o potwierdzenie przelewu.")
    ticket_service.change_status(ticket_id, agent, "waiting")

    page = client.get(path).get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token_from(page), "submission_id": submission, "text": "W załączniku potwierdzenie.",
            "attachments": [(io.BytesIO(PDF), "potwierdzenie.pdf")]}
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    data["attachments"] = [(io.BytesIO(PDF), "potwierdzenie.pdf")]
    client.post(path, data=data, content_type="multipart/form-data")  # the same submission again
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    inbound = [m for m in ticket.messages if m.direction == "in"]
    assert len(inbound) == 2 and inbound[-1].text == "W załączniku potwierdzenie."
    assert inbound[-1].author_customer_id == ticket.customer_id
    assert [a.filename for a in inbound[-1].attachments] == ["potwierdzenie.pdf"]
    assert ticket.status == "open"  # the customer answered
    attachment = inbound[-1].attachments[0]
    download = app.test_client().get(f"{path}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF

    staff = app.test_client()
    staff_login(staff, agent.email)
    assert "W załączniku potwierdzenie." in staff.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)


def test_a_revoked_link_never_works_again_and_unknown_links_are_404(app, client, make_staff):
    path = status_path(send_contact_form(client))
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert client.get(path).status_code == 200
    lead = make_staff(role="lead")
    staff = app.test_client()
    staff_login(staff, lead.email)
    link = db.session.scalars(db.select(PortalToken).filter(PortalToken.kind == "status",
                                                            PortalToken.raw_contact_id.is_not(None))).one()
    page = f"/agent/customers/{ticket.customer_id}"
    assert "Unieważnij" in staff.get(page).get_data(as_text=True)
    post_form(staff, page, f"{page}/portal/links/{link.id}/revoke", {})
    assert client.get(path).status_code == 404
    assert client.get(path + "/attachments/1").status_code == 404
    assert "/portal/s/" not in client.get("/contact/sent").get_data(as_text=True)  # not shown again
    assert client.get("/portal/s/" + "A" * 43).status_code == 404
    assert client.get(f"/portal/s/{ticket.id}").status_code == 404


def test_the_acknowledgement_carries_a_link_and_the_customer_number(app, client, smtp):
    send_contact_form(client, email="zofia@example.pl")
    ack = mails(smtp, "zofia@example.pl", "Otrzymaliśmy")
    assert len(ack) == 1
    path = link_in(ack[0], "/portal/s/")
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert ticket.customer.customer_number in body(ack[0])
    page = app.test_client().get(path)
    assert page.status_code == 200 and ticket.number in page.get_data(as_text=True)


def test_an_account_from_a_mailed_link_needs_no_further_mail(app, client, smtp):
    send_contact_form(client, email="zofia@example.pl")
    path = link_in(mails(smtp, "zofia@example.pl", "Otrzymaliśmy")[0], "/portal/s/")
    visitor = app.test_client()
    response = post_form(visitor, path, f"{path}/account", {})
    assert response.status_code == 303 and "/portal/account/setup/" in response.headers["Location"]
    setup = response.headers["Location"]
    page = visitor.get(setup).get_data(as_text=True)
    assert "zofia@example.pl" in page
    short = post_form(visitor, setup, setup, {"password": "krotkie", "confirm": "krotkie"})
    assert short.status_code == 422 and "co najmniej 10 znaków" in short.get_data(as_text=True)
    common = post_form(visitor, setup, setup, {"password": "password123", "confirm": "password123"})
    assert "zbyt popularne" in common.get_data(as_text=True)
    assert post_form(visitor, setup, setup, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    assert visitor.get(setup).status_code == 404  # the setup link works once
    assert zone_login(app.test_client(), "zofia@example.pl").status_code == 303


def test_an_account_from_the_confirmation_page_link_confirms_the_address_by_mail(app, client, smtp):
    path = status_path(send_contact_form(client, email="zofia@example.pl"))
    response = post_form(client, path, f"{path}/account", {})
    assert response.status_code == 200 and "Sprawdź skrzynkę" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(PortalAccount)) is None  # nothing until the address answers
    setup = link_in(mails(smtp, "zofia@example.pl", "Załóż konto")[0], "/portal/account/setup/")
    assert post_form(client, setup, setup, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    assert db.session.scalars(db.select(PortalAccount)).one().email == "zofia@example.pl"


def test_registration_answers_alike_and_mails_only_an_address_with_requests(app, client, smtp, make_customer):
    make_customer("ewa@example.pl", account=False)
    answers = [post_form(client, "/portal/register", "/portal/register", {"email": address}).get_data(as_text=True)
               for address in ("ewa@example.pl", "nobody@example.pl")]
    strip = [re.sub(r'(csrf[-_]token"[^>]*(content|value)=")[^"]+', r"\1", a) for a in answers]
    assert strip[0] == strip[1] and "Sprawdź skrzynkę" in strip[0]
    assert mails(smtp, "nobody@example.pl") == []
    setup = link_in(mails(smtp, "ewa@example.pl", "Załóż konto")[0], "/portal/account/setup/")
    assert post_form(client, setup, setup, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303


def test_staff_invite_a_customer_from_their_page(app, smtp, make_customer, make_staff):
    customer, _, _ = make_customer("ewa@example.pl", account=False)
    lead = make_staff(role="lead")
    staff = app.test_client()
    staff_login(staff, lead.email)
    page = f"/agent/customers/{customer.id}"
    post_form(staff, page, f"{page}/portal/invite", {})
    invite = mails(smtp, "ewa@example.pl", "Załóż konto")
    assert len(invite) == 1 and customer.customer_number in body(invite[0])
    visitor = app.test_client()
    setup = link_in(invite[0], "/portal/account/setup/")
    assert post_form(visitor, setup, setup, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    assert zone_login(visitor, customer.customer_number).status_code == 303
