"""The customer zone's mail, sent as jobs over the app's SMTP connection (helpdesk.core.mailer).

Jobs take ids and strings, never ORM objects. A token is handed to its mail job as the
only place it exists unhashed; the job checks it is still usable before sending. A
failure to send raises SendFailed, for RQ to retry.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from channels.email import compose
from helpdesk.web.helpers import public_url
from helpdesk.core.extensions import db
from helpdesk.core.mailer import connection
from helpdesk.models import Customer, Ticket
from helpdesk.models.portal import PortalAccount, PortalToken
from helpdesk.portal import services

LANGUAGES = ("pl", "en")


def _language(customer) -> str:
    return customer.language if customer is not None and customer.language in LANGUAGES else "pl"


def send_mail(to: str, template: str, language: str, *, ticket_number: str = "", **context) -> None:
    """Render templates/mail/portal_<template>.<language>.txt (its first line is the subject) and send it."""
    config = current_app.config
    rendered = current_app.jinja_env.get_template(f"mail/portal_{template}.{language}.txt").render(
        public_url=config["PUBLIC_URL"].rstrip("/"), **context)
    subject, _, text = rendered.partition("\n")
    mail = compose(from_address=config["MAIL_FROM"], from_name="Kontakt", to=to, subject=subject.strip(),
                   text=text.lstrip("\n"), ticket_number=ticket_number, message_id_domain=config["MAIL_DOMAIN"],
                   auto_reply=True)
    with connection() as session:
        session.send(mail)


def _token_row(token_id: int, token: str, kind: str) -> PortalToken | None:
    row = services.usable_token(token, kind)
    return row if row is not None and row.id == token_id else None


def send_setup_link(token_id: int, token: str) -> None:
    """The mail with the link that creates a zone account (from a private link, an invitation
    or a registration)."""
    row = _token_row(token_id, token, "setup")
    if row is None:
        return
    customer = db.session.get(Customer, row.customer_id)
    send_mail(row.email, "setup", _language(customer), customer=customer,
              url=public_url("portal.setup", token=token),
              hours=current_app.config["PORTAL_SETUP_HOURS"])


def registration_requested(address: str) -> None:
    """The job behind the registration page (the page answers the same for any address)."""
    issued = services.register(address)
    if issued is not None:
        send_setup_link(*issued)


def reset_requested(login_name: str) -> None:
    """The job behind "Zapomniałem hasła" (the page answers the same whether or not the account exists)."""
    issued = services.request_reset(login_name)
    if issued is None:
        return
    row = db.session.get(PortalToken, issued[0])
    account = db.session.get(PortalAccount, row.account_id)
    send_mail(account.email, "reset", _language(account.customer), customer=account.customer,
              url=public_url("portal.reset", token=issued[1]),
              minutes=current_app.config["PORTAL_RESET_MINUTES"])


def lockout_notice(account_id: int, until_iso: str) -> None:
    """Tell the owner their account was locked after repeated failed logins."""
    account = db.session.get(PortalAccount, account_id)
    if account is None:
        return
    until = datetime.fromisoformat(until_iso).astimezone(services.WARSAW)
    send_mail(account.email, "locked", _language(account.customer), customer=account.customer,
              until=until.strftime("%H:%M"), failures=current_app.config["PORTAL_LOCKOUT_FAILURES"],
              reset_url=public_url("portal.forgot"))


def send_email_confirmation(token_id: int, token: str) -> None:
    """The link confirming a new address goes to that address."""
    row = _token_row(token_id, token, "email")
    if row is None:
        return
    account = db.session.get(PortalAccount, row.account_id)
    send_mail(row.email, "email", _language(account.customer), customer=account.customer,
              url=public_url("portal.confirm_email", token=token))


def send_ticket_notices(ticket_id: int) -> None:
    """Status changes of one ticket, for customers who asked to hear of them."""
    notices = services.take_notices(ticket_id=ticket_id)
    if not notices:
        db.session.rollback()
        return
    ticket = db.session.get(Ticket, ticket_id)
    account = db.session.get(PortalAccount, notices[0].account_id)
    send_mail(account.email, "status", _language(account.customer), ticket_number=ticket.number, ticket=ticket,
              statuses=[n.data.get("status") for n in notices if n.kind == "status"],
              url=public_url("portal.request_detail", ticket_id=ticket.id))
    services.mark_sent(notices)


def on_ticket_committed(ticket_id: int) -> None:
    """Receiver (ticket_committed): send the ticket's status notices as a job."""
    from helpdesk.core.jobs import enqueue

    if services.notices_due(ticket_id):
        enqueue(send_ticket_notices, ticket_id, low_priority=True)


def send_digest(account_id: int) -> None:
    """One customer's daily digest: replies and status changes since the last one."""
    account = db.session.get(PortalAccount, account_id)
    notices = services.take_notices(account_id=account_id, digest=True) if account else []
    if not notices:
        db.session.rollback()
        return
    tickets = {t.id: t for t in db.session.scalars(db.select(Ticket).where(
        Ticket.id.in_({n.ticket_id for n in notices})))}
    messages = {m.id: m for t in tickets.values() for m in t.messages}
    items = [(tickets[n.ticket_id], n.kind, n.data.get("status"),
              messages.get(n.data.get("message_id")) if n.kind == "reply" else None) for n in notices]
    send_mail(account.email, "digest", _language(account.customer), customer=account.customer, items=items,
              url=public_url("portal.requests"))
    services.mark_sent(notices, account)


def sweep() -> None:
    """The minute sweep: status notices whose job was lost, and the digests that are due."""
    from helpdesk.core.jobs import enqueue

    for ticket_id in services.notices_due():
        enqueue(send_ticket_notices, ticket_id, low_priority=True)
    for account_id in services.digest_accounts_due():
        enqueue(send_digest, account_id, low_priority=True)
    db.session.rollback()
