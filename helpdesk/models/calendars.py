"""Calendars stored in the database (administrators edit them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class StoredCalendar(db.Model):
    """A calendar in the `schedules` dict shape: opening hours or an agents' shift pattern.

    `version` goes up with every change, so compiled calendars are cached per version.
    Public calendars (opening hours) may be shown to customers; shift calendars are staff-only.
    """

    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    public: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
