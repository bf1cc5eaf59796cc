"""Outbound mail: agents' replies and acknowledgements of new tickets, sent over SMTP with retries."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

import schedules
from channels.email import SendFailed, compose
from channels.identity import normalise_email
from helpdesk.core.extensions import db
from helpdesk.web.helpers import format_due
from helpdesk.core.mailer import NO_SMTP, connection
from helpdesk.models import Message, Ticket
from helpdesk.models.mail import Acknowledgement, Mailbox
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)

MAIL_CHANNELS = ("email", "webform")  # tickets whose customer gave an e-mail address and hears back by mail
WARSAW = ZoneInfo("Europe/Warsaw")
NO_ADDRESS = "the customer has no e-mail address"
# Why a mail waits, as the ticket page says it; the delivery_error kept is the technical reason.
DELIVERY_PROBLEMS = {
    NO_SMTP: _l("no outgoing mail server is configured yet; an administrator must set one up, and it is sent as "
                 "soon as there is one."),
    NO_ADDRESS: _l("the customer has no e-mail address."),
}


def delivery_problem(error: str | None) -> str:
    """Why a reply or acknowledgement is not delivered yet, in the page's language."""
    if error in DELIVERY_PROBLEMS:
        return str(DELIVERY_PROBLEMS[error])
    return _("the mail server did not take it; it is tried again (%(reason)s).", reason=error or "—")


def goes_by_mail(message: Message) -> bool:
    return message.direction == "out" and not message.internal and message.ticket.channel in MAIL_CHANNELS


def mark_queued(message: Message) -> None:
    """Signal receiver (message_added, before commit): a public reply on a mail ticket waits to be sent."""
    if goes_by_mail(message) and message.delivery_status is None:
        message.delivery_status = "queued"


def on_message_committed(message_id: int) -> None:
    """Signal receiver (message_committed): send a queued reply as a job."""
    from helpdesk.core.jobs import enqueue

    message = db.session.get(Message, message_id)
    if message is not None and message.delivery_status == "queued":
        enqueue(send_message_email, message_id)


def on_tickets_received(ticket_ids: tuple[int, ...], channels: set[str]) -> None:
    """Signal receiver (tickets_received): acknowledge new mail and web-form tickets in one job,
    behind routing work in the queue (no job for tickets of other channels: a callback)."""
    from helpdesk.core.jobs import enqueue

    if not set(channels) & set(MAIL_CHANNELS):
        return
    enqueue(send_acknowledgements, list(ticket_ids), low_priority=True)


def _customer_address(ticket: Ticket) -> str | None:
    return ticket.customer.primary_email if ticket.customer else None


def _thread_ids(ticket: Ticket, before: Message | None = None) -> tuple[str | None, list[str]]:
    """(the customer's last message id, the chain of message ids) for threading headers."""
    chain = [m.external_message_id for m in ticket.messages
             if m.external_message_id and not m.internal and (before is None or m.id < before.id)]
    customer_ids = [m.external_message_id for m in ticket.messages
                    if m.direction == "in" and m.external_message_id and (before is None or m.id < before.id)]
    return (customer_ids[-1] if customer_ids else None), chain[-20:]


def send_message_email(message_id: int) -> None:
    """The job: send an agent's public reply to the customer; raises SendFailed so it is retried."""
    message = db.session.get(Message, message_id)
    if message is None or not goes_by_mail(message) or message.delivery_status == "sent":
        return
    ticket = message.ticket
    address = _customer_address(ticket)
    if not address:
        message.delivery_status, message.delivery_error = "failed", NO_ADDRESS
        message.delivery_attempts = current_app.config["MAIL_SEND_MAX_ATTEMPTS"]  # nothing to retry
        db.session.commit()
        return
    in_reply_to, references = _thread_ids(ticket, before=message)
    config = current_app.config
    mail = compose(from_address=_sender_address(ticket, _mailbox_addresses()), from_name="Kontakt", to=address,
                   subject=f"Re: {ticket.subject}", text=message.text, ticket_number=ticket.number,
                   message_id_domain=config["MAIL_DOMAIN"], in_reply_to=in_reply_to, references=references,
                   date=utcnow())
    _keep_message_id(mail, message)
    _deliver([(mail, message, "delivery_attempted_at")])


