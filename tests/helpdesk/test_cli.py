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


# --- the command in a checkout, as a person types it (a real process, a real environment) -------------


def _helpdesk(instance, *args, **env):
    import os
    import subprocess
    import sys

    from helpdesk import REPO_ROOT

    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KONTAKT_DEMO")}
    return subprocess.run([sys.executable, "-m", "helpdesk", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**clean, "KONTAKT_INSTANCE": str(instance), "PYTHONPATH": str(REPO_ROOT), **env},
                          timeout=120)


def test_help_needs_no_configuration(tmp_path):
    for args in (["--help"], ["routing", "simulate", "--help"], ["mail", "--help"]):
        shown = _helpdesk(tmp_path, *args)
        assert shown.returncode == 0 and "Usage: " in shown.stdout, (args, shown.stderr)
        assert shown.stderr == ""


def test_a_missing_or_bad_setting_is_one_line_naming_it_and_exit_status_2(tmp_path):
    missing = _helpdesk(tmp_path, "routing", "simulate", "--from", "2026-11-02", "--to", "2026-11-06")
    bad = _helpdesk(tmp_path, "sweep", SECRET_KEY="x", MAIL_SEND_MAX_ATTEMPTS="many")
    security = _helpdesk(tmp_path, "migrate", SECRET_KEY="x", SMTP_SECURITY="ssl")
    database = _helpdesk(tmp_path, "migrate", SECRET_KEY="x", DATABASE_URL="postgres://kontakt@127.0.0.1/kontakt")
    for result, variable in ((missing, "SECRET_KEY"), (bad, "MAIL_SEND_MAX_ATTEMPTS"), (security, "SMTP_SECURITY"),
                             (database, "DATABASE_URL")):
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"helpdesk: {variable} "), result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert "make run" in missing.stderr and "'many'" in bad.stderr
    assert not (tmp_path / "secret_key").exists()  # nothing pretends to be the demo


def test_the_demo_instance_is_found_without_exporting_anything(tmp_path):
    """After `make run` (KONTAKT_DEMO=1 once), the same checkout's `helpdesk` works on the demo's SQLite file."""
    first = _helpdesk(tmp_path, "migrate", KONTAKT_DEMO="1")
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    again = _helpdesk(tmp_path, "create-user", "ola@demo.kontakt.pl", "--name", "Ola", "--password", "tajne-haslo-1")
    assert again.returncode == 0 and "created agent ola@demo.kontakt.pl" in again.stdout, again.stderr
    assert (tmp_path / "secret_key").read_text() == key and (tmp_path / "kontakt.sqlite3").is_file()
    production = _helpdesk(tmp_path, "sweep", KONTAKT_DEMO="0")  # said outright: not the demo, so a key is needed
    assert production.returncode == 2 and "SECRET_KEY" in production.stderr
