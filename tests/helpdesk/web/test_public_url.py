"""Links in e-mail point at PUBLIC_URL, also from a job or the sweep (no request, no SERVER_NAME)."""
from __future__ import annotations

from helpdesk.web.helpers import public_url


def test_a_link_outside_any_request_uses_public_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://pomoc.example.pl/kontakt/")
    assert public_url("tickets.ticket", ticket_id=42) == "https://pomoc.example.pl/kontakt/agent/tickets/42"
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://127.0.0.1:5000")
    assert public_url("tickets.ticket", ticket_id=7) == "http://127.0.0.1:5000/agent/tickets/7"
