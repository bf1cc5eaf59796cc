"""Column types shared by the models."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant stored as UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are normalised to naive UTC on the way in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


_AS_OF: ContextVar[datetime | None] = ContextVar("kontakt_as_of", default=None)


def utcnow() -> datetime:
    """Now, in UTC: the one clock the app stamps records with (see `as_of`)."""
    return _AS_OF.get() or datetime.now(timezone.utc)


@contextmanager
def as_of(instant: datetime) -> Iterator[datetime]:
    """Inside the block `utcnow()` is ``instant``: the demo replays two weeks of work, each step at its
    own time, through the same services (and SLA clocks) as live work."""
    token = _AS_OF.set(instant)
    try:
        yield instant
    finally:
        _AS_OF.reset(token)
