"""Tickets: opening, messages, replies, status and field changes, with the audit trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from channels import InboundAttachment, InboundContact
from helpdesk.core import signals
from helpdesk.core import storage
from helpdesk.core.extensions import db
from helpdesk.models import Attachment, Category, Customer, Message, Team, Ticket, TicketEvent, User
from helpdesk.models.core import OPEN_STATUSES, PRIORITIES, STATUSES
from helpdesk.models.tickets import SavedFilter
from helpdesk.models.types import utcnow
from helpdesk.tickets import search

# Which statuses an agent may move a ticket to from each status.
ALLOWED_TRANSITIONS = {
    "new": {"open", "waiting", "solved", "closed"},
    "open": {"waiting", "solved", "closed"},
    "waiting": {"open", "solved", "closed"},
    "solved": {"open", "closed"},
    "closed": {"open"},
}


class TicketError(ValueError):
    """A change that is not allowed; the message says why."""


def record_event(ticket: Ticket, kind: str, actor: User | None = None, **data) -> None:
    db.session.add(TicketEvent(ticket_id=ticket.id, actor_user_id=actor.id if actor else None, kind=kind, data=data))


def add_message(ticket: Ticket, *, channel: str, direction: str, text: str, html: str | None = None,
                internal: bool = False, author_user: User | None = None, author_customer: Customer | None = None,
                author_name: str = "", subject: str = "", attachments: list[InboundAttachment] = (),
                external_message_id: str | None = None, call_id: str | None = None,
                raw_contact_id: int | None = None, created_at=None) -> Message:
    """Add a message to the ticket inside the caller's transaction."""
    message = _new_message(
        ticket, channel=channel, direction=direction, text=text, html=html, internal=internal,
        author_user=author_user, author_customer=author_customer, author_name=author_name, subject=subject,
        attachments=attachments, external_message_id=external_message_id, call_id=call_id,
        raw_contact_id=raw_contact_id, created_at=created_at)
    db.session.flush()
    _message_added(message)
    return message


def _new_message(ticket: Ticket, *, author_user: User | None, attachments: list[InboundAttachment],
                 author_name: str, created_at, **fields) -> Message:
    message = Message(ticket=ticket, author_user=author_user,
                      author_name=author_name or (author_user.name if author_user else ""),
                      created_at=created_at or utcnow(), **fields)
    for item in attachments:
        message.attachments.append(Attachment(
            filename=item.filename, media_type=item.media_type, size=len(item.content),
            sha256=storage.save(item.content), content_id=item.content_id, inline=item.inline,
        ))
    db.session.add(message)
    return message


def _message_added(message: Message) -> None:
    """The audit event and the signal of a message once it has its id."""
    kind = "note" if message.internal else f"message-{message.direction}"
    record_event(message.ticket, kind, message.author_user, message_id=message.id)
    signals.message_added.send(message)


@dataclass(frozen=True)
class NewTicket:
    """A contact to open a ticket with (see open_tickets)."""
    contact: InboundContact
    customer: Customer | None
    raw_contact_id: int | None
    team_id: int | None = None  # the channel's default team (e.g. the mailbox's)
    linked_ticket_id: int | None = None
    ticket_id: int | None = None  # an id reserved beforehand (see intake.store_raw)


def open_ticket(contact: InboundContact, customer: Customer | None, raw_contact_id: int | None, *,
                team_id: int | None = None, linked_ticket_id: int | None = None,
                ticket_id: int | None = None) -> Ticket:
    """A new ticket with the contact as its first message (see open_tickets)."""
    return open_tickets([NewTicket(contact, customer, raw_contact_id, team_id, linked_ticket_id, ticket_id)])[0]


