"""Outbound mail: ticket numbers in subjects, composing threaded replies, sending over SMTP."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

_TICKET_NUMBER = re.compile(r"\[(KT-\d{6,})\]", re.IGNORECASE)


def find_ticket_number(subject: str | None) -> str | None:
    """The ticket number in a subject such as "Re: [KT-123456] Umowa", upper-cased, or None."""
    found = _TICKET_NUMBER.search(subject or "")
    return found.group(1).upper() if found else None


def subject_with_ticket_number(subject: str, ticket_number: str) -> str:
    """The subject carrying "[KT-…]" exactly once, for the given ticket (none for "")."""
    subject = " ".join(subject.split())  # also keeps line breaks out of the header
    if not ticket_number:
        return subject
    if find_ticket_number(subject) == ticket_number.upper():
        return subject
    bare = " ".join(_TICKET_NUMBER.sub("", subject).split())
    return f"[{ticket_number.upper()}] {bare}".strip()


def _bare_id(message_id: str) -> str:
    return message_id.strip().strip("<>")


def compose(
    *,
    from_address: str,
    to: list[str] | str,
    subject: str,
    text: str,
    ticket_number: str,
    message_id_domain: str,
    html: str | None = None,
    from_name: str = "",
    cc: list[str] | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    auto_reply: bool = False,
    date: datetime | None = None,
) -> EmailMessage:
    """An outbound message on a ticket, threaded onto the mail it answers.

    ``in_reply_to`` and ``references`` are message ids without angle brackets, as
    InboundContact carries them; References becomes the earlier chain plus the parent.
    ``auto_reply`` marks acknowledgements with ``Auto-Submitted: auto-replied`` so other
    robots do not answer them.
    """
    message = EmailMessage()
    message["From"] = Address(display_name=from_name, addr_spec=from_address)
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject_with_ticket_number(subject, ticket_number)
    message["Date"] = format_datetime(date or datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(idstring=ticket_number.lower() or None, domain=message_id_domain)
    chain = [_bare_id(mid) for mid in references or [] if _bare_id(mid)]
    if in_reply_to:
        message["In-Reply-To"] = f"<{_bare_id(in_reply_to)}>"
        if _bare_id(in_reply_to) not in chain:
            chain.append(_bare_id(in_reply_to))
    if chain:
        message["References"] = " ".join(f"<{mid}>" for mid in chain)
    if auto_reply:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class SendFailed(RuntimeError):
    """The SMTP server could not be reached or refused the message; retry later."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # "none", "starttls" or "tls"
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None  # None: the system's trusted certificates


def send(message: EmailMessage, settings: SmtpSettings) -> None:
    """Hand one message to the SMTP server; raises SendFailed saying what went wrong."""
    with connect(settings) as session:
        session.send(message)


@contextmanager
def connect(settings: SmtpSettings) -> Iterator[SmtpSession]:
    """One SMTP connection for several messages (logged in once); raises SendFailed when the
    server cannot be reached or refuses the login."""
    if settings.security not in ("none", "starttls", "tls"):
        raise ValueError(f'SMTP security must be "none", "starttls" or "tls", not {settings.security!r}')
    # Loading the system's certificates takes tens of milliseconds: only when TLS is used.
    context = settings.ssl_context or (ssl.create_default_context() if settings.security != "none" else None)
    where = f"{settings.host}:{settings.port}"
    with _failures_explained(where, settings):
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        with _failures_explained(where, settings):
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password)
        yield SmtpSession(client, where, settings)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()  # the messages handed over are sent; a lost goodbye changes nothing


@dataclass
class SmtpSession:
    """An open connection to the SMTP server (see `connect`)."""
    client: smtplib.SMTP
    where: str
    settings: SmtpSettings

    def send(self, message: EmailMessage) -> None:
        """Hand the message over; raises SendFailed, after which the session may still be used."""
        with _failures_explained(self.where, self.settings):
            self.client.send_message(message)


@contextmanager
def _failures_explained(where: str, settings: SmtpSettings) -> Iterator[None]:
    """SMTP and socket errors as SendFailed, saying what went wrong where."""
    try:
        yield
    except smtplib.SMTPAuthenticationError as error:
        raise SendFailed(f"SMTP server {where} rejected the login for {settings.username!r}: "
                         f"{error.smtp_error!r}") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise SendFailed(f"SMTP server {where} refused the recipients {sorted(error.recipients)}") from error
    except smtplib.SMTPNotSupportedError as error:
        raise SendFailed(f"SMTP server {where} does not support {settings.security}: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(f"sending through SMTP server {where} failed: {type(error).__name__}: {error}") from error
