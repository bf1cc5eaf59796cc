"""The caller on the agent's screen in Chromium: a call rings, the panel shows who it is without a
reload, the agent logs the call onto the customer's ticket; an answered call left unlogged is listed."""
from __future__ import annotations

import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.models.phone import Call
from helpdesk.models.types import utcnow
from helpdesk.phone import services
from tests.helpdesk.browser.test_browser_workspace import sign_in

pytestmark = pytest.mark.browser
TOKEN = "browser-cti-token"
CALLER = "+48501234567"


def pbx_posts(live_server: str, **fields) -> dict:
    """A PBX posting one form-encoded event to the live server over HTTP."""
    fields = {("from" if k == "from_" else k): v for k, v in fields.items()}
    request = urllib.request.Request(f"{live_server}/api/v1/cti/{TOKEN}", method="POST",
                                     data=urlencode(fields, doseq=True).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()


@pytest.mark.parametrize("stream", [True, False], ids=["server-sent events", "polling"])
def test_the_ringing_call_pops_up_and_is_logged_without_retyping(page, app, live_server, make_staff, monkeypatch,
                                                                 shot, assert_controls_labelled, stream):
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "PHONE_CALLER_STREAM", stream)
    agent = make_staff("anna@kontakt.test", name="Anna Zielińska", teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    raw, _ = intake.store_raw(channel="email", source="test", payload=b"x", media_type="text/plain")
    ticket = intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="jan@example.pl",
                                                   from_name="Jan Kowalski", from_phone=CALLER,
                                                   subject="Przesunięcie raty", text="Czy mogę przesunąć ratę?"))
    sign_in(page, "anna@kontakt.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")
    panel = page.locator("#phone-now")
    expect(panel).to_be_empty()

    now = utcnow()
    base = {"callId": "b1", "from_": "501 234 567", "to": "660 600 700", "direction": "in"}
    pbx_posts(live_server, event="newCall", **{"user[]": ["101"]}, timestamp=now.isoformat(), **base)
    expect(panel).to_contain_text("Połączenie przychodzące", timeout=10000)  # no reload: the stream told the page
    expect(panel).to_contain_text("+48 501 234 567")
    expect(panel).to_contain_text("Jan Kowalski")
    expect(panel.get_by_role("link", name=ticket.number)).to_be_visible()
    shot(page, "ringing")
    pbx_posts(live_server, event="answer", user="101", timestamp=(now + timedelta(seconds=8)).isoformat(), **base)
    expect(panel).to_contain_text("Trwa rozmowa", timeout=10000)

    panel.get_by_role("link", name="Zapisz tę rozmowę").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("+48 501 234 567")
    assert_controls_labelled(page)
    page.get_by_label("Zgłoszenie", exact=True).select_option(label=f"{ticket.number} Przesunięcie raty")
    page.get_by_label("Kategoria").select_option(label="Problemy z płatnością")
    page.get_by_label("Notatki z rozmowy").fill("Klient prosi o przesunięcie raty o tydzień.")
    page.get_by_role("button", name="Zapisz rozmowę").click()
    expect(page.get_by_role("status").first).to_have_text(f"Rozmowa zapisana w zgłoszeniu {ticket.number}.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    expect(page.locator("article.message").last).to_contain_text("Klient prosi o przesunięcie raty o tydzień.")
    shot(page, "logged")

    pbx_posts(live_server, event="hangup", cause="normalClearing", timestamp=(now + timedelta(seconds=98)).isoformat(),
              **base)
    second = {**base, "callId": "b2"}
    pbx_posts(live_server, event="newCall", **{"user[]": ["101"]}, timestamp=now.isoformat(), **second)
    pbx_posts(live_server, event="answer", user="101", timestamp=(now + timedelta(seconds=5)).isoformat(), **second)
    pbx_posts(live_server, event="hangup", timestamp=(now + timedelta(seconds=65)).isoformat(), **second)
    expect(panel).to_contain_text("Odebrane rozmowy do zapisania: 1", timeout=10000)
    db.session.expire_all()
    logged = db.session.scalar(db.select(Call).filter_by(call_id="b1"))
    assert logged.ticket_id == ticket.id and logged.talk_seconds == 90 and logged.agent_id == agent.id
