"""Parsing raw inbound mail into an InboundContact."""
from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from datetime import datetime, timezone
from email import message_from_bytes
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from channels.contact import InboundAttachment, InboundContact, fit_filename
from channels.email.charsets import decode_bytes, decode_header_value
from channels.email.htmlbody import html_to_text, sanitise_html

DEFAULT_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class MailRejected(ValueError):
    """The message cannot be taken in; ``reason`` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(
    raw: bytes,
    *,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    own_domains: tuple[str, ...] | list[str] = (),
) -> InboundContact:
    """Parse one RFC 5322 message.

    ``own_domains`` are the domains of the helpdesk's own Message-IDs: a message carrying
    one is our own mail coming back and counts as automated. Raises ``MailRejected`` for
    oversized or unparseable input and nothing else for any bytes.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse() takes the message as bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    if len(raw) > max_message_bytes:
        raise MailRejected(
            f"message is {len(raw)} bytes, larger than the limit of {max_message_bytes} bytes"
        )
    if not raw.strip():
        raise MailRejected("message is empty")
    try:
        raw = _without_leading_junk(raw)
        message = message_from_bytes(raw, policy=_RAW_HEADERS)
        if any(isinstance(defect, MissingHeaderBodySeparatorDefect) for defect in message.defects):
            repaired = _with_unindented_folds_joined(raw)
            if repaired is not None:
                raw, message = repaired, message_from_bytes(repaired, policy=_RAW_HEADERS)
        if not _looks_like_mail(message):
            raise MailRejected("no e-mail header fields found (From, To, Subject, Date, Message-ID)")
        return _Reader(message, raw, max_attachment_bytes, own_domains).contact()
    except MailRejected:
        raise
    except Exception as error:  # the last line of defence: malformed input must be quarantined, not crash intake
        raise MailRejected(f"message is malformed and could not be read ({type(error).__name__}: {error})") from error


class _RawHeaderPolicy(Compat32):
    """Hands out header values as read (8-bit bytes surrogate-escaped) for our own decoding."""

    def header_fetch_parse(self, name, value):
        return value


_RAW_HEADERS = _RawHeaderPolicy()
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")


def _without_leading_junk(raw: bytes) -> bytes:
    """Drop an mbox "From " line or a few lines of text some forwarders put before the headers."""
    lines = raw.split(b"\n", 5)
    for skipped in range(min(5, len(lines) - 1)):
        if _HEADER_LINE.match(lines[skipped]):
            return b"\n".join(lines[skipped:]) if skipped else raw
    return raw


def _with_unindented_folds_joined(raw: bytes) -> bytes | None:
    """Headers some gateways folded without indenting the continuation lines, mended.

    A line in the header block that is not a header field becomes a continuation of
    the field above, provided header fields follow it (otherwise the body simply
    started without a blank line and nothing is changed).
    """
    end = _BLANK_LINE.search(raw)
    block, rest = (raw[: end.start()], raw[end.start():]) if end else (raw, b"")
    lines = block.split(b"\n")
    strays = [i for i, line in enumerate(lines) if i and line.strip() and not line[:1].isspace() and not _HEADER_LINE.match(line)]
    if not strays or not any(_HEADER_LINE.match(line) for line in lines[strays[-1] + 1:]):
        return None
    for i in strays:
        lines[i] = b" " + lines[i]
    return b"\n".join(lines) + rest


_KNOWN_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "sender", "return-path")


def _looks_like_mail(message: Message) -> bool:
    return any(name.lower() in _KNOWN_HEADERS for name in message.keys())


_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


def _message_ids(value: str) -> list[str]:
    """Message ids in a header, without angle brackets."""
    found = _ANGLE_ID.findall(value)
    if not found and value.strip():
        found = [token.strip("<>") for token in value.split() if "@" in token]
    return found


_UUENCODE = ("x-uuencode", "uuencode", "x-uue", "uue")


def _transfer_encoding(part: Message) -> str:
    return str(part.get("Content-Transfer-Encoding", "")).strip().lower()


