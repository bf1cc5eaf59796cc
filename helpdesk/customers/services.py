"""Finding the customer behind a contact, or creating one."""
from __future__ import annotations

from sqlalchemy import update

from channels import InboundContact
from channels.identity import normalise_email, normalise_phone
from helpdesk.audit import services as audit
from helpdesk.core.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone, Ticket, TicketEvent, User
from helpdesk.models.customers import CustomerMergeProposal
from helpdesk.models.types import utcnow


def identify(contact: InboundContact) -> Customer | None:
    """The customer a contact comes from (see identify_all). Flushes, never commits."""
    customer = identify_all([contact])[0]
    db.session.flush()
    return customer


def identify_all(contacts: list[InboundContact]) -> list[Customer | None]:
    """The customer each contact comes from, in every channel: found by e-mail address, else phone
    number (E.164), else PESEL, else customer number; created when nothing matches (None for a
    contact with neither address nor number). Adds the contact's new identifiers to the customer.
    Contacts of one customer in the list share the one customer.

    Two customers are never merged here: when the contact's identifiers point to different
    customers, the contact goes to the first match, the identifiers another customer holds stay
    with them, and a merge is proposed to the agents (see propose_merge).

    Part of the caller's transaction; reads all the contacts' customers in at most four queries,
    and leaves new rows for the caller's flush.
    """
    emails = {normalise_email(c.from_email) for c in contacts if c.from_email}
    phones = {_phone(c) for c in contacts if c.from_phone}
    pesels = {c.pesel for c in contacts if c.pesel}
    numbers = {c.customer_number.strip() for c in contacts if c.customer_number and c.customer_number.strip()}
    by_email = {row.address: row.customer for row in db.session.scalars(
        db.select(CustomerEmail).where(CustomerEmail.address.in_(emails)))} if emails else {}
    by_phone = {row.number: row.customer for row in db.session.scalars(
        db.select(CustomerPhone).where(CustomerPhone.number.in_(phones)))} if phones else {}
    by_pesel: dict[str, Customer] = {}
    if pesels:
        for customer in db.session.scalars(db.select(Customer).where(Customer.pesel.in_(pesels)).order_by(Customer.id)):
            by_pesel.setdefault(customer.pesel, customer)
    by_number = {c.customer_number: c for c in db.session.scalars(
        db.select(Customer).where(Customer.customer_number.in_(numbers)))} if numbers else {}
    found = []
    for contact in contacts:
        evidence = [("email", normalise_email(contact.from_email), by_email),
                    ("phone", _phone(contact) if contact.from_phone else "", by_phone),
                    ("pesel", contact.pesel or "", by_pesel),
                    ("customer_number", (contact.customer_number or "").strip(), by_number)]
        matches = [(kind, value, table[value]) for kind, value, table in evidence if value and value in table]
        customer = matches[0][2] if matches else None
        if customer is None:
            if not (contact.from_email or contact.from_phone):
                found.append(None)
                continue
            customer = Customer(name=contact.from_name, language=contact.language, attributes={})
            db.session.add(customer)
        others: dict[int, tuple[Customer, list]] = {}
        for kind, value, other in matches:
            if other is not customer:
                others.setdefault(id(other), (other, []))[1].append({"kind": kind, "value": value})
        for other, reasons in others.values():
            propose_merge(customer, other, reasons)
        if contact.from_name and not customer.name:
            customer.name = contact.from_name
        for kind, value, table in evidence:
            if not value or value in table:  # nothing given, or already someone's (this one's or another's)
                continue
            if kind == "email":
                customer.emails.append(CustomerEmail(address=value))
            elif kind == "phone":
                customer.phones.append(CustomerPhone(number=value))
            elif kind == "pesel" and not customer.pesel:
                customer.pesel = value
            elif kind == "customer_number" and not customer.customer_number:
                customer.customer_number = value
            else:
                continue
            table[value] = customer
        found.append(customer)
    return found


def _phone(contact: InboundContact) -> str:
    """The contact's phone number in E.164 (+48 for a Polish national number)."""
    return normalise_phone(contact.from_phone) or contact.from_phone


# --- one customer across channels: merges proposed, confirmed by an agent -----------------------------

PENDING = "kontakt_merge_proposals"  # session.info: proposals of this transaction awaiting their ticket


def propose_merge(customer: Customer, other: Customer, reasons: list[dict]) -> CustomerMergeProposal | None:
    """Propose that ``other`` is the same person as ``customer`` ("because" ``reasons``), unless the
    pair was proposed before (and not yet decided, or dismissed). The ticket the contact opens or
    lands on is attached when the ticket is (see attach_ticket). Part of the caller's transaction."""
    if customer.id is not None and other.id is not None:
        pair = ((CustomerMergeProposal.customer_id == customer.id) & (CustomerMergeProposal.other_customer_id == other.id)) | (
            (CustomerMergeProposal.customer_id == other.id) & (CustomerMergeProposal.other_customer_id == customer.id))
        with db.session.no_autoflush:
            if db.session.scalar(db.select(CustomerMergeProposal.id).where(
                    pair, CustomerMergeProposal.status.in_(("proposed", "dismissed"))).limit(1)):
                return None
    for pending in db.session.info.get(PENDING, []):
        if {pending.customer, pending.other_customer} == {customer, other}:
            return None
    proposal = CustomerMergeProposal(customer=customer, other_customer=other, reasons=reasons, status="proposed")
    db.session.add(proposal)
    db.session.info.setdefault(PENDING, []).append(proposal)
    return proposal


