"""Outbound mail: agents' replies and acknowledgements of new tickets, sent over SMTP with retries."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app

import schedules
from channels.email import SendFailed, compose
from channels.identity import normalise_email
from helpdesk.extensions import db
from helpdesk.mailer import send_message
from helpdesk.models import Message, Ticket
from helpdesk.models.mail import Acknowledgement, Mailbox
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)

MAIL_CHANNELS = ("email", "webform")  # tickets whose customer gave an e-mail address and hears back by mail
WARSAW = ZoneInfo("Europe/Warsaw")
_WEEKDAYS_PL_GENITIVE = ("poniedziałku", "wtorku", "środy", "czwartku", "piątku", "soboty", "niedzieli")


def goes_by_mail(message: Message) -> bool:
    return message.direction == "out" and not message.internal and message.ticket.channel in MAIL_CHANNELS


def mark_queued(message: Message) -> None:
    """Signal receiver (message_added, before commit): a public reply on a mail ticket waits to be sent."""
    if goes_by_mail(message) and message.delivery_status is None:
        message.delivery_status = "queued"


def on_message_committed(message_id: int) -> None:
    """Signal receiver (message_committed): send a queued reply as a job."""
    from helpdesk.jobs import enqueue

    message = db.session.get(Message, message_id)
    if message is not None and message.delivery_status == "queued":
        enqueue(send_message_email, message_id)


def on_tickets_received(ticket_ids: tuple[int, ...]) -> None:
    """Signal receiver (tickets_received): acknowledge new mail and web-form tickets in one job,
    behind routing work in the queue."""
    from helpdesk.jobs import enqueue

    enqueue(send_acknowledgements, list(ticket_ids), low_priority=True)


def send_acknowledgements(ticket_ids: list[int]) -> None:
    """The job: acknowledge each ticket. A failure to send stops it for RQ to retry; the
    tickets already acknowledged are skipped then."""
    for ticket_id in ticket_ids:
        send_acknowledgement(ticket_id)


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
        message.delivery_status, message.delivery_error = "failed", "the customer has no e-mail address"
        message.delivery_attempts = current_app.config["MAIL_SEND_MAX_ATTEMPTS"]  # nothing to retry
        db.session.commit()
        return
    in_reply_to, references = _thread_ids(ticket, before=message)
    config = current_app.config
    mail = compose(from_address=config["MAIL_FROM"], from_name="Kontakt", to=address,
                   subject=f"Re: {ticket.subject}", text=message.text, ticket_number=ticket.number,
                   message_id_domain=config["MAIL_DOMAIN"], in_reply_to=in_reply_to, references=references)
    _keep_message_id(mail, message)
    _deliver(mail, message, "delivery_attempted_at")


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
    from helpdesk.sla import first_response_due

    return first_response_due(ticket) or schedules.builtin("working-days").add(ticket.created_at, timedelta(hours=24))


def format_due(instant: datetime, language: str) -> str:
    """"do wtorku, 9 grudnia 2025, 14:30" (Polish) or "by Tuesday, 9 December 2025, 14:30", in Warsaw time."""
    local = instant.astimezone(WARSAW)
    if language == "en":
        return f"by {format_date(local, 'EEEE, d MMMM y', locale='en')}, {local:%H:%M}"
    return f"do {_WEEKDAYS_PL_GENITIVE[local.weekday()]}, {format_date(local, 'd MMMM y', locale='pl')}, {local:%H:%M}"


def _own_addresses() -> set[str]:
    return {normalise_email(current_app.config["MAIL_FROM"]),
            *db.session.scalars(db.select(Mailbox.address)).all()}


def send_acknowledgement(ticket_id: int) -> None:
    """The job: tell the customer their ticket number and when to expect an answer.

    Never for automated mail (auto-replies, bounces, lists) and at most
    MAIL_ACK_LIMIT_PER_HOUR per sender per hour, counted in the database.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.channel not in MAIL_CHANNELS or "automated" in (ticket.tags or []):
        return
    ack = db.session.scalar(db.select(Acknowledgement).filter_by(ticket_id=ticket_id))
    if ack is None:
        address = normalise_email(_customer_address(ticket) or "")
        if not address or address in _own_addresses():
            return
        hour_ago = utcnow() - timedelta(hours=1)
        recent = db.session.scalar(db.select(db.func.count()).select_from(Acknowledgement).where(
            Acknowledgement.address == address, Acknowledgement.created_at >= hour_ago))
        if recent >= current_app.config["MAIL_ACK_LIMIT_PER_HOUR"]:
            log.info("no acknowledgement for %s: %s already sent to %s this hour", ticket.number, recent, address)
            return
        ack = Acknowledgement(ticket_id=ticket.id, address=address, language="en" if ticket.language == "en" else "pl",
                              delivery_status="queued", delivery_attempts=0)
        db.session.add(ack)
    elif ack.delivery_status == "sent":
        return
    _deliver_acknowledgement(ack, ticket)


def _deliver_acknowledgement(ack: Acknowledgement, ticket: Ticket) -> None:
    config = current_app.config
    due = format_due(expected_answer_by(ticket), ack.language)
    # The Jinja environment directly: a job has no request for the page context processors.
    text = current_app.jinja_env.get_template(f"mail/acknowledgement.{ack.language}.txt").render(ticket=ticket, due=due)
    subject = ("We have received your request: " if ack.language == "en" else "Otrzymaliśmy Twoje zgłoszenie: ")
    in_reply_to, references = _thread_ids(ticket)
    mail = compose(from_address=config["MAIL_FROM"], from_name="Kontakt", to=ack.address,
                   subject=subject + ticket.subject, text=text, ticket_number=ticket.number,
                   message_id_domain=config["MAIL_DOMAIN"], in_reply_to=in_reply_to, references=references,
                   auto_reply=True)
    _keep_message_id(mail, ack)
    _deliver(mail, ack, "last_attempt_at")


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
    for ticket_id in [a.ticket_id for a in acks if retry_due(a.delivery_attempts, a.last_attempt_at, a.created_at, now)]:
        try:
            send_acknowledgement(ticket_id)
        except SendFailed:
            pass


def _deliver(mail, record, attempted_at: str) -> None:
    """Send, and record the outcome on the message or acknowledgement; a failure is re-raised for the retry."""
    record.delivery_attempts += 1
    setattr(record, attempted_at, utcnow())
    try:
        send_message(mail)
    except SendFailed as error:
        record.delivery_status, record.delivery_error = "failed", str(error)
        db.session.commit()
        raise
    record.delivery_status, record.delivery_error = "sent", None
    db.session.commit()
