"""The channel-neutral inbound contact every adapter produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


# The longest file name an attachment keeps (what the attachments table holds).
MAX_FILENAME = 255


def fit_filename(name: str, limit: int = MAX_FILENAME) -> str:
    """``name`` cut to ``limit`` characters, keeping its extension (a name that fits as it is)."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        return name[:limit]
    return stem[:limit - len(extension) - 1] + "." + extension


@dataclass(frozen=True)
class InboundAttachment:
    """A file that came with a contact: an attachment, an inline image or an attached message."""

    filename: str
    media_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass
class InboundContact:
    """One phone call, e-mail or web-form submission, parsed and normalised.

    Adapters fill what their channel knows and leave the rest empty; nothing here
    touches the database.
    """

    channel: str  # "email", "phone" or "webform"
    received_at: datetime | None = None  # aware, UTC
    line: str = ""  # the address or phone line the contact came to
    from_email: str = ""
    from_name: str = ""
    from_phone: str = ""  # E.164
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None  # as the sender stated it
    message_id: str | None = None  # without angle brackets
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    text: str = ""
    html: str | None = None  # sanitised
    attachments: list[InboundAttachment] = field(default_factory=list)
    is_automated: bool = False
    language: str = "pl"
    form_category: str | None = None  # the category a customer picked on the form
    pesel: str | None = None
    customer_number: str | None = None
    loan_number: str | None = None
    call_id: str | None = None
    extra: dict = field(default_factory=dict)
