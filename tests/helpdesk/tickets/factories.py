"""Tickets for the ticket-page tests, made by the same intake services the channels use."""
from __future__ import annotations

import re

from channels import InboundAttachment, InboundContact
from channels.webform import FormSubmission, to_payload
from helpdesk.core.extensions import db
from helpdesk.intake import services as intake
from helpdesk.models import Message, Ticket
from helpdesk.models.types import utcnow

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
PESEL = "44051401359"  # a valid PESEL (its check digit is right)


def email_ticket(*, sender: str = "ewa@example.pl", name: str = "Ewa Nowak", subject: str = "Logowanie",
                 text: str = "Nie mogę się zalogować do panelu.", category: str = "technical-support",
                 attachments: list[InboundAttachment] = ()) -> Ticket:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email=sender,
                                                 from_name=name, subject=subject, text=text,
                                                 form_category=category, attachments=list(attachments)))


def customer_writes_again(ticket: Ticket, text: str, *, sender: str = "ewa@example.pl") -> None:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email=sender,
                                          from_name="Ewa Nowak", subject="Re: " + ticket.subject, text=text),
                   thread_to=db.session.get(Ticket, ticket.id))


def form_ticket(*, pesel: str = PESEL, loan_number: str = "PZ/2025/00417", email: str = "jan@example.pl",
                category: str = "payment-problems", attachments: list[InboundAttachment] = ()) -> Ticket:
    """A ticket from the contact form, stored and received as the contact page and its job do."""
    form = FormSubmission(name="Jan Kowalski", email=email, category=category, subject="Rata",
                          description="Chcę przesunąć termin spłaty raty.", pesel=pesel, loan_number=loan_number,
                          attachments=list(attachments))
    raw, _ = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE, payload=to_payload(form, utcnow()),
                              media_type="application/json", reserve_ticket=True)
    intake.receive_stored()
    return db.session.scalar(db.select(Ticket).join(Message).where(Message.raw_contact_id == raw.id))


def field_value(html: str, name: str) -> str:
    """The value of the named input on a page (e.g. the ticket version a form carries)."""
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    assert match, f"no field {name} on the page"
    return match.group(1)
