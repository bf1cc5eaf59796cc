"""Inbound mail: one ingest path for IMAP, the HTTP endpoint and the CLI; threading; the quarantine."""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass
from datetime import timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from flask import current_app

from channels import InboundAttachment, InboundContact
from channels.email import MailRejected, find_ticket_number, parse
from channels.email.imap import Mailbox as ImapMailbox
from channels.email.imap import MailboxError
from channels.identity import normalise_email
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.mail.services.mailboxes import MailboxInvalid, imap_settings
from helpdesk.models import Message, RawContact, Ticket, TicketEvent, User
from helpdesk.models.core import TICKET_NUMBER_OFFSET
from helpdesk.models.mail import Acknowledgement, Mailbox
from helpdesk.models.types import utcnow
from helpdesk.audit import services as audit

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*<?([^\s<>]+)>?", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class IngestResult:
    """What became of one message: "created", "threaded", "duplicate" or "quarantined"."""

    raw_id: int
    status: str
    ticket_id: int | None = None
    reason: str | None = None

    @property
    def ticket_number(self) -> str | None:
        return f"KT-{TICKET_NUMBER_OFFSET + self.ticket_id}" if self.ticket_id else None


def dedup_key(raw: bytes) -> str:
    """The Message-ID (when there is one in the header block) plus the SHA-256 of the bytes."""
    header_block = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    found = _MESSAGE_ID.search(header_block)
    message_id = found.group(1).decode("ascii", "replace")[:120] if found else ""
    return f"{message_id}|{hashlib.sha256(raw).hexdigest()}"


def ingest(raw: bytes, *, source: str, line: str = "") -> IngestResult:
    """Store one raw message first, then parse, thread and receive it; never loses nor duplicates it.

    ``source`` says where it came from ("imap:<address>", "api", "cli"); ``line`` is the
    mailbox address it was delivered to, when known. Unreadable mail is quarantined.
    """
    stored, created = intake.store_raw(channel="email", source=source, payload=raw, media_type="message/rfc822",
                                       dedup_key=dedup_key(raw))
    if not created and stored.status != "received":
        return IngestResult(stored.id, "duplicate" if stored.status == "processed" else stored.status,
                            stored.ticket_id, stored.reason)
    return process(stored.id, line=line)


def process(raw_id: int, *, line: str = "") -> IngestResult:
    """Parse a stored raw e-mail and put it on its ticket (or a new one); used by ingest and retries."""
    raw = db.session.get(RawContact, raw_id, with_for_update=True, populate_existing=True)
    if raw.status == "processed":  # another worker got there first
        db.session.commit()
        return IngestResult(raw.id, "duplicate", raw.ticket_id)
    config = current_app.config
    try:
        contact = parse(raw.payload, max_message_bytes=config["MAIL_MAX_MESSAGE_BYTES"],
                        max_attachment_bytes=config["MAIL_MAX_ATTACHMENT_BYTES"], own_domains=[config["MAIL_DOMAIN"]])
    except MailRejected as rejected:
        intake.quarantine(raw.id, rejected.reason)
        return IngestResult(raw.id, "quarantined", reason=rejected.reason)
    contact.received_at = raw.received_at
    mailbox = _mailbox_for(line, contact)
    contact.line = mailbox.address if mailbox else line
    if contact.message_id:
        known = db.session.scalar(db.select(Message).filter_by(external_message_id=contact.message_id,
                                                               direction="in").limit(1))
        if known is not None:  # the same mail delivered twice (e.g. to two of our mailboxes)
            raw.status, raw.ticket_id = "processed", known.ticket_id
            db.session.commit()
            return IngestResult(raw.id, "duplicate", known.ticket_id)
    ticket, linked_ticket_id = find_thread(contact)
    try:
        result = intake.receive(raw.id, contact, thread_to=ticket, team_id=mailbox.team_id if mailbox else None,
                                linked_ticket_id=linked_ticket_id)
    except Exception as error:  # intake has quarantined it with the reason; the mail is kept
        return IngestResult(raw.id, "quarantined", reason=f"{type(error).__name__}: {error}")
    return IngestResult(raw.id, "threaded" if ticket is not None else "created", result.id)


def _mailbox_for(line: str, contact: InboundContact) -> Mailbox | None:
    addresses = [normalise_email(a) for a in ([line] if line else []) + contact.to + contact.cc if a]
    if not addresses:
        return None
    return db.session.scalar(db.select(Mailbox).where(Mailbox.address.in_(addresses)).limit(1))


def find_thread(contact: InboundContact) -> tuple[Ticket | None, int | None]:
    """(ticket to add the mail to, ticket to link a new one to).

    The ticket number in the subject wins, then In-Reply-To/References matching a stored
    message (ours or the customer's). A solved or closed ticket is reopened only within
    MAIL_REOPEN_DAYS of being closed; later mail opens a new ticket linked to it.
    """
    ticket = None
    number = find_ticket_number(contact.subject)
    ticket_id = Ticket.id_from_number(number) if number else None
    if ticket_id:
        ticket = db.session.get(Ticket, ticket_id)
    ids = [mid for mid in [contact.in_reply_to, *reversed(contact.references)] if mid]
    if ticket is None and ids:
        found = db.session.scalar(db.select(Message.ticket_id).where(Message.external_message_id.in_(ids)).limit(1))
        found = found or db.session.scalar(db.select(Acknowledgement.ticket_id)
                                           .where(Acknowledgement.external_message_id.in_(ids)).limit(1))
        ticket = db.session.get(Ticket, found) if found else None
    if ticket is None:
        return None, None
    if ticket.status in ("solved", "closed"):
        limit = timedelta(days=current_app.config["MAIL_REOPEN_DAYS"])
        if utcnow() - _closed_at(ticket) > limit:
            return None, ticket.id
    return ticket, None