def open_tickets(new: list[NewTicket]) -> list[Ticket]:
    """New tickets, each with its contact as the first message, inside the caller's transaction.

    The team is the one of the form's category, else the channel's default; automated mail
    (auto-replies, bounces) is tagged "automated". The tickets, then their messages, go to the
    database together, so a batch costs a few statements, not a few per ticket.
    """
    slugs = {item.contact.form_category for item in new if item.contact.form_category}
    categories = {}
    if slugs:
        categories = {slug: (id_, team_id) for slug, id_, team_id in db.session.execute(
            db.select(Category.slug, Category.id, Category.default_team_id).where(Category.slug.in_(slugs)))}
    tickets = []
    for item in new:
        contact = item.contact
        category_id, category_team_id = categories.get(contact.form_category, (None, None))
        ticket = Ticket(
            id=item.ticket_id, subject=(contact.subject or contact.text[:80] or "(bez tematu)")[:300],
            channel=contact.channel, line=contact.line[:254], form_category=contact.form_category,
            language=contact.language, customer=item.customer, category_id=category_id,
            team_id=category_team_id or item.team_id, status="new", priority="normal",
            tags=["automated"] if contact.is_automated else [], linked_ticket_id=item.linked_ticket_id,
            created_at=contact.received_at or utcnow(),  # SLA clocks count from when we received it
        )
        db.session.add(ticket)
        tickets.append(ticket)
    # In the database before the rows that refer to them by id alone (events, SLA clocks).
    db.session.flush()
    messages = []
    for ticket, item in zip(tickets, new):
        contact = item.contact
        record_event(ticket, "created", channel=contact.channel)
        signals.ticket_opened.send(ticket)
        messages.append(_new_message(
            ticket, channel=contact.channel, direction="in", text=contact.text, html=contact.html,
            author_user=None, author_customer=item.customer, author_name=contact.from_name or contact.from_email,
            subject=contact.subject, attachments=contact.attachments, external_message_id=contact.message_id,
            call_id=contact.call_id, raw_contact_id=item.raw_contact_id, created_at=ticket.created_at))
    db.session.flush()
    for message in messages:
        _message_added(message)
    return tickets


def reply(ticket_id: int, author: User, text: str, *, internal: bool = False,
          attachments: list[InboundAttachment] = ()) -> Message:
    """An agent's public reply or internal note. A public reply to a new ticket opens it."""
    text = (text or "").strip()
    if not text:
        raise TicketError("empty-message")
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    message = add_message(ticket, channel=ticket.channel, direction="out", text=text, internal=internal,
                          author_user=author, attachments=attachments,
                          subject=ticket.subject)
    if not internal and ticket.status == "new":
        _set_status(ticket, "open", author)
    db.session.commit()
    signals.message_committed.send(message.id)
    return message


def customer_replied(ticket: Ticket) -> None:
    """A customer wrote on the ticket: waiting, solved or closed goes back to open (system actor).

    Inside the caller's transaction; the one place that decides this.
    """
    if ticket.status in ("waiting", "solved", "closed"):
        _set_status(ticket, "open", None)


def change_status(ticket_id: int, actor: User | None, status: str) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    if status not in STATUSES:
        raise TicketError("unknown-status")
    if status != ticket.status:
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            raise TicketError("transition-not-allowed")
        _set_status(ticket, status, actor)
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


def _set_status(ticket: Ticket, status: str, actor: User | None) -> None:
    old = ticket.status
    ticket.status = status
    record_event(ticket, "status", actor, old=old, new=status)
    signals.status_changed.send(ticket, old=old, new=status, actor=actor)


def update_fields(ticket_id: int, actor: User, *, category: str | None = None, priority: str | None = None,
                  team: str | None = None, assignee_id: int | None | str = "unchanged") -> Ticket:
    """Re-categorise, re-prioritise or hand over a ticket; every change goes into the audit trail."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    if category is not None:
        new = db.session.scalar(db.select(Category).filter_by(slug=category))
        if new is None:
            raise TicketError("unknown-category")
        if new.id != ticket.category_id:
            record_event(ticket, "category", actor, old=ticket.category.slug if ticket.category else None,
                         new=new.slug)
            ticket.category = new
    if priority is not None:
        if priority not in PRIORITIES:
            raise TicketError("unknown-priority")
        if priority != ticket.priority:
            record_event(ticket, "priority", actor, old=ticket.priority, new=priority)
            ticket.priority = priority
    if team is not None:
        new_team = db.session.scalar(db.select(Team).filter_by(slug=team))
        if new_team is None:
            raise TicketError("unknown-team")
        if new_team.id != ticket.team_id:
            record_event(ticket, "team", actor, old=ticket.team.slug if ticket.team else None, new=new_team.slug)
            ticket.team = new_team
    if assignee_id != "unchanged":
        if assignee_id is not None and db.session.get(User, assignee_id) is None:
            raise TicketError("unknown-agent")
        if assignee_id != ticket.assignee_id:
            record_event(ticket, "assignee", actor, old=ticket.assignee_id, new=assignee_id)
            ticket.assignee_id = assignee_id
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


def add_tags(ticket_id: int, actor: User, tags: list[str]) -> Ticket:
    """Add tags to a ticket (those it has already are skipped); audited."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    added = [t for t in dict.fromkeys(tag.strip()[:64] for tag in tags) if t and t not in (ticket.tags or [])]
    if added:
        ticket.tags = [*(ticket.tags or []), *added]
        record_event(ticket, "tags", actor, added=added)
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