def _transfer_decoded(part: Message) -> bytes:
    """A leaf entity's content with its transfer encoding undone, leniently."""
    if part.is_multipart():  # parts under a type that is not multipart/*
        return b"".join(inner.as_bytes() for inner in part.get_payload() if isinstance(inner, Message))
    # get_payload() would decode 8-bit text with the declared charset; we need the bytes as sent.
    data = str(part._payload).encode("utf-8", "surrogateescape")  # noqa: SLF001
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        return _lenient_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)  # unlike quopri it keeps CRLF line ends, which binary parts need
    if encoding in _UUENCODE:
        return _lenient_uudecode(data)
    return _local_line_ends(data, encoding)


def _local_line_ends(data: bytes, encoding: str) -> bytes:
    """Content sent as 7-bit lines gets LF line ends; 8bit and binary content is kept exactly.

    The CRLF of 7-bit text is the transport's; 8bit and binary declare the bytes to be the content.
    """
    return data if encoding in ("8bit", "binary") else data.replace(b"\r\n", b"\n")


def _lenient_base64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data)
    except binascii.Error:  # a truncated last group or stray padding: keep what decodes
        letters = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        letters = letters[: len(letters) - (len(letters) % 4 == 1)]
        return base64.b64decode(letters + b"=" * (-len(letters) % 4))


def _lenient_uudecode(data: bytes) -> bytes:
    """uuencoded content, with or without the begin and end lines."""
    decoded = []
    for line in data.splitlines():
        if line.startswith(b"begin ") or not line.strip():
            continue
        if line.strip() == b"end":
            break
        try:
            decoded.append(binascii.a2b_uu(line))
        except binascii.Error:  # lines some encoders pad too long
            length = (((line[0] - 32) & 63) * 4 + 5) // 3
            try:
                decoded.append(binascii.a2b_uu(line[:length]))
            except binascii.Error:
                continue
    return b"".join(decoded)


def _bare_type(message: Message) -> str:
    return (message.get_content_type() or "text/plain").lower()


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_SINGLE_BYTE = re.compile(r"^(iso-?8859|windows-|cp\d|koi8|us-ascii|ascii|latin)", re.IGNORECASE)


def _split_headers(raw: bytes) -> bytes:
    """The body of a raw entity: what follows the first blank line."""
    if raw.startswith((b"\n", b"\r\n")):
        return raw.split(b"\n", 1)[1]
    found = _BLANK_LINE.search(raw)
    return raw[found.end():] if found else b""


