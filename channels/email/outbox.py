"""A local outbox: outgoing mail kept as .eml files in a folder instead of handed to an SMTP server.

The demo's mail server. An ``Outbox`` has the ``send(message)`` of an SMTP session, so whatever sends
over a session can deliver into a folder; each message becomes one file, named for the instant it was
written (so names sort oldest first), exactly the bytes an SMTP server would have received.
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{12}\.eml")


@dataclass(frozen=True)
class OutboxEntry:
    """One stored message, from its headers."""
    name: str
    sent_at: datetime
    sender: str
    recipients: str
    subject: str
    size: int


class Outbox:
    """The .eml files in ``folder`` (created on the first message)."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> str:
        """Store the message (atomically: a reader never sees half a file); its file name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}.eml"
        fd, partial = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(message.as_bytes(policy=SMTP))
        os.replace(partial, self.folder / name)
        return name

    def entries(self, limit: int | None = None) -> list[OutboxEntry]:
        """The stored messages, newest first (at most ``limit``)."""
        names = sorted((p.name for p in self.folder.glob("*.eml") if _NAME.fullmatch(p.name)), reverse=True) \
            if self.folder.is_dir() else []
        return [self._entry(name) for name in names[:limit]]

    def count(self) -> int:
        return sum(1 for p in self.folder.glob("*.eml") if _NAME.fullmatch(p.name)) if self.folder.is_dir() else 0

    def read(self, name: str) -> bytes:
        """The file's bytes; KeyError for a name that is not a stored message (nothing outside the folder)."""
        path = self.folder / name
        if not _NAME.fullmatch(name) or not path.is_file():
            raise KeyError(name)
        return path.read_bytes()

    def message(self, name: str) -> EmailMessage:
        return message_from_bytes(self.read(name), policy=default_policy)

    def _entry(self, name: str) -> OutboxEntry:
        path = self.folder / name
        with path.open("rb") as stored:
            headers = BytesHeaderParser(policy=default_policy).parse(stored)
        try:
            sent_at = parsedate_to_datetime(str(headers["Date"]))
        except (TypeError, ValueError):
            sent_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        return OutboxEntry(name=name, sent_at=sent_at, sender=str(headers["From"] or ""),
                           recipients=", ".join(str(headers[h]) for h in ("To", "Cc") if headers[h]),
                           subject=str(headers["Subject"] or ""), size=path.stat().st_size)