def merge(source_id: int, target_id: int, actor: User) -> Ticket:
    """Merge ticket ``source_id`` into ``target_id``: its messages move over, its tags join the
    target's, it is closed and points at the target; both audit trails say so."""
    if source_id == target_id:
        raise TicketError("merge-into-itself")
    source, target = db.session.get(Ticket, source_id), db.session.get(Ticket, target_id)
    if source is None or target is None:
        raise TicketError("no-such-ticket")
    moved = db.session.execute(db.update(Message).where(Message.ticket_id == source.id)
                               .values(ticket_id=target.id).returning(Message.id)).scalars().all()
    db.session.expire(source, ["messages"])
    db.session.expire(target, ["messages"])
    record_event(source, "merged-into", actor, ticket_id=target.id, number=target.number, messages=len(moved))
    record_event(target, "merged-from", actor, ticket_id=source.id, number=source.number, messages=len(moved))
    target.tags = [*(target.tags or []), *[t for t in (source.tags or []) if t not in (target.tags or [])]]
    if source.status != "closed":
        _set_status(source, "closed", actor)
    source.linked_ticket_id = target.id
    search.mark_stale(source.id)
    search.mark_stale(target.id)
    db.session.commit()
    signals.ticket_committed.send(source.id)
    signals.ticket_committed.send(target.id)
    return target


BULK_ACTIONS = ("assign", "status", "category", "priority", "team", "tags", "merge")


@dataclass
class BulkOutcome:
    changed: list[int]
    refused: dict[int, str]  # ticket id: the TicketError's code


def bulk_update(ticket_ids: list[int], actor: User, action: str, value: str) -> BulkOutcome:
    """One action on each of the tickets, each in its own transaction, so one refusal (a status
    change not allowed) leaves the others done. Merge puts all of them into the oldest one."""
    ids = list(dict.fromkeys(ticket_ids))
    outcome = BulkOutcome([], {})
    if action == "merge":
        if len(ids) < 2:
            raise TicketError("merge-needs-two")
        target = min(ids)
        for source in ids:
            if source != target:
                merge(source, target, actor)
        outcome.changed = ids
        return outcome
    for ticket_id in ids:
        try:
            if action == "assign":
                update_fields(ticket_id, actor, assignee_id=int(value) if value else None)
            elif action == "status":
                change_status(ticket_id, actor, value)
            elif action == "category":
                update_fields(ticket_id, actor, category=value)
            elif action == "priority":
                update_fields(ticket_id, actor, priority=value)
            elif action == "team":
                update_fields(ticket_id, actor, team=value)
            elif action == "tags":
                add_tags(ticket_id, actor, value.split(","))
            else:
                raise TicketError("unknown-action")
            outcome.changed.append(ticket_id)
        except TicketError as exc:
            db.session.rollback()
            outcome.refused[ticket_id] = str(exc)
    return outcome


def save_filter(user: User, name: str, params: dict) -> SavedFilter:
    """Save (or replace) the agent's queue filter under ``name``."""
    name = name.strip()[:100]
    if not name:
        raise TicketError("filter-needs-name")
    row = db.session.scalar(db.select(SavedFilter).filter_by(user_id=user.id, name=name))
    if row is None:
        row = SavedFilter(user_id=user.id, name=name)
        db.session.add(row)
    row.params = params
    db.session.commit()
    return row


def delete_filter(user: User, filter_id: int) -> None:
    """Delete one of the agent's own saved filters (someone else's is not found)."""
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise TicketError("no-such-filter")
    db.session.delete(row)
    db.session.commit()


def saved_filters(user: User) -> list[SavedFilter]:
    return db.session.scalars(db.select(SavedFilter).filter_by(user_id=user.id).order_by(SavedFilter.name)).all()


def visible_tickets(user: User | AnonymousUserMixin):
    """A select of the tickets this member of staff may see: agents their teams' and their own."""
    query = db.select(Ticket)
    if user.has_role("agent"):
        team_ids = [t.id for t in user.teams]
        query = query.where((Ticket.team_id.in_(team_ids)) | (Ticket.assignee_id == user.id)
                            | (Ticket.team_id.is_(None)))
    return query


def can_see(user: User, ticket: Ticket) -> bool:
    if not user.has_role("agent"):
        return True
    return ticket.team_id is None or ticket.assignee_id == user.id or ticket.team_id in {t.id for t in user.teams}


def unrouted_tickets(older_than: timedelta | None = None):
    """Open tickets routing has not handled for longer than ROUTING_UNROUTED_MINUTES."""
    if older_than is None:
        older_than = timedelta(minutes=current_app.config["ROUTING_UNROUTED_MINUTES"])
    return (select(Ticket).where(Ticket.routed_at.is_(None), Ticket.status.in_(OPEN_STATUSES),
                                 Ticket.created_at < utcnow() - older_than).order_by(Ticket.created_at))
