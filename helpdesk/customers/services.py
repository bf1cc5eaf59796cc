"""Finding the customer behind a contact, or creating one."""
from __future__ import annotations

from channels import InboundContact
from channels.identity import normalise_email
from helpdesk.core.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone


def identify(contact: InboundContact) -> Customer | None:
    """The customer a contact comes from (see identify_all). Flushes, never commits."""
    customer = identify_all([contact])[0]
    db.session.flush()
    return customer


def identify_all(contacts: list[InboundContact]) -> list[Customer | None]:
    """The customer each contact comes from: found by e-mail address, else phone number,
    else PESEL, and created when unknown (None for a contact with neither address nor number).
    Adds new addresses and numbers to the customer. Contacts of one customer in the list
    share the one customer.

    Part of the caller's transaction; reads all the contacts' customers in at most three
    queries, and leaves new rows for the caller's flush.
    """
    emails = {normalise_email(c.from_email) for c in contacts if c.from_email}
    phones = {c.from_phone for c in contacts if c.from_phone}
    pesels = {c.pesel for c in contacts if c.pesel}
    by_email = {row.address: row.customer for row in db.session.scalars(
        db.select(CustomerEmail).where(CustomerEmail.address.in_(emails)))} if emails else {}
    by_phone = {row.number: row.customer for row in db.session.scalars(
        db.select(CustomerPhone).where(CustomerPhone.number.in_(phones)))} if phones else {}
    by_pesel: dict[str, Customer] = {}
    if pesels:
        for customer in db.session.scalars(db.select(Customer).where(Customer.pesel.in_(pesels)).order_by(Customer.id)):
            by_pesel.setdefault(customer.pesel, customer)
    found = []
    for contact in contacts:
        email = normalise_email(contact.from_email)
        customer = by_email.get(email) or by_phone.get(contact.from_phone) or by_pesel.get(contact.pesel)
        if customer is None:
            if not (contact.from_email or contact.from_phone):
                found.append(None)
                continue
            customer = Customer(name=contact.from_name, language=contact.language, attributes={})
            db.session.add(customer)
        if contact.from_name and not customer.name:
            customer.name = contact.from_name
        if contact.pesel and not customer.pesel:
            customer.pesel = contact.pesel
            by_pesel[contact.pesel] = customer
        if email and email not in {e.address for e in customer.emails}:
            customer.emails.append(CustomerEmail(address=email))
            by_email[email] = customer
        if contact.from_phone and contact.from_phone not in {p.number for p in customer.phones}:
            customer.phones.append(CustomerPhone(number=contact.from_phone))
            by_phone[contact.from_phone] = customer
        found.append(customer)
    return found
