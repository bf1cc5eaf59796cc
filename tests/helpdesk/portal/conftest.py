"""Customer zone fixtures: customers with tickets and zone accounts, built through the app's own
services; the zone's login through the real form; the real SMTP sink for its mail."""
from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db, limiter
from helpdesk.models import Ticket
from helpdesk.models.types import utcnow
from helpdesk.portal import services
from tests.conftest import csrf_token_from
from tests.fixtures.mailservers import smtp_server  # noqa: F401  (pytest fixture)
from tests.helpdesk.mail.test_outbound import smtp  # noqa: F401  (pytest fixture: the app sends to the sink)

PASSWORD = "Wiosenny deszcz nad Wisłą"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Per-IP counts of one test must not spill into the next (memory storage, one app per run)."""
    limiter.reset()
    yield
    limiter.reset()


def mails(sink, to: str | None = None, subject: str = "") -> list:
    """The messages the SMTP sink received (to that address, with that in the subject)."""
    found = [message_from_bytes(m.data, policy=default_policy) for m in sink.received]
    return [m for m in found if (to is None or to in m["To"]) and subject in m["Subject"]]


def body(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def link_in(mail, path: str) -> str:
    """The path (from /portal/...) of the link in the mail that starts with ``path``."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", body(mail))
    assert found, f"no {path} link in: {body(mail)}"
    return found.group(1)


def customer_writes(email: str, subject: str, text: str = "Proszę o pomoc w mojej sprawie.", *,
                    name: str = "Ewa Nowak", channel: str = "webform") -> Ticket:
    """A customer's contact, stored and received as intake does it."""
    raw, _ = intake.store_raw(channel=channel, source="test", payload=f"{subject}\n{text}".encode(),
                              media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel=channel, received_at=utcnow(), from_email=email,
                                                 from_name=name, subject=subject, text=text,
                                                 line="contact-form", form_category="payment-problems"))


@pytest.fixture
def make_customer(app):
    """Factory: a customer with one ticket (more with ``subjects``) and, unless told not to, a zone account."""

    def make(email: str = "ewa.nowak@example.pl", *, subjects=("Nie widzę wpłaty",), name: str = "Ewa Nowak",
             account: bool = True, password: str = PASSWORD):
        tickets = [customer_writes(email, subject, name=name) for subject in subjects]
        customer = tickets[0].customer
        zone = services.create_account(customer, password) if account else None
        db.session.expire_all()
        return customer, tickets, zone

    return make


def zone_login(client, login: str, password: str = PASSWORD, **kwargs):
    """Log in to the zone through its form (``kwargs`` go to the POST, e.g. environ_base)."""
    page = client.get("/portal/login", **kwargs)
    return client.post("/portal/login", data={"login": login, "password": password,
                                              "csrf_token": csrf_token_from(page.get_data(as_text=True))}, **kwargs)


def post_form(client, page_path: str, action: str, data: dict, **kwargs):
    """POST to ``action`` with the CSRF token of the page at ``page_path``."""
    token = csrf_token_from(client.get(page_path).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


def zone_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("kontakt_zone="):
            return header
    return None