def _keep_message_id(mail, record) -> None:
    """A retry sends the same Message-ID as the first attempt; the first stores it."""
    if record.external_message_id:
        del mail["Message-ID"]
        mail["Message-ID"] = f"<{record.external_message_id}>"
    else:
        record.external_message_id = mail["Message-ID"].strip().strip("<>")


# --- acknowledgements ------------------------------------------------------------------


def expected_answer_by(ticket: Ticket) -> datetime:
    """When the customer can expect an answer: the SLA's first-response deadline, else one working day."""
    from helpdesk.sla.services.clocks import first_response_due

    return first_response_due(ticket) or schedules.builtin("working-days").add(ticket.created_at, timedelta(hours=24))


def _mailbox_addresses() -> set[str]:
    return set(db.session.scalars(db.select(Mailbox.address)))


def _sender_address(ticket: Ticket, mailboxes: set[str]) -> str:
    """Whom our mail on the ticket comes from: the mailbox the customer wrote to, so their
    answer comes back to a mailbox we fetch; otherwise MAIL_FROM."""
    if ticket.channel == "email" and normalise_email(ticket.line) in mailboxes:
        return normalise_email(ticket.line)
    return current_app.config["MAIL_FROM"]


def send_acknowledgements(ticket_ids: list[int]) -> None:
    """The job: tell each customer their ticket number and when to expect an answer, all
    over one SMTP connection.

    Never for automated mail (auto-replies, bounces, lists) and at most
    MAIL_ACK_LIMIT_PER_HOUR per sender per hour, counted in the database. A failure to send
    is recorded on its acknowledgement and raised at the end, for RQ to retry the job; the
    acknowledgements already sent are skipped then.
    """
    from helpdesk.sla.services.clocks import preload as preload_clocks

    tickets = db.session.scalars(
        db.select(Ticket).where(Ticket.id.in_(ticket_ids), Ticket.channel.in_(MAIL_CHANNELS))
        .options(selectinload(Ticket.customer), selectinload(Ticket.messages))).all()
    order = {ticket_id: n for n, ticket_id in enumerate(ticket_ids)}
    tickets = sorted((t for t in tickets if "automated" not in (t.tags or [])), key=lambda t: order[t.id])
    acks = {ack.ticket_id: ack for ack in db.session.scalars(
        db.select(Acknowledgement).where(Acknowledgement.ticket_id.in_([t.id for t in tickets])))}
    addresses = {t.id: normalise_email(_customer_address(t) or "") for t in tickets if t.id not in acks}
    mailboxes = _mailbox_addresses()
    own = mailboxes | {normalise_email(current_app.config["MAIL_FROM"])}
    hour_ago = utcnow() - timedelta(hours=1)
    recent = dict(db.session.execute(
        db.select(Acknowledgement.address, db.func.count()).where(
            Acknowledgement.address.in_(set(addresses.values())), Acknowledgement.created_at >= hour_ago)
        .group_by(Acknowledgement.address)).all()) if addresses else {}
    limit = current_app.config["MAIL_ACK_LIMIT_PER_HOUR"]
    preload_clocks([t.id for t in tickets])
    outgoing = []
    for ticket in tickets:
        ack = acks.get(ticket.id)
        if ack is None:
            address = addresses[ticket.id]
            if not address or address in own:
                continue
            if recent.get(address, 0) >= limit:
                log.info("no acknowledgement for %s: %s already sent to %s this hour", ticket.number,
                         recent[address], address)
                continue
            recent[address] = recent.get(address, 0) + 1
            ack = Acknowledgement(ticket_id=ticket.id, address=address, delivery_status="queued",
                                  language="en" if ticket.language == "en" else "pl", delivery_attempts=0)
            db.session.add(ack)
        elif ack.delivery_status == "sent":
            continue
        mail = _acknowledgement_mail(ack, ticket, _sender_address(ticket, mailboxes))
        outgoing.append((mail, ack, "last_attempt_at"))
    _deliver(outgoing)


