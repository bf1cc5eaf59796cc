"""The phone channel's background work: the minute sweep picks up what a lost job left."""
from __future__ import annotations

from datetime import timedelta

from channels.phone import CALLBACK_OUTCOMES
from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.models.phone import Call, PhoneEvent
from helpdesk.models.types import utcnow
from helpdesk.phone.services import needs_callback, open_callbacks, process_events


def sweep() -> None:
    """The minute sweep: process events still waiting (their job was lost), and open the
    callbacks a crash left unopened."""
    waiting = db.session.scalar(db.select(PhoneEvent.id).filter_by(status="received").limit(1))
    pending = [call.id for call in db.session.scalars(db.select(Call).where(
        Call.state == "ended", Call.callback_done.is_(False), Call.direction == "in", Call.caller != "",
        Call.source == "pbx", Call.outcome.in_([*CALLBACK_OUTCOMES, "out_of_hours"]),
        Call.ended_at < utcnow() - timedelta(seconds=30)).order_by(Call.id).limit(500)) if needs_callback(call)]
    db.session.rollback()
    if waiting is not None:
        jobs.enqueue_once(process_events)
    if pending:
        jobs.enqueue(open_callbacks, pending)
