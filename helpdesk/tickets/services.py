"""Tickets: opening, messages, replies, status and field changes, with the audit trail."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from channels import InboundAttachment, InboundContact
from helpdesk.core import signals
from helpdesk.core import storage
from helpdesk.core.extensions import db, upsert
from helpdesk.audit.services import record as audit
from helpdesk.models import (Attachment, Category, Customer, Message, RawContact, Team, Ticket, TicketEvent,
                             User)
from helpdesk.models.sla import Notification
from helpdesk.models.tickets import LANGUAGES, CannedResponse, TicketViewer
from helpdesk.models.core import OPEN_STATUSES, PRIORITIES, STATUSES
from helpdesk.models.tickets import SavedFilter
from helpdesk.models.types import utcnow
from helpdesk.tickets import search
from helpdesk.web.helpers import format_due

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
    """An agent's public reply or internal note. A public reply to a new ticket opens it; an
    @mention in a note notifies the staff named (see `mentioned_staff`), listed on
    ``message.mentioned``."""
    text = (text or "").strip()
    if not text:
        raise TicketError("empty-message")
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    message = add_message(ticket, channel=ticket.channel, direction="out", text=text, internal=internal,
                          author_user=author, attachments=attachments,
                          subject=ticket.subject)
    mentioned = mentioned_staff(text, ticket, author) if internal else []
    for user in mentioned:
        db.session.add(Notification(user_id=user.id, ticket_id=ticket.id, kind="mention", clock="",
                                    message_id=message.id))
    if not internal and ticket.status == "new":
        _set_status(ticket, "open", author)
    db.session.commit()
    signals.message_committed.send(message.id)
    message.mentioned = mentioned
    return message


_MENTION = re.compile(r"(?<![\w@])@([\w][\w.\-]*\w|\w)")


def mention_handle(user: User) -> str:
    """What to type after @ to mention the user: the part of their e-mail address before the @."""
    return user.email.split("@", 1)[0]


def mentioned_staff(text: str, ticket: Ticket, author: User | None = None) -> list[User]:
    """The active staff a note mentions by @handle (see `mention_handle`) or by @First.Last name,
    who may open the ticket; the author is left out."""
    handles = {m.lower() for m in _MENTION.findall(text)}
    if not handles:
        return []
    found = []
    for user in db.session.scalars(db.select(User).filter_by(active=True).order_by(User.id)):
        names = {mention_handle(user).lower(), ".".join(user.name.split()).lower()}
        if names & handles and (author is None or user.id != author.id) and can_see(user, ticket):
            found.append(user)
    return found


def customer_replied(ticket: Ticket) -> None:
    """A customer wrote on the ticket: waiting, solved or closed goes back to open (system actor).

    Inside the caller's transaction; the one place that decides this.
    """
    if ticket.status in ("waiting", "solved", "closed"):
        _set_status(ticket, "open", None)


def change_status(ticket_id: int, actor: User | None, status: str, *, expected_version: int | None = None) -> Ticket:
    """Move the ticket to ``status``; with ``expected_version`` refused (TicketConflict) if the
    ticket changed since the form was filled in."""
    ticket = _ticket_for_edit(ticket_id, expected_version)
    if status not in STATUSES:
        raise TicketError("unknown-status")
    if status != ticket.status:
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            raise TicketError("transition-not-allowed")
        _set_status(ticket, status, actor)
        ticket.version += 1
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


class TicketConflict(TicketError):
    """Someone else changed the ticket after the form was filled in; nothing was saved."""


def _ticket_for_edit(ticket_id: int, expected_version: int | None) -> Ticket:
    """The ticket, locked against a concurrent edit, if it is still at ``expected_version``.

    FOR NO KEY UPDATE: two edits of one ticket queue up, so the second sees the first's
    version and is refused rather than overwriting it; rows that merely refer to the ticket
    (messages, events) are not blocked.
    """
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id)
                               .with_for_update(key_share=True, of=Ticket)
                               .execution_options(populate_existing=True))
    if ticket is None:
        raise TicketError("no-such-ticket")
    if expected_version is not None and ticket.version != expected_version:
        db.session.rollback()
        raise TicketConflict("conflict")
    return ticket


def _set_status(ticket: Ticket, status: str, actor: User | None) -> None:
    old = ticket.status
    ticket.status = status
    record_event(ticket, "status", actor, old=old, new=status)
    signals.status_changed.send(ticket, old=old, new=status, actor=actor)


def update_fields(ticket_id: int, actor: User, *, category: str | None = None, priority: str | None = None,
                  team: str | None = None, assignee_id: int | None | str = "unchanged",
                  tags: list[str] | None = None, expected_version: int | None = None) -> Ticket:
    """Re-categorise, re-prioritise, re-tag or hand over a ticket; every change goes into the
    audit trail. With ``expected_version`` refused (TicketConflict) if the ticket changed since."""
    ticket = _ticket_for_edit(ticket_id, expected_version)
    changed = False
    if category is not None:
        new = db.session.scalar(db.select(Category).filter_by(slug=category))
        if new is None:
            raise TicketError("unknown-category")
        if new.id != ticket.category_id:
            record_event(ticket, "category", actor, old=ticket.category.slug if ticket.category else None,
                         new=new.slug)
            ticket.category = new
            changed = True
    if priority is not None:
        if priority not in PRIORITIES:
            raise TicketError("unknown-priority")
        if priority != ticket.priority:
            record_event(ticket, "priority", actor, old=ticket.priority, new=priority)
            ticket.priority = priority
            changed = True
    if team is not None:
        new_team = db.session.scalar(db.select(Team).filter_by(slug=team))
        if new_team is None:
            raise TicketError("unknown-team")
        if new_team.id != ticket.team_id:
            record_event(ticket, "team", actor, old=ticket.team.slug if ticket.team else None, new=new_team.slug)
            ticket.team = new_team
            changed = True
    if assignee_id != "unchanged":
        if assignee_id is not None and db.session.get(User, assignee_id) is None:
            raise TicketError("unknown-agent")
        if assignee_id != ticket.assignee_id:
            record_event(ticket, "assignee", actor, old=ticket.assignee_id, new=assignee_id)
            ticket.assignee_id = assignee_id
            changed = True
    if tags is not None:
        new_tags = normalise_tags(tags)
        old_tags = list(ticket.tags or [])
        added = [t for t in new_tags if t not in old_tags]
        removed = [t for t in old_tags if t not in new_tags]
        if added or removed:
            record_event(ticket, "tags", actor, added=added, removed=removed)
            ticket.tags = new_tags
            changed = True
    if changed:
        ticket.version += 1
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags as stored: trimmed, lower-case, at most 40 characters, each once, in the given order."""
    result: list[str] = []
    for tag in tags:
        tag = " ".join(tag.split()).lower()[:40]
        if tag and tag not in result:
            result.append(tag)
    return result


