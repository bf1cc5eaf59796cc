"""The demo data reads like a working contact centre's last two weeks, and loads once."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from helpdesk.core.extensions import db
from helpdesk.demo.services import load_demo_data
from helpdesk.models import Ticket, User
from helpdesk.models.mail import Acknowledgement
from helpdesk.models.sla import SlaClock
from helpdesk.models.types import utcnow


@pytest.mark.both_databases
def test_demo_data_is_two_weeks_of_mostly_timely_work_and_loads_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "KONTAKT_DEMO", True)  # its mail goes to the outbox
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    started = utcnow()
    assert load_demo_data() is True
    tickets = db.session.scalars(db.select(Ticket)).all()
    counts = (len(tickets), db.session.scalar(db.select(db.func.count()).select_from(User)))
    assert load_demo_data() is False  # idempotent
    assert counts == (db.session.scalar(db.select(db.func.count()).select_from(Ticket)),
                      db.session.scalar(db.select(db.func.count()).select_from(User)))

    ages = [started - t.created_at for t in tickets]
    assert len(tickets) >= 50 and max(ages) <= timedelta(days=14) and min(ages) >= timedelta(0)
    assert sum(age > timedelta(days=7) for age in ages) >= 10  # spread over both weeks, not all today
    statuses = Counter(t.status for t in tickets)
    assert all(statuses[s] >= 3 for s in ("new", "open", "waiting", "solved", "closed")), statuses
    repeat = [c for c, n in Counter(t.customer_id for t in tickets).items() if n > 1]
    assert len(repeat) >= 3  # several customers with more than one ticket

    first = db.session.scalars(db.select(SlaClock).filter_by(name="first_response")).all()
    breached = [c for c in first if c.breached_at is not None]
    answered_in_time = [c for c in first if c.running_since is None and c.breached_at is None]
    due_soon = [c for c in first if c.running_since is not None and c.breached_at is None
                and c.due_at - started < timedelta(hours=4)]
    assert 1 <= len(breached) <= 5 and len(due_soon) >= 2
    assert len(answered_in_time) >= 0.75 * len(first)  # most answered in time
    sent = db.session.scalars(db.select(Acknowledgement.delivery_status)).all()
    assert sent and set(sent) == {"sent"}  # acknowledgements went to the demo's outbox
