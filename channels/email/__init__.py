"""The e-mail channel: parse inbound mail, compose and send replies, fetch mailboxes.

IMAP fetching lives in ``channels.email.imap``.
"""
from channels.email.outbound import (
    SendFailed,
    SmtpSettings,
    compose,
    connect,
    find_ticket_number,
    send,
    subject_with_ticket_number,
)
from channels.email.parser import MailRejected, detect_language, parse
from channels.email.quoting import split_quoted

__all__ = [
    "MailRejected",
    "SendFailed",
    "SmtpSettings",
    "compose",
    "connect",
    "detect_language",
    "find_ticket_number",
    "parse",
    "send",
    "split_quoted",
    "subject_with_ticket_number",
]
