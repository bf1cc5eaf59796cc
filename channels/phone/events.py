"""Generic CTI call events, as PBXs send them to Zammad: parsing, validation, signatures.

A PBX posts one event per request, form-encoded or JSON:

* ``event``: ``newCall``, ``answer`` or ``hangup``
* ``callId``: the PBX's id of the call (the same on all its events)
* ``from``, ``to``: the numbers; ``direction``: ``in`` or ``out``
* ``user``: the agent(s) the call is offered to (newCall, one or many: ``user[]=a&user[]=b``
  or a JSON list), or who answered it (answer)
* ``queue``, ``answeringNumber``, and on hangup ``cause``
* ``timestamp`` (optional, ISO 8601): when it happened; without it the receipt time counts

`parse_event` turns the body into a `CallEvent` or raises `EventRejected` with the reason.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs

from channels.identity import normalise_phone

EVENTS = ("newCall", "answer", "hangup")
DIRECTIONS = ("in", "out")
CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded")
MAX_FIELD = 200  # characters of any one field
MAX_USERS = 50
MAX_BODY = 16 * 1024
SIGNATURE_HEADER = "X-Kontakt-Signature"


class EventRejected(ValueError):
    """An event that cannot be taken in; ``reason`` says why (it goes back in the 400 answer)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CallEvent:
    """One validated CTI event. Numbers are E.164 where they are numbers ("" when withheld);
    the PBX's own spelling is kept in ``from_raw``/``to_raw``."""

    event: str
    call_id: str
    direction: str
    occurred_at: datetime  # aware, UTC
    from_number: str = ""
    to_number: str = ""
    from_raw: str = ""
    to_raw: str = ""
    users: tuple[str, ...] = ()
    queue: str = ""
    answering_number: str = ""
    cause: str = ""
    timestamp_given: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def caller(self) -> str:
        """The customer's number: the caller of an inbound call, the called party of an outbound one."""
        return self.from_number if self.direction == "in" else self.to_number

    @property
    def line(self) -> str:
        """Our number: the one dialled for an inbound call, the one calling out for an outbound one."""
        return self.to_number if self.direction == "in" else self.from_number


def parse_event(body: bytes, media_type: str, received_at: datetime) -> CallEvent:
    """The event in a request body (``media_type`` is its Content-Type), or EventRejected."""
    if len(body) > MAX_BODY:
        raise EventRejected(f"the body is larger than {MAX_BODY} bytes")
    fields = _fields(body, (media_type or "").split(";")[0].strip().lower())
    return event_from_fields(fields, received_at)


def _fields(body: bytes, media_type: str) -> dict[str, list[str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EventRejected("the body is not UTF-8") from None
    if "\x00" in text:
        raise EventRejected("the body contains NUL characters")
    if media_type == "application/json" or (not media_type and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise EventRejected(f"the body is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise EventRejected("the JSON body must be an object")
        fields: dict[str, list[str]] = {}
        for key, value in data.items():
            key = key.removesuffix("[]")
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, (dict, list)) for v in values):
                raise EventRejected(f"{key}: must be a string or a list of strings")
            fields.setdefault(key, []).extend("" if v is None else str(v) for v in values)
        return fields
    if media_type in ("application/x-www-form-urlencoded", ""):
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=False)
        fields = {}
        for key, values in parsed.items():
            fields.setdefault(key.removesuffix("[]"), []).extend(values)
        return fields
    raise EventRejected(f"unsupported Content-Type {media_type!r}; send application/x-www-form-urlencoded "
                        "or application/json")


def _one(fields: dict[str, list[str]], name: str, *, required: bool = False) -> str:
    values = [v.strip() for v in fields.get(name, []) if v.strip()]
    if len(set(values)) > 1:
        raise EventRejected(f"{name}: given more than once")
    value = values[0] if values else ""
    if required and not value:
        raise EventRejected(f"{name}: is required")
    if len(value) > MAX_FIELD:
        raise EventRejected(f"{name}: longer than {MAX_FIELD} characters")
    return value


def event_from_fields(fields: dict[str, list[str]], received_at: datetime) -> CallEvent:
    """A CallEvent from already-split fields (each a list of values), or EventRejected."""
    event = _one(fields, "event", required=True)
    if event not in EVENTS:
        raise EventRejected(f"event: must be one of {', '.join(EVENTS)}, not {event!r}")
    call_id = _one(fields, "callId", required=True)
    if len(call_id) > 100 or not call_id.isprintable():
        raise EventRejected("callId: at most 100 printable characters")
    direction = _one(fields, "direction") or "in"
    if direction not in DIRECTIONS:
        raise EventRejected(f"direction: must be 'in' or 'out', not {direction!r}")
    from_raw, to_raw = _one(fields, "from"), _one(fields, "to")
    from_number, to_number = _number(from_raw, "from"), _number(to_raw, "to")
    if event == "newCall" and not to_number:
        raise EventRejected("to: the number called is required on newCall")
    cause = _one(fields, "cause")
    if cause and cause not in CAUSES:
        raise EventRejected(f"cause: must be one of {', '.join(CAUSES)}, not {cause!r}")
    if event == "hangup" and not cause:
        cause = "normalClearing"
    users = tuple(dict.fromkeys(u.strip() for u in fields.get("user", []) if u.strip()))
    if len(users) > MAX_USERS or any(len(u) > MAX_FIELD for u in users):
        raise EventRejected(f"user: at most {MAX_USERS} names of up to {MAX_FIELD} characters")
    stamp = _one(fields, "timestamp")
    occurred_at = _timestamp(stamp) if stamp else received_at.astimezone(timezone.utc)
    known = {"event", "callId", "direction", "from", "to", "user", "queue", "answeringNumber", "cause",
             "timestamp"}
    extra = {k: v[0] if len(v) == 1 else v for k, v in fields.items() if k not in known}
    return CallEvent(event=event, call_id=call_id, direction=direction, occurred_at=occurred_at,
                     from_number=from_number, to_number=to_number, from_raw=from_raw, to_raw=to_raw,
                     users=users, queue=_one(fields, "queue"), answering_number=_one(fields, "answeringNumber"),
                     cause=cause, timestamp_given=bool(stamp), extra=extra)


def _number(raw: str, name: str) -> str:
    """E.164, or "" for a withheld number ("anonymous", empty). A SIP address keeps its user part
    when that is a number; anything else that is not a number is rejected."""
    text = raw.strip()
    if not text or text.lower() in ("anonymous", "unknown", "restricted", "private", "withheld"):
        return ""
    if text.lower().startswith(("sip:", "tel:")):
        text = text.split(":", 1)[1].split("@", 1)[0].split(";", 1)[0]
    number = normalise_phone(text)
    if number is None:
        raise EventRejected(f"{name}: {raw!r} is not a phone number")
    return number


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise EventRejected(f"timestamp: {text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise EventRejected("timestamp: give the offset (e.g. 2025-12-01T10:00:00+01:00 or ...Z)")
    return value.astimezone(timezone.utc)


# --- signatures ------------------------------------------------------------------------

def sign(secret: bytes, body: bytes) -> str:
    """The signature header value of a body: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the body's signature under ``secret`` (compared in constant time)."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().lower().encode())
