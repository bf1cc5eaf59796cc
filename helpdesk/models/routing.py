"""Routing rule sets and routing bookkeeping."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import User
from helpdesk.models.types import UTCDateTime, utcnow

RULE_SET_STATES = ("draft", "live", "archived")


class RuleSetVersion(db.Model):
    """One saved version of the routing rule set (``routing.RuleSet.to_dict`` shape).

    At most one version is "live" (routing uses it) and at most one is the "draft" being
    edited; every save adds a version, so the history of who changed what stays.
    """

    __tablename__ = "routing_rule_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    rules: Mapped[dict] = mapped_column(JSON)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