def _raw_children(body: bytes, boundary: str) -> list[bytes]:
    """The raw entities of a multipart body, split on its boundary lines."""
    # A literal first keeps the search fast; the line start is checked afterwards.
    delimiter = re.compile(re.escape(b"--" + boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*(?=\r?\n|\Z)")
    children, start = [], None
    for found in delimiter.finditer(body):
        at = found.start()
        if at and body[at - 1] != 0x0A:
            continue
        if start is not None:
            end = at - 1 if at else 0
            if end > start and body[end - 1] == 0x0D:
                end -= 1
            children.append(_without_first_line_end(body[start:max(start, end)]))
        if found.group(1):
            return children
        start = found.end()
    if start is not None:
        children.append(_without_first_line_end(body[start:]))
    return children


def _without_first_line_end(entity: bytes) -> bytes:
    """An entity after its delimiter line: the rest of that line is not part of it."""
    if entity.startswith(b"\r\n"):
        return entity[2:]
    return entity[1:] if entity.startswith(b"\n") else entity


class _Reader:
    """Walks one parsed message once, collecting body parts and attachments."""

    def __init__(self, message: Message, raw: bytes, max_attachment_bytes: int, own_domains) -> None:
        self.message = message
        self.raw = raw
        self.max_attachment_bytes = max_attachment_bytes
        self.own_domains = {domain.lower().lstrip("@") for domain in own_domains}
        declared = dict.fromkeys(part.get_content_charset() for part in message.walk())
        declared.pop(None, None)
        # Multi-byte charsets fail loudly on foreign bytes, single-byte ones never do: try them last.
        self.charsets = tuple(sorted(declared, key=lambda label: bool(_SINGLE_BYTE.match(label))))
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[InboundAttachment] = []
        self.unnamed = 0
        self.images = 0

    def header(self, name: str, entity: Message | None = None) -> str:
        value = (entity or self.message).get(name)
        return decode_header_value(value, self.charsets) if value is not None else ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        pairs = []
        for value in self.message.get_all(name) or []:
            value = re.sub(r"\r?\n[ \t]", " ", str(value))
            for display, address in getaddresses([value]):
                address = decode_header_value(address.strip(), self.charsets)
                if address or display:
                    pairs.append((decode_header_value(display, self.charsets), address))
        return pairs

    def contact(self) -> InboundContact:
        self.collect(self.message, self.raw)
        from_name, from_email = self.sender()
        text = "\n\n".join(part.strip("\n") for part in self.plain if part.strip())
        html = sanitise_html(self.html[0]) if self.html else None
        if not text and html:
            text = html_to_text(html)
        contact = InboundContact(
            channel="email",
            from_email=from_email,
            from_name=from_name,
            to=[address for _, address in self.addresses("To") if address],
            cc=[address for _, address in self.addresses("Cc") if address],
            subject=" ".join(self.header("Subject").split()),
            date=self.date(),
            message_id=next(iter(_message_ids(self.header("Message-ID"))), None),
            in_reply_to=next(iter(_message_ids(self.header("In-Reply-To"))), None),
            references=_message_ids(self.header("References")),
            text=text,
            html=html,
            attachments=self.attachments,
            language=detect_language(text),
        )
        contact.is_automated = self.is_automated(contact)
        return contact

    def sender(self) -> tuple[str, str]:
        """Display name and address of the author; Reply-To and Sender when From has no address."""
        candidates = [pair for name in ("From", "Reply-To", "Sender") for pair in self.addresses(name)]
        for display, address in candidates:
            if "@" in address:
                return display, address
        from_display = candidates[0][0] if candidates else ""
        found = re.search(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", self.header("From"))
        if found:
            return from_display, found.group(0)
        for display, address in candidates:
            if address:
                return display, address
        return from_display, ""

    def date(self) -> datetime | None:
        value = self.header("Date")
        if not value:
            return None
        try:
            stated = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        return stated if stated.tzinfo else stated.replace(tzinfo=timezone.utc)

    # --- parts -------------------------------------------------------------------------

    def collect(self, part: Message, raw: bytes | None) -> None:
        """Sort one entity into body text, HTML body or attachments.

        ``raw`` is the entity's original bytes when they could be matched, so attached
        messages and delivery reports are kept exactly as sent.
        """
        content_type = _bare_type(part)
        if part.is_multipart() and content_type.startswith("multipart/"):
            children = part.get_payload()
            raw_children = _raw_children(_split_headers(raw), part.get_boundary() or "") if raw else []
            if len(raw_children) != len(children):
                raw_children = [None] * len(children)
            for child, child_raw in zip(children, raw_children):
                self.collect(child, child_raw)
            return
        if content_type.startswith("message/"):
            self.attach(part, self.embedded_bytes(part, raw))
            return
        disposition = (part.get_content_disposition() or "").lower()
        body_kind = {"text/plain": self.plain, "text/html": self.html}.get(content_type)
        if (
            body_kind is not None
            and disposition != "attachment"
            and not self.filename(part)
            and not (body_kind is self.html and self.html)
        ):
            body_kind.append(decode_bytes(self.payload(part), part.get_content_charset(), *self.charsets))
            return
        self.attach(part, self.payload(part))

    def payload(self, part: Message) -> bytes:
        data = _transfer_decoded(part)
        self.check_size(part, data)
        return data

    def embedded_bytes(self, part: Message, raw: bytes | None) -> bytes:
        """An attached message or report as sent, not as the parser would rewrite it."""
        payload = part.get_payload()
        if isinstance(payload, list) and (raw is None or _transfer_encoding(part) in ("base64", *_UUENCODE)):
            data = b"".join(inner.as_bytes() for inner in payload if isinstance(inner, Message))
        elif raw is None:
            data = _transfer_decoded(part)
        elif _transfer_encoding(part) == "quoted-printable":
            data = binascii.a2b_qp(_split_headers(raw))
        else:
            data = _local_line_ends(_split_headers(raw), _transfer_encoding(part))
        self.check_size(part, data)
        return data

    def check_size(self, part: Message, data: bytes) -> None:
        if len(data) > self.max_attachment_bytes:
            raise MailRejected(
                f"attachment {self.filename(part) or _bare_type(part)!r} is {len(data)} bytes, "
                f"larger than the limit of {self.max_attachment_bytes} bytes"
            )

    def filename(self, part: Message) -> str:
        try:
            name = part.get_filename() or part.get_param("name") or ""
        except Exception:  # a broken RFC 2231 continuation
            name = ""
        if isinstance(name, tuple):  # an RFC 2231 value the library left undecoded
            name = decode_bytes((name[2] or "").encode("latin-1", "replace"), name[0])
        name = decode_header_value(name, self.charsets)
        name = re.sub(r"[\x00-\x1f\x7f]", "", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
        return fit_filename(name) if name.strip(".") else ""

    def attach(self, part: Message, content: bytes) -> None:
        content_type = _bare_type(part)
        disposition = (part.get_content_disposition() or "").lower()
        content_id = next(iter(_message_ids(self.header("Content-ID", part))), None) or (
            self.header("Content-ID", part).strip("<> ") or None
        )
        self.attachments.append(
            InboundAttachment(
                filename=self.filename(part) or self.generated_name(content_type),
                media_type=content_type,
                content=content,
                content_id=content_id,
                inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
            )
        )

    def generated_name(self, content_type: str) -> str:
        if content_type == "message/rfc822":
            return "message.eml"
        if content_type == "message/delivery-status":
            return "delivery-status.txt"
        extension = mimetypes.guess_extension(content_type) or ".bin"
        if content_type.startswith("image/"):
            self.images += 1
            return f"image{self.images}{extension}"
        self.unnamed += 1
        return f"file-{self.unnamed}{extension}"

    # --- classification ----------------------------------------------------------------

    def is_automated(self, contact: InboundContact) -> bool:
        headers = self.message
        auto_submitted = str(headers.get("Auto-Submitted", "")).strip().lower()
        if auto_submitted and auto_submitted != "no":
            return True
        if str(headers.get("Precedence", "")).strip().lower() in ("bulk", "list", "junk", "auto_reply"):
            return True
        if any(name in headers for name in ("X-Autoreply", "X-Autorespond", "List-Id")):
            return True
        local_part = contact.from_email.split("@", 1)[0].lower()
        if local_part in ("mailer-daemon", "postmaster") or contact.from_name.lower() == "mailer-daemon":
            return True
        if _bare_type(self.message) == "multipart/report":
            return True
        domain = (contact.message_id or "").rpartition("@")[2].lower()
        return bool(domain) and domain in self.own_domains


_POLISH_LETTERS = set("ąćęłńśźżĄĆĘŁŃŚŹŻ")
_POLISH_WORDS = {
    "w", "z", "na", "nie", "się", "sie", "jest", "do", "że", "ze", "dzień", "dzien", "dobry",
    "pan", "pani", "proszę", "prosze", "dziękuję", "dziekuje", "pozdrawiam", "mam", "jak", "czy",
    "o", "od", "po", "za", "tak", "mój", "moj", "moja", "moje", "umowa", "umowy", "kredyt",
}
_ENGLISH_WORDS = {
    "the", "and", "is", "are", "you", "your", "of", "for", "on", "with", "please",
    "thank", "thanks", "hello", "dear", "regards", "my", "it", "this", "that", "have", "be",
    "we", "not", "can", "would", "could", "loan", "account", "payment",
}


def detect_language(text: str) -> str:
    """"en" when the text reads clearly English, otherwise "pl" (the house language)."""
    sample = text[:4000]
    polish_letters = sum(1 for ch in sample if ch in _POLISH_LETTERS)
    words = re.findall(r"[^\W\d_]+", sample.lower())
    polish = sum(1 for word in words if word in _POLISH_WORDS) + polish_letters
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    return "en" if english >= 3 and english > 2 * polish else "pl"
