"""The e-mail channel: parse inbound mail, compose and send replies, fetch mailboxes."""
from channels.email.parser import MailRejected, detect_language, parse

__all__ = ["MailRejected", "detect_language", "parse"]
