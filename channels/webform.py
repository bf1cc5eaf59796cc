"""The public contact form as a channel: a validated submission becomes an InboundContact."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from channels.contact import InboundAttachment, InboundContact, fit_filename
from channels.identity import normalise_email, normalise_phone

ALLOWED_MEDIA_TYPES = {
    "application/pdf": (b"%PDF",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
# The file name must say what the content is: x.html that starts with %PDF is no PDF.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
}


@dataclass
class FormSubmission:
    """What the customer typed and attached, already checked field by field by the form."""

    name: str
    email: str
    category: str
    subject: str
    description: str
    phone: str = ""
    pesel: str = ""
    loan_number: str = ""
    language: str = "pl"
    attachments: list[InboundAttachment] = field(default_factory=list)


def attachment_problem(filename: str, content: bytes, max_bytes: int) -> str | None:
    """Why an uploaded file is refused (an English key the form translates), or None if it is fine."""
    if len(content) > max_bytes:
        return "too-large"
    media_type = sniff_media_type(content)
    if media_type not in EXTENSIONS or not filename.lower().endswith(EXTENSIONS[media_type]):
        return "bad-type"
    return None


def sniff_media_type(content: bytes) -> str:
    for media_type, magics in ALLOWED_MEDIA_TYPES.items():
        if any(content.startswith(m) for m in magics):
            return media_type
    return "application/octet-stream"


def attachment(filename: str, content: bytes) -> InboundAttachment:
    """An uploaded file (checked with attachment_problem) as it is stored: its type from its
    content, its name without a path and short enough to keep."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
    return InboundAttachment(filename=fit_filename(name), media_type=sniff_media_type(content), content=content)


def to_contact(form: FormSubmission, received_at: datetime) -> InboundContact:
    return InboundContact(
        channel="webform",
        received_at=received_at,
        line="contact-form",
        from_email=normalise_email(form.email),
        from_name=form.name.strip(),
        from_phone=normalise_phone(form.phone) or "",
        subject=form.subject.strip(),
        text=form.description.strip(),
        attachments=list(form.attachments),
        language=form.language,
        form_category=form.category,
        pesel=form.pesel or None,
        loan_number=form.loan_number.strip() or None,
    )


def to_payload(form: FormSubmission, received_at: datetime) -> bytes:
    """The submission as stored before anything else happens to it (JSON, attachments in hex)."""
    return json.dumps({
        "fields": {k: v for k, v in vars(form).items() if k != "attachments"},
        "attachments": [{"filename": a.filename, "media_type": a.media_type, "content": a.content.hex()}
                        for a in form.attachments],
        "received_at": received_at.isoformat(),
    }, ensure_ascii=False).encode()


def from_payload(payload: bytes) -> InboundContact:
    """The contact a stored submission makes; ValueError saying why if it is not one."""
    try:
        data = json.loads(payload)
        attachments = [InboundAttachment(filename=a["filename"], media_type=a["media_type"],
                                         content=bytes.fromhex(a["content"])) for a in data["attachments"]]
        received_at = datetime.fromisoformat(data["received_at"])
        submission = FormSubmission(**data["fields"], attachments=attachments)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a stored web-form submission: {type(error).__name__}: {error}") from error
    if received_at.tzinfo is None:
        raise ValueError("received_at has no time zone")
    return to_contact(submission, received_at)