def attach_ticket(ticket, **_) -> None:
    """The signal receiver (ticket opened, message added): proposals raised by this transaction's
    contact of the ticket's customer are shown on that ticket."""
    for proposal in db.session.info.get(PENDING, []):
        if proposal.ticket is None and proposal.customer is ticket.customer:
            proposal.ticket = ticket


def forget_pending(session, *_) -> None:
    session.info.pop(PENDING, None)


def proposals_for(customer_id: int | None) -> list[CustomerMergeProposal]:
    """Undecided merge proposals involving a customer (for the ticket page)."""
    if customer_id is None:
        return []
    return db.session.scalars(db.select(CustomerMergeProposal).where(
        CustomerMergeProposal.status == "proposed",
        (CustomerMergeProposal.customer_id == customer_id) | (CustomerMergeProposal.other_customer_id == customer_id))
        .order_by(CustomerMergeProposal.id)).all()


class MergeError(ValueError):
    """A merge that cannot be made; the message is an English key the screens translate."""


def merge(proposal_id: int, actor: User) -> Customer:
    """Confirm a proposal: ``other`` becomes part of ``customer`` — its addresses, numbers, tickets and
    every other row that names it move over, what the customer lacks (name, PESEL, customer number,
    attributes) is taken from it, and it is deleted. The audit trail keeps what was merged, by whom."""
    proposal = db.session.get(CustomerMergeProposal, proposal_id, with_for_update=True)
    if proposal is None or proposal.status != "proposed":
        raise MergeError("proposal-decided")
    keep, gone = proposal.customer, proposal.other_customer
    if keep is None or gone is None:
        raise MergeError("proposal-decided")
    record = {"name": gone.name, "emails": [e.address for e in gone.emails], "phones": [p.number for p in gone.phones],
              "pesel": gone.pesel, "customer_number": gone.customer_number, "attributes": gone.attributes}
    tickets = db.session.scalars(db.select(Ticket.id).filter_by(customer_id=gone.id)).all()
    keep.name = keep.name or gone.name
    keep.attributes = {**(gone.attributes or {}), **(keep.attributes or {})}
    keep.pesel = keep.pesel or gone.pesel
    number, gone.customer_number = gone.customer_number, None
    db.session.flush()  # the customer number is unique: off the one merged away first
    keep.customer_number = keep.customer_number or number
    db.session.flush()
    # Every table that names the customer moves to the one kept (tickets, messages, addresses,
    # numbers, other areas' rows); the proposals keep their history and lose the merged-away id.
    proposals = CustomerMergeProposal.__table__
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "customers":
                db.session.execute(update(table).where(fk.parent == gone.id).values(
                    {fk.parent.name: None if table is proposals else keep.id}))
    now = utcnow()
    db.session.execute(update(proposals).where(proposals.c.status == "proposed", (
        proposals.c.customer_id.is_(None) | proposals.c.other_customer_id.is_(None) | (proposals.c.id == proposal.id)))
        .values(status="merged", decided_by_user_id=actor.id, decided_at=now))  # settled by this merge
    audit.record(actor, "customer", keep.id, "merge", merged_customer_id=gone.id, merged=record, tickets=tickets,
                 reasons=proposal.reasons, proposal_id=proposal.id)
    if proposal.ticket_id is not None:
        db.session.add(TicketEvent(ticket_id=proposal.ticket_id, actor_user_id=actor.id, kind="customer-merged",
                                   data={"kept": keep.id, "merged": gone.id}))
    db.session.flush()
    keep_id, gone_id = keep.id, gone.id
    db.session.expire_all()  # the rows moved under the ORM's feet
    db.session.delete(db.session.get(Customer, gone_id))
    db.session.commit()
    return db.session.get(Customer, keep_id)


def dismiss(proposal_id: int, actor: User) -> None:
    """"Not the same person": the proposal is closed and not raised again for the pair."""
    proposal = db.session.get(CustomerMergeProposal, proposal_id)
    if proposal is None or proposal.status != "proposed":
        raise MergeError("proposal-decided")
    proposal.status, proposal.decided_by_user_id, proposal.decided_at = "dismissed", actor.id, utcnow()
    audit.record(actor, "customer", proposal.customer_id, "merge-dismissed", other_customer_id=proposal.other_customer_id,
                 reasons=proposal.reasons, proposal_id=proposal.id)
    db.session.commit()