def add_tags(ticket_id: int, actor: User, tags: list[str]) -> Ticket:
    """Add tags to a ticket (those it has already are skipped); audited."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError("no-such-ticket")
    added = [t for t in normalise_tags(tags) if t not in (ticket.tags or [])]
    if added:
        ticket.tags = [*(ticket.tags or []), *added]
        record_event(ticket, "tags", actor, added=added)
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


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


# --- merge and split ---------------------------------------------------------------------

def merge(source_id: int, target_id: int, actor: User, *, expected_version: int | None = None) -> Ticket:
    """Merge ticket ``source_id`` into ``target_id``: its messages move over (in time order with
    the target's), it is closed and points at the target; both audit trails say so.

    With ``expected_version`` refused (TicketConflict) if the source changed since the form.
    """
    if source_id == target_id:
        raise TicketError("merge-into-itself")
    source = _ticket_for_edit(source_id, expected_version)
    target = db.session.scalar(select(Ticket).where(Ticket.id == target_id)
                               .with_for_update(key_share=True, of=Ticket)
                               .execution_options(populate_existing=True))
    if target is None or not can_see(actor, target):
        raise TicketError("no-such-ticket")
    if target.linked_ticket_id == source.id and target.status == "closed":
        raise TicketError("merge-into-merged")
    moved = db.session.execute(db.update(Message).where(Message.ticket_id == source.id)
                               .values(ticket_id=target.id).returning(Message.id)).scalars().all()
    db.session.expire(source, ["messages"])
    db.session.expire(target, ["messages"])
    record_event(source, "merged-into", actor, ticket_id=target.id, number=target.number, messages=len(moved))
    record_event(target, "merged-from", actor, ticket_id=source.id, number=source.number, messages=len(moved))
    if source.status != "closed":
        _set_status(source, "closed", actor)
    source.linked_ticket_id = target.id
    source.version += 1
    target.version += 1
    if target.customer_id is None and source.customer_id is not None:
        target.customer_id = source.customer_id
    target.tags = [*(target.tags or []), *[tag for tag in (source.tags or []) if tag not in (target.tags or [])]]
    search.mark_stale(source.id)  # moved messages: both tickets' search documents change
    search.mark_stale(target.id)
    db.session.commit()
    signals.ticket_committed.send(source.id)
    signals.ticket_committed.send(target.id)
    return target


def split(message_id: int, actor: User) -> Ticket:
    """Move one customer message into a new ticket of its own (same customer, channel, category
    and team), which then goes through routing and gets its SLA clocks like any new ticket."""
    message = db.session.get(Message, message_id)
    if message is None or not can_see(actor, message.ticket):
        raise TicketError("no-such-message")
    source = message.ticket
    if message.direction != "in" or message.internal:
        raise TicketError("split-not-customer")
    first_id = db.session.scalar(db.select(db.func.min(Message.id)).filter_by(ticket_id=source.id))
    if message.id == first_id:  # the ticket's own request stays; a later one can go
        raise TicketError("split-first-message")
    subject = (message.subject or message.text[:80] or source.subject)[:300]
    new = Ticket(subject=subject, channel=message.channel, line=source.line, form_category=source.form_category,
                 language=source.language, customer_id=source.customer_id, category_id=source.category_id,
                 team_id=source.team_id, status="new", priority=source.priority, tags=[],
                 linked_ticket_id=source.id, created_at=message.created_at)
    db.session.add(new)
    db.session.flush()
    message.ticket = new
    db.session.flush()
    record_event(new, "created", actor, channel=new.channel)
    record_event(new, "split-from", actor, ticket_id=source.id, number=source.number, message_id=message.id)
    record_event(source, "split-into", actor, ticket_id=new.id, number=new.number, message_id=message.id)
    source.version += 1
    signals.ticket_opened.send(new)
    db.session.commit()
    signals.tickets_received.send((new.id,), channels={new.channel})
    signals.ticket_committed.send(source.id)
    return new


# --- what the ticket page shows ----------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    """One entry of a ticket's conversation: a message, or what another area adds (a call)
    through the ticket_timeline signal; ``template`` draws ``item``."""
    at: datetime
    template: str
    item: object


def timeline(ticket: Ticket) -> list[TimelineEntry]:
    """The whole conversation across channels in time order: the messages and whatever the
    areas answer to signals.ticket_timeline (a message before anything else at the same instant)."""
    entries = [TimelineEntry(m.created_at, "agent/_message.html", m) for m in ticket.messages]
    for _receiver, answer in signals.ticket_timeline.send(ticket):
        entries.extend(answer or ())
    return sorted(entries, key=lambda e: e.at)



@dataclass(frozen=True)
class CustomerIdentity:
    """What the customer identified themselves with: PESEL and loan/contract number from the
    web form (as they typed them on this ticket), else the customer record's PESEL."""
    pesel: str | None
    loan_numbers: tuple[str, ...]

    @property
    def masked_pesel(self) -> str | None:
        return mask_pesel(self.pesel) if self.pesel else None


def mask_pesel(pesel: str, visible: int = 3) -> str:
    """"•••••••• 123": all but the last ``visible`` digits hidden."""
    return "•" * (len(pesel) - visible) + pesel[-visible:]


def customer_identity(ticket: Ticket) -> CustomerIdentity:
    """The PESEL and loan numbers of the web-form contacts of this ticket (their stored fields)."""
    raw_ids = db.session.scalars(db.select(Message.raw_contact_id).where(
        Message.ticket_id == ticket.id, Message.channel == "webform", Message.raw_contact_id.is_not(None))
        .order_by(Message.id)).all()
    pesel, loans = None, []
    for payload in db.session.scalars(db.select(RawContact.payload).where(RawContact.id.in_(raw_ids))
                                      .order_by(RawContact.id)) if raw_ids else ():
        fields = _form_fields(payload)
        pesel = (fields.get("pesel") or "").strip() or pesel
        loan = (fields.get("loan_number") or "").strip()
        if loan and loan not in loans:
            loans.append(loan)
    if pesel is None and ticket.customer is not None:
        pesel = ticket.customer.pesel
    return CustomerIdentity(pesel=pesel, loan_numbers=tuple(loans))


_FIELDS_START = '{"fields": '


def _form_fields(payload: bytes) -> dict:
    """The typed-in fields of a stored web-form submission (channels.webform.to_payload).

    They come first in the JSON, before the attachments in hex, so the head of the payload
    is read alone when it holds them; the whole payload otherwise."""
    head = payload[:65536].decode("utf-8", "ignore")
    if head.startswith(_FIELDS_START):
        try:
            fields, _ = json.JSONDecoder().raw_decode(head, len(_FIELDS_START))
            return fields if isinstance(fields, dict) else {}
        except ValueError:
            pass
    try:
        data = json.loads(payload)
        return data.get("fields") or {} if isinstance(data, dict) else {}
    except ValueError:
        return {}


def reveal_pesel(ticket: Ticket, viewer: User) -> str | None:
    """The ticket's full PESEL for ``viewer``; the look is recorded in the audit trail."""
    pesel = customer_identity(ticket).pesel
    if pesel:
        audit(viewer, "customer", ticket.customer_id, "pesel-revealed", ticket=ticket.number)
        db.session.commit()
    return pesel


def customer_tickets(ticket: Ticket, viewer: User, *, page: int = 1, per_page: int = 10):
    """The customer's other tickets the viewer may open, most recent first, a page at a time;
    returns (tickets, total)."""
    if ticket.customer_id is None:
        return [], 0
    query = visible_tickets(viewer).where(Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id)
    total = db.session.scalar(query.with_only_columns(db.func.count()).order_by(None))
    rows = db.session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                              .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return rows, total


def attachment_for(viewer: User, attachment_id: int) -> tuple[Attachment, bytes] | None:
    """An attachment and its bytes, if the viewer may see its ticket (None otherwise)."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_see(viewer, item.message.ticket):
        return None
    try:
        return item, storage.load(item.sha256)
    except FileNotFoundError:
        return None


def viewing_window() -> timedelta:
    """How recent a page's heartbeat must be for its viewer to count: three heartbeats."""
    return timedelta(seconds=3 * current_app.config["TICKET_HEARTBEAT_SECONDS"])


def note_viewing(ticket_id: int, viewer: User) -> None:
    """Note that ``viewer`` has the ticket open now (commits).

    The ticket page calls it once the page is rendered: the commit expires what the session
    has loaded, which the page would otherwise read all again."""
    db.session.execute(upsert(TicketViewer.__table__, ["ticket_id", "user_id"], ("seen_at",)),
                       {"ticket_id": ticket_id, "user_id": viewer.id, "seen_at": utcnow()})
    db.session.commit()


def others_viewing(ticket_id: int, viewer: User) -> list[User]:
    """The other staff whose page of the ticket is open (see `viewing_window`)."""
    return db.session.scalars(db.select(User).join(TicketViewer, TicketViewer.user_id == User.id).where(
        TicketViewer.ticket_id == ticket_id, TicketViewer.user_id != viewer.id,
        TicketViewer.seen_at >= utcnow() - viewing_window()).order_by(User.name)).all()


# --- canned responses --------------------------------------------------------------------

def canned_responses(language: str | None = None, *, active_only: bool = True) -> list[CannedResponse]:
    query = db.select(CannedResponse).order_by(CannedResponse.language, CannedResponse.title)
    if active_only:
        query = query.filter_by(active=True)
    if language:
        query = query.filter_by(language=language)
    return list(db.session.scalars(query))


def save_canned_response(actor: User, *, title: str, language: str, body: str, active: bool = True,
                         response_id: int | None = None) -> CannedResponse:
    """Create or change a canned response (team leads and above); audited."""
    if language not in LANGUAGES:
        raise TicketError("unknown-language")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise TicketError("empty-message")
    problem = canned_problem(body)
    if problem:
        raise TicketError(problem)
    if response_id is None:
        item = CannedResponse()
        db.session.add(item)
    else:
        item = db.session.get(CannedResponse, response_id)
        if item is None:
            raise TicketError("no-such-response")
    item.title, item.language, item.body, item.active = title[:200], language, body, active
    item.updated_by_user_id = actor.id
    db.session.flush()
    audit(actor, "canned_response", item.id, "create" if response_id is None else "update",
          title=item.title, language=language, active=active)
    db.session.commit()
    return item


CANNED_VARIABLES = ("customer_name", "ticket_number", "due")
_VARIABLE = re.compile(r"\{(\w+)\}")


def canned_problem(body: str) -> str | None:
    """"unknown-variable" if the text uses a {name} that is not one of CANNED_VARIABLES."""
    return "unknown-variable" if any(v not in CANNED_VARIABLES for v in _VARIABLE.findall(body)) else None


def fill_canned(body: str, ticket: Ticket, language: str) -> str:
    """The canned text with {customer_name}, {ticket_number} and {due} (the nearest SLA
    deadline, worded as the acknowledgement words it) filled in for the ticket."""
    values = {
        "customer_name": ticket.customer.name if ticket.customer and ticket.customer.name else "",
        "ticket_number": ticket.number,
        "due": format_due(ticket.next_due_at, language) if ticket.next_due_at else "",
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)
