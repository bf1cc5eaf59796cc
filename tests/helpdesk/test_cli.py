"""The `helpdesk` operations command."""
from __future__ import annotations

from helpdesk.web.auth import user_from_bearer
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, User


def test_demo_prints_the_logins_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output and "anna@demo.kontakt.pl" in first.output
    tickets = db.session.scalar(db.select(db.func.count()).select_from(Ticket))
    again = runner.invoke(args=["demo"])
    assert "nothing changed" in again.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == tickets


def test_create_user_and_token(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-user", "Ewa@Kontakt.test", "--name", "Ewa", "--role", "lead",
                                  "--password", "tajne-haslo-123"])
    assert created.exit_code == 0, created.output
    user = db.session.scalar(db.select(User).filter_by(email="ewa@kontakt.test"))
    assert user.role == "lead"
    token = runner.invoke(args=["token", "ewa@kontakt.test"]).output.strip()
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        assert user_from_bearer().id == user.id
    missing = runner.invoke(args=["token", "nobody@kontakt.test"])
    assert missing.exit_code != 0 and "no staff member" in missing.output