def _acknowledgement_mail(ack: Acknowledgement, ticket: Ticket, sender: str) -> EmailMessage:
    config = current_app.config
    due = format_due(expected_answer_by(ticket), ack.language)
    # The Jinja environment directly: a job has no request for the page context processors.
    text = current_app.jinja_env.get_template(f"mail/acknowledgement.{ack.language}.txt").render(ticket=ticket, due=due)
    subject = ("We have received your request: " if ack.language == "en" else "Otrzymaliśmy Twoje zgłoszenie: ")
    in_reply_to, references = _thread_ids(ticket)
    mail = compose(from_address=sender, from_name="Kontakt", to=ack.address,
                   subject=subject + ticket.subject, text=text, ticket_number=ticket.number,
                   message_id_domain=config["MAIL_DOMAIN"], in_reply_to=in_reply_to, references=references,
                   auto_reply=True, date=utcnow())
    _keep_message_id(mail, ack)
    return mail


# --- retries ---------------------------------------------------------------------------


def retry_due(attempts: int, last_attempt_at: datetime | None, created_at: datetime, now: datetime) -> bool:
    """Exponential backoff: MAIL_SEND_RETRY_SECONDS after the first failure, doubling after each next one.

    A reply never attempted (its job was lost) is picked up five periods after it was written.
    """
    base = current_app.config["MAIL_SEND_RETRY_SECONDS"]
    if attempts >= current_app.config["MAIL_SEND_MAX_ATTEMPTS"]:
        return False
    if not attempts or last_attempt_at is None:
        return now - created_at >= timedelta(seconds=5 * base)
    return now - last_attempt_at >= timedelta(seconds=base * 2 ** (attempts - 1))


def retry_deliveries() -> None:
    """The periodic sweep: send again replies and acknowledgements that failed or whose job was lost."""
    now = utcnow()
    limit = current_app.config["MAIL_SEND_MAX_ATTEMPTS"]
    messages = db.session.scalars(db.select(Message).where(
        Message.delivery_status.in_(("queued", "failed")), Message.delivery_attempts < limit)).all()
    for message_id in [m.id for m in messages
                       if retry_due(m.delivery_attempts, m.delivery_attempted_at, m.created_at, now)]:
        try:
            send_message_email(message_id)
        except SendFailed:
            pass  # recorded on the message; the next sweep tries again later
    acks = db.session.scalars(db.select(Acknowledgement).where(
        Acknowledgement.delivery_status.in_(("queued", "failed")), Acknowledgement.delivery_attempts < limit)).all()
    due = [a.ticket_id for a in acks if retry_due(a.delivery_attempts, a.last_attempt_at, a.created_at, now)]
    if due:
        try:
            send_acknowledgements(due)
        except SendFailed:
            pass  # recorded on each acknowledgement


def _deliver(outgoing: list[tuple[EmailMessage, Message | Acknowledgement, str]]) -> None:
    """Send the mails over one connection and record each outcome on its message or
    acknowledgement (``attempted_at`` names the field for the attempt's time); commits.
    The first failure is raised afterwards, for the retry. Nothing to send opens no connection."""
    if not outgoing:
        db.session.commit()
        return
    failure = None
    waiting = list(reversed(outgoing))
    try:
        with connection() as session:
            while waiting:
                mail, record, attempted_at = waiting.pop()
                try:
                    session.send(mail)
                except SendFailed as error:
                    _record_attempt(record, attempted_at, error)
                    failure = failure or error
                else:
                    _record_attempt(record, attempted_at, None)
    except SendFailed as error:  # no connection: the rest did not go out
        for _, record, attempted_at in waiting:
            _record_attempt(record, attempted_at, error)
        failure = failure or error
    db.session.commit()
    if failure is not None:
        raise failure


def _record_attempt(record: Message | Acknowledgement, attempted_at: str, error: SendFailed | None) -> None:
    record.delivery_attempts += 1
    setattr(record, attempted_at, utcnow())
    record.delivery_status, record.delivery_error = ("failed", str(error)) if error else ("sent", None)
