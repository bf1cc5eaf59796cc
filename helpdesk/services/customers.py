"""Finding the customer behind a contact, or creating one."""
from __future__ import annotations

from channels import InboundContact
from channels.identity import normalise_email
from helpdesk.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone


def find_customer(email: str = "", phone: str = "", pesel: str | None = None) -> Customer | None:
    if email:
        found = db.session.scalar(db.select(CustomerEmail).filter_by(address=normalise_email(email)))
        if found:
            return found.customer
    if phone:
        found = db.session.scalar(db.select(CustomerPhone).filter_by(number=phone))
        if found:
            return found.customer
    if pesel:
        return db.session.scalar(db.select(Customer).filter_by(pesel=pesel).limit(1))
    return None


def identify(contact: InboundContact) -> Customer | None:
    """The customer a contact comes from, created when unknown; adds new addresses and numbers.

    Part of the caller's transaction: flushes, never commits.
    """
    customer = find_customer(contact.from_email, contact.from_phone, contact.pesel)
    if customer is None:
        if not (contact.from_email or contact.from_phone):
            return None
        customer = Customer(name=contact.from_name, language=contact.language, attributes={})
        db.session.add(customer)
    if contact.from_name and not customer.name:
        customer.name = contact.from_name
    if contact.pesel and not customer.pesel:
        customer.pesel = contact.pesel
    email = normalise_email(contact.from_email)
    if email and email not in {e.address for e in customer.emails}:
        customer.emails.append(CustomerEmail(address=email))
    if contact.from_phone and contact.from_phone not in {p.number for p in customer.phones}:
        customer.phones.append(CustomerPhone(number=contact.from_phone))
    db.session.flush()
    return customer
