"""`helpdesk phone simulate`: a day of calls into the call log (directly, and checked for its answers)."""
from __future__ import annotations

from helpdesk.core.extensions import db
from helpdesk.models.phone import Call, PhoneEvent


def test_simulate_direct_fills_the_call_log_with_a_day(app, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    result = app.test_cli_runner().invoke(args=["phone", "simulate", "--direct", "--day", "2025-12-01",
                                                "--scale", "0.3", "--seed", "5"])
    assert result.exit_code == 0, result.output
    calls = db.session.scalars(db.select(Call)).all()
    assert f"{len(calls)} calls on 2025-12-01" in result.output and len(calls) > 30
    assert {c.state for c in calls} == {"ended"} and "answered" in {c.outcome for c in calls}
    assert db.session.scalar(db.select(db.func.count()).select_from(PhoneEvent).filter_by(status="received")) == 0
    assert any(c.agent and c.agent.email == "anna@kontakt.test" for c in calls)


def test_simulate_needs_a_token_or_a_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", None)
    result = app.test_cli_runner().invoke(args=["phone", "simulate"])
    assert result.exit_code != 0 and "--token" in result.output
