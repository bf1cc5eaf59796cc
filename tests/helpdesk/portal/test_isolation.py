"""One customer can never see or change another's requests, attachments, private links, details
or security log: every id-bearing URL and form of one customer's zone, collected by walking
its pages, is replayed as another customer and as a visitor. And every form needs its CSRF token."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import Attachment, Customer, Message, Ticket
from helpdesk.models.portal import PortalSecurityEvent
from helpdesk.tickets import services as ticket_service
from tests.conftest import csrf_token_from
from tests.helpdesk.portal.conftest import post_form, zone_login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOT_FOLLOWED = ("/portal/logout", "/portal/logout-everywhere")


def walk(client, start="/portal/requests"):
    """(every /portal/ link reached from ``start``, every form as (action, method, fields))."""
    seen, forms, queue = set(), set(), [start]
    while queue:
        path = queue.pop()
        if path in seen or path in NOT_FOLLOWED:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        for href in re.findall(r'href="([^"#?]+)', html):
            href = unescape(href)
            if href.startswith("/portal/") and href not in seen:
                queue.append(href)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
            action = unescape(re.search(r'action="([^"]*)"', form).group(1)) if 'action="' in form else path
            method = "post" if re.search(r'method="post"', form) else "get"
            names = tuple(sorted(set(re.findall(r'name="([^"]+)"', form)) - {"csrf_token"}))
            forms.add((action, method, names))
    return seen, forms


@pytest.fixture
def two_customers(app, make_customer, make_staff):
    ewa, ewa_tickets, _ = make_customer("ewa@example.pl", subjects=("Sprawa Ewy", "Druga sprawa Ewy"))
    jan, _, _ = make_customer("jan@example.pl", subjects=("Sprawa Jana",), name="Jan Kowalski")
    agent = make_staff(role="admin")
    ticket_service.reply(ewa_tickets[0].id, agent, "Odpowiedź dla Ewy.")
    ticket_service.change_status(ewa_tickets[1].id, agent, "solved")
    ewa_client = app.test_client()
    zone_login(ewa_client, ewa.customer_number)
    path = f"/portal/requests/{ewa_tickets[0].id}"
    page = ewa_client.get(path).get_data(as_text=True)
    ewa_client.post(path, data={"csrf_token": csrf_token_from(page), "text": "Mój załącznik.",
                                "attachments": [(io.BytesIO(PDF), "umowa-ewy.pdf")]},
                    content_type="multipart/form-data")
    post_form(ewa_client, "/portal/account", "/portal/account", {"phone-number": "660 600 701"})
    return ewa, ewa_client, jan


def ewa_state():
    ewa = db.session.scalars(db.select(Customer).join(Customer.emails).filter_by(address="ewa@example.pl")).one()
    tickets = db.session.scalars(db.select(Ticket).filter_by(customer_id=ewa.id).order_by(Ticket.id)).all()
    return ([(t.status, len(t.messages)) for t in tickets], sorted(p.number for p in ewa.phones),
            [e.address for e in ewa.emails])


def test_another_customer_and_a_visitor_get_nothing_of_ewa_s(app, two_customers):
    ewa, ewa_client, jan = two_customers
    links, forms = walk(ewa_client)
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert f"/attachments/{attachment.id}" in " ".join(links)  # the walk reached the id-bearing URLs
    assert any(re.fullmatch(r"/portal/requests/\d+/close", a) for a, _, _ in forms)
    assert any(re.fullmatch(r"/portal/account/phones/\d+/delete", a) for a, _, _ in forms)
    secrets = ["Sprawa Ewy", "Druga sprawa Ewy", "Odpowiedź dla Ewy.", "Mój załącznik.", "umowa-ewy.pdf",
               "ewa@example.pl", "+48660600701", ewa.customer_number]
    ewa_ip_log = db.session.scalars(db.select(PortalSecurityEvent).filter_by(kind="login")).all()
    assert ewa_ip_log
    before = ewa_state()

    jan_client = app.test_client()
    zone_login(jan_client, jan.customer_number)
    visitor = app.test_client()
    for who, client in (("jan", jan_client), ("visitor", visitor)):
        for link in sorted(links):
            response = client.get(link)
            text = response.get_data(as_text=True)
            if who == "visitor":
                assert response.status_code in (302, 404), link
                assert response.status_code == 404 or "/portal/login" in response.headers["Location"], link
            else:
                assert response.status_code in (200, 302, 404), link
            leaked = [s for s in secrets if s in text] + ([link] if response.data == PDF else [])
            assert not leaked, (who, link, leaked)
        token = csrf_token_from(client.get("/portal/password/forgot").get_data(as_text=True))
        for action, method, names in sorted(forms):
            if action in NOT_FOLLOWED or method != "post":
                continue
            data = {name: "Podmiana przez kogoś innego 660 600 999" for name in names}
            data.update({n: "status" for n in names if n == "notify-notify"})
            response = client.post(action, data={"csrf_token": token, **data})
            assert response.status_code in (302, 303, 400, 401, 404, 422), (who, action, response.status_code)
            assert not [s for s in secrets if s in response.get_data(as_text=True)], (who, action)
    db.session.expire_all()
    assert ewa_state() == before
    assert db.session.scalar(db.select(Message).filter(Message.text.like("Podmiana%"))) is None


def test_every_zone_form_refuses_a_post_without_its_csrf_token(app, two_customers):
    _, ewa_client, _ = two_customers
    _, forms = walk(ewa_client)
    posts = {action for action, method, _ in forms if method == "post"}
    posts |= {"/portal/login", "/portal/password/forgot", "/portal/register"}
    assert len(posts) >= 10
    for action in sorted(posts):
        response = ewa_client.post(action, data={"text": "x", "login": "x", "email": "x@example.pl"})
        assert response.status_code == 400, action
    before = ewa_state()
    db.session.expire_all()
    assert ewa_state() == before


def test_an_agent_sees_the_customer_page_only_of_customers_whose_tickets_they_may_see(app, make_customer,
                                                                                     make_staff):
    from tests.conftest import login as staff_login

    ewa, _, _ = make_customer("ewa@example.pl")
    outsider = make_staff(role="agent", teams=["wsparcie-techniczne"])
    tickets_of_ewa = db.session.scalars(db.select(Ticket).filter_by(customer_id=ewa.id)).all()
    for ticket in tickets_of_ewa:  # Ewa's tickets belong to another team
        ticket_service.update_fields(ticket.id, make_staff(role="admin"), team="obsluga-klienta")
    staff = app.test_client()
    staff_login(staff, outsider.email)
    assert staff.get(f"/agent/customers/{ewa.id}").status_code == 404
    token = csrf_token_from(staff.get("/agent/", follow_redirects=True).get_data(as_text=True))
    assert staff.post(f"/agent/customers/{ewa.id}/portal/unlock", data={"csrf_token": token}).status_code == 404
    lead, lead_client = make_staff(role="lead"), app.test_client()
    staff_login(lead_client, lead.email)
    assert lead_client.get(f"/agent/customers/{ewa.id}").status_code == 200


def test_the_zone_speaks_english_on_request(app, client, make_customer):
    customer, tickets, _ = make_customer()
    page = client.get("/portal/login?lang=en").get_data(as_text=True)
    assert "Customer number or e-mail address" in page and "Forgot your password?" in page
    zone_login(client, customer.customer_number)
    assert "My requests" in client.get("/portal/requests").get_data(as_text=True)
    assert "We are working on your request" in client.get(f"/portal/requests/{tickets[0].id}").get_data(as_text=True)
