"""The reports' test helpers: "now" as the services see it, contacts and customer messages through intake."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.models import Ticket
from helpdesk.sla.services import clocks

WARSAW = ZoneInfo("Europe/Warsaw")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


@pytest.fixture
def now(monkeypatch):
    """The instant the services see as now: SLA clocks, message stamps and the reports' "now"
    (the time of day is what is under test, and waiting for real hours is not possible)."""
    def set_now(instant: datetime) -> datetime:
        monkeypatch.setattr(clocks, "now", lambda: instant)
        monkeypatch.setattr("helpdesk.tickets.services.utcnow", lambda: instant)
        monkeypatch.setattr("helpdesk.reports.services.utcnow", lambda: instant)
        return instant

    return set_now


def contact(channel: str = "email", category: str | None = "loan-terms", email: str = "klient@example.pl",
            text: str = "Proszę o informację o oprocentowaniu.") -> Ticket:
    raw, _ = intake.store_raw(channel=channel, source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(
        channel=channel, received_at=clocks.now(), from_email=email if channel != "phone" else "",
        from_phone="+48601234567" if channel == "phone" else "", from_name="Klient", subject="Pytanie",
        text=text, form_category=category))


def customer_writes(ticket: Ticket, email: str = "klient@example.pl", text: str = "Mam jeszcze pytanie.") -> None:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    intake.receive(raw.id, InboundContact(channel="email", received_at=clocks.now(), from_email=email,
                                          subject="Re: Pytanie", text=text), thread_to=ticket)
