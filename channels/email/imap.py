"""Fetching inbound mail from an IMAP mailbox.

The helpdesk lists unprocessed messages, fetches each without marking it read, stores
it, and only then marks it processed, so a crash in between fetches it again.
"""
from __future__ import annotations

import imaplib
import re
import ssl
from dataclasses import dataclass


class MailboxError(RuntimeError):
    """The IMAP server could not be reached or refused a command."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    security: str = "tls"  # "tls", "starttls" or "none"
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None  # None: the system's trusted certificates


class Mailbox:
    """One logged-in IMAP session on the configured folder; use as a context manager."""

    def __init__(self, settings: ImapSettings):
        if settings.security not in ("tls", "starttls", "none"):
            raise ValueError(f'IMAP security must be "tls", "starttls" or "none", not {settings.security!r}')
        self.settings = settings
        self.client: imaplib.IMAP4 | None = None

    def __enter__(self) -> "Mailbox":
        settings = self.settings
        context = settings.ssl_context or ssl.create_default_context()
        try:
            if settings.security == "tls":
                client = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context, timeout=settings.timeout)
            else:
                client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
                if settings.security == "starttls":
                    client.starttls(ssl_context=context)
            self.client = client
            client.login(settings.username, settings.password)
            self._ok(client.select(_quoted(settings.folder)), f"open folder {settings.folder!r}")
        except (imaplib.IMAP4.error, OSError) as error:
            self.close()
            raise MailboxError(f"IMAP {settings.host}:{settings.port} as {settings.username!r}: {error}") from error
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.client is None:
            return
        try:
            if self.client.state == "SELECTED":
                self.client.close()
            self.client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass  # the session is being abandoned anyway
        self.client = None

    def unprocessed(self) -> list[int]:
        """UIDs of messages not yet marked processed (not \\Seen), oldest first."""
        response = self._uid("search unseen messages", "SEARCH", "UNSEEN")
        return sorted(int(uid) for uid in b" ".join(part or b"" for part in response).split())

    def fetch(self, uid: int) -> bytes:
        """The raw message with this UID, fetched with BODY.PEEK so it stays unseen."""
        response = self._uid(f"fetch UID {uid}", "FETCH", str(uid), "(BODY.PEEK[])")
        for item in response:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        raise MailboxError(f"IMAP {self.settings.host}: message UID {uid} does not exist in {self.settings.folder!r}")

    def mark_processed(self, uid: int) -> None:
        """Set \\Seen on the message; call only after it is safely stored."""
        self._uid(f"mark UID {uid} seen", "STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")

    def _uid(self, what: str, command: str, *args: str) -> list:
        if self.client is None:
            raise MailboxError("the mailbox is not open; use it inside a with block")
        try:
            return self._ok(self.client.uid(command, *args), what)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxError(f"IMAP {self.settings.host}: could not {what}: {error}") from error

    def _ok(self, result: tuple, what: str) -> list:
        status, data = result
        if status != "OK":
            raise MailboxError(f"IMAP {self.settings.host}: could not {what}: {status} {data!r}")
        return data


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string."""
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'
