"""A lasting problem (no SMTP server, a mailbox that cannot be reached) is logged once per change, not every minute."""
from __future__ import annotations

import logging

import pytest

from helpdesk.core import conditions, periodic
from helpdesk.mail.services.mailboxes import save_mailbox
from tests.fixtures.mailservers import free_port
from tests.helpdesk.sla.test_clocks import open_ticket


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """What earlier tests reported stays out: as in a process just started."""
    monkeypatch.setattr(conditions, "_current", {})


def _warnings(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and text in r.getMessage()]


def test_no_smtp_server_is_said_once_while_every_sweep_retries(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    monkeypatch.setitem(app.config, "MAIL_SEND_RETRY_SECONDS", 0)  # every sweep retries the acknowledgements
    caplog.set_level(logging.INFO)
    open_ticket()
    open_ticket()
    for _ in range(5):
        periodic.sweep()
    assert len(_warnings(caplog, "no SMTP server is configured")) == 1


def test_an_unreachable_mailbox_is_said_once_and_again_when_the_reason_changes(app, make_staff, monkeypatch, caplog):
    """A real refused connection: nothing listens on the port."""
    monkeypatch.setitem(app.config, "MAIL_FETCH_INTERVAL_SECONDS", 0)
    caplog.set_level(logging.INFO)
    mailbox = save_mailbox(make_staff(role="admin"), address="bok@kontakt.test", imap_host="127.0.0.1",
                           imap_port=free_port(), imap_security="none", imap_username="bok", imap_password="x")
    for _ in range(4):
        periodic.sweep()
    assert len(_warnings(caplog, "mailbox bok@kontakt.test")) == 1
    save_mailbox(None, mailbox_id=mailbox.id, address="bok@kontakt.test", imap_host="127.0.0.1",
                 imap_port=free_port(), imap_security="none", imap_username="bok")
    for _ in range(3):
        periodic.sweep()
    assert len(_warnings(caplog, "mailbox bok@kontakt.test")) == 2  # another port: another reason, said once