def _closed_at(ticket: Ticket):
    events = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=ticket.id, kind="status")
                                .order_by(TicketEvent.id.desc())).all()
    for event in events:
        if (event.data or {}).get("new") in ("solved", "closed"):
            return event.created_at
    return ticket.updated_at


# --- IMAP ------------------------------------------------------------------------------


def fetch_mailbox(mailbox_id: int) -> int:
    """The job: take in every unprocessed message of one mailbox; returns how many.

    Each message is marked processed only after it is committed, so a crash in between
    fetches it again and the stored copy (found by its dedup key) stops a duplicate.
    """
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None or not mailbox.active:
        return 0
    address, count = mailbox.address, 0
    try:
        with ImapMailbox(imap_settings(mailbox)) as imap:
            for uid in imap.unprocessed():
                ingest(imap.fetch(uid), source=f"imap:{address}", line=address)
                imap.mark_processed(uid)
                count += 1
    except (MailboxError, MailboxInvalid) as error:
        db.session.rollback()
        mailbox = db.session.get(Mailbox, mailbox_id)
        mailbox.last_error = str(error)
        db.session.commit()
        log.warning("mailbox %s: %s", address, error)
        raise
    mailbox = db.session.get(Mailbox, mailbox_id)
    mailbox.last_fetched_at, mailbox.last_error = utcnow(), None
    db.session.commit()
    return count


def fetch_due_mailboxes() -> None:
    """The periodic sweep: fetch every active mailbox not fetched within MAIL_FETCH_INTERVAL_SECONDS."""
    from helpdesk.core.jobs import enqueue

    interval = timedelta(seconds=current_app.config["MAIL_FETCH_INTERVAL_SECONDS"])
    cutoff = utcnow() - interval + timedelta(seconds=5)  # the sweep's own minute tick must not skip a round
    due = db.session.scalars(db.select(Mailbox.id).where(
        Mailbox.active.is_(True), (Mailbox.last_fetched_at.is_(None)) | (Mailbox.last_fetched_at <= cutoff))).all()
    for mailbox_id in due:
        enqueue(fetch_mailbox, mailbox_id)


# --- the quarantine --------------------------------------------------------------------


def quarantined():
    """Quarantined raw contacts, newest first."""
    return db.session.scalars(db.select(RawContact).filter_by(status="quarantined")
                              .order_by(RawContact.id.desc()).limit(500)).all()


def retry_quarantined(raw_id: int, actor: User | None) -> IngestResult:
    """Parse a quarantined e-mail again (e.g. after raising a limit)."""
    raw = _quarantined_raw(raw_id)
    if raw.channel != "email":
        raise ValueError(f"raw contact {raw_id} came by {raw.channel}; only e-mail can be re-parsed here")
    raw.status = "received"
    audit.record(actor, "quarantine", raw.id, "retry")
    db.session.commit()
    return process(raw.id, line=raw.source.removeprefix("imap:") if raw.source.startswith("imap:") else "")


def ticket_from_quarantined(raw_id: int, actor: User | None) -> Ticket:
    """A ticket made by hand from a quarantined contact: its text as the body, the original attached."""
    raw = _quarantined_raw(raw_id)
    email_mail = raw.media_type == "message/rfc822"
    extension = mimetypes.guess_extension(raw.media_type) or ".bin"
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw.payload) if email_mail else {}
    subject, sender = _safe_header(headers, "Subject"), _safe_header(headers, "From")
    found = re.search(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", sender)
    contact = InboundContact(
        channel=raw.channel, received_at=raw.received_at, subject=subject or f"Kwarantanna #{raw.id}",
        from_email=found.group(0) if found else "",
        text=re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", raw.payload[:100_000].decode("utf-8", "replace")),
        attachments=[InboundAttachment(filename=f"original-{raw.id}{'.eml' if email_mail else extension}",
                                       media_type=raw.media_type, content=raw.payload)],
    )
    audit.record(actor, "quarantine", raw.id, "manual-ticket", reason=raw.reason)
    return intake.receive(raw.id, contact)


def _safe_header(headers, name: str) -> str:
    try:
        return " ".join(str(headers.get(name, "") or "").split())[:300]
    except Exception:  # a header too broken even for the lenient parser: the agent reads the body
        return ""


def _quarantined_raw(raw_id: int) -> RawContact:
    raw = db.session.get(RawContact, raw_id)
    if raw is None or raw.status != "quarantined":
        raise ValueError(f"raw contact {raw_id} is not in the quarantine")
    return raw
