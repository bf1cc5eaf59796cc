"""Intake's background work: the minute sweep picks up stored contacts whose job was lost."""
from __future__ import annotations

from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.intake.services import WEBFORM_SOURCE, receive_stored
from helpdesk.models import RawContact


def sweep() -> None:
    """The minute sweep: receive web-form contacts still waiting (their job was lost)."""
    waiting = db.session.scalar(db.select(RawContact.id).where(
        RawContact.status == "received", RawContact.channel == "webform",
        RawContact.source == WEBFORM_SOURCE).limit(1))
    db.session.rollback()
    if waiting is not None:
        jobs.enqueue_once(receive_stored)
