"""Inbound e-mail end to end: real dovecot IMAP, threading, reopening, the quarantine, the endpoint, the CLI."""
from __future__ import annotations

import imaplib
import time
from datetime import timedelta

import pytest

from channels.email.imap import ImapSettings
from channels.email.imap import Mailbox as ImapMailbox
from helpdesk.web.auth import issue_api_token
from helpdesk.core.extensions import db
from helpdesk.mail.services import inbound
from helpdesk.mail.services.mailboxes import save_mailbox
from helpdesk.models import Message, RawContact, Ticket, TicketEvent
from helpdesk.models.mail import Mailbox
from helpdesk.tickets import services as ticket_service
from tests.channels.corpus import mails
from tests.conftest import csrf_token_from, login
from tests.fixtures.mailservers import dovecot, imap_server  # noqa: F401  (pytest fixtures)

ADDRESS = "bok@kontakt.test"


def mail(number: int, *, subject: str | None = None, sender: str = "jan.kowalski@example.pl",
         in_reply_to: str | None = None, extra: str = "", body: str = "Dzień dobry, mam pytanie o ratę.") -> bytes:
    headers = (f"From: Jan Kowalski <{sender}>\r\nTo: {ADDRESS}\r\n"
               f"Subject: {subject or f'Pytanie {number}'}\r\nMessage-ID: <m{number}@example.pl>\r\n"
               "Date: Mon, 1 Dec 2025 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n")
    if in_reply_to:
        headers += f"In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\n"
    return (headers + extra + "\r\n" + body + "\r\n").encode()


def deliver(account, raw: bytes) -> None:
    client = imaplib.IMAP4(account.host, account.port)
    client.login(account.username, account.password)
    status, _ = client.append("INBOX", None, imaplib.Time2Internaldate(time.time()), raw)
    client.logout()
    assert status == "OK"


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def mailbox(app, imap_server):
    return save_mailbox(None, address=ADDRESS, imap_host=imap_server.host, imap_port=imap_server.port,
                        imap_security="none", imap_username=imap_server.username,
                        imap_password=imap_server.password, team="wsparcie-techniczne")


def unseen(account) -> list[int]:
    settings = ImapSettings(host=account.host, port=account.port, security="none", username=account.username,
                            password=account.password)
    with ImapMailbox(settings) as imap:
        return imap.unprocessed()


def test_fetch_takes_in_every_mail_and_marks_it_seen(app, imap_server, mailbox):
    corpus = mails()[:3]
    for raw in [mail(1), mail(2)] + [path.read_bytes() for path in corpus]:
        deliver(imap_server, raw)
    assert inbound.fetch_mailbox(mailbox.id) == 5
    assert unseen(imap_server) == []
    tickets = db.session.scalars(db.select(Ticket).order_by(Ticket.id)).all()
    assert len(tickets) == 5 and {t.channel for t in tickets} == {"email"}
    for ticket in tickets:  # the mailbox's team, unless a routing rule chose another
        chosen = [r["actions"]["team"] for r in ticket.routing["trace"]["rules"] if "team" in r["actions"]]
        assert ticket.team.slug == (chosen[-1] if chosen else "wsparcie-techniczne")
    assert tickets[0].subject == "Pytanie 1" and tickets[0].customer.primary_email == "jan.kowalski@example.pl"
    assert {r.source for r in db.session.scalars(db.select(RawContact))} == {f"imap:{ADDRESS}"}
    assert db.session.get(Mailbox, mailbox.id).last_fetched_at is not None
    assert inbound.fetch_mailbox(mailbox.id) == 0


def test_crash_before_marking_processed_creates_no_duplicate(app, imap_server, mailbox, monkeypatch):
    deliver(imap_server, mail(1))

    def crash(self, uid):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(ImapMailbox, "mark_processed", crash)
    with pytest.raises(RuntimeError):
        inbound.fetch_mailbox(mailbox.id)
    assert count(Ticket) == 1 and len(unseen(imap_server)) == 1  # committed, but still unseen on the server
    monkeypatch.undo()
    assert inbound.fetch_mailbox(mailbox.id) == 1
    assert count(Ticket) == 1 and count(Message) == 1 and count(RawContact) == 1
    assert unseen(imap_server) == []


def test_wrong_imap_password_is_recorded_on_the_mailbox(app, imap_server, mailbox):
    from channels.email.imap import MailboxError

    save_mailbox(None, mailbox_id=mailbox.id, address=ADDRESS, imap_host=imap_server.host,
                 imap_port=imap_server.port, imap_security="none", imap_username=imap_server.username,
                 imap_password="wrong")
    with pytest.raises(MailboxError):
        inbound.fetch_mailbox(mailbox.id)
    assert "wrong" not in db.session.get(Mailbox, mailbox.id).imap_password_encrypted
    assert db.session.get(Mailbox, mailbox.id).last_error


def test_reply_threads_by_subject_number_and_by_in_reply_to(app):
    first = inbound.ingest(mail(1), source="test")
    number = first.ticket_number
    by_subject = inbound.ingest(mail(2, subject=f"Re: [{number}] Pytanie 1"), source="test")
    by_header = inbound.ingest(mail(3, subject="Re: Pytanie", in_reply_to="m1@example.pl"), source="test")
    assert (first.status, by_subject.status, by_header.status) == ("created", "threaded", "threaded")
    assert by_subject.ticket_id == by_header.ticket_id == first.ticket_id
    assert count(Ticket) == 1 and count(Message) == 3


def test_customer_reply_to_waiting_ticket_opens_it(app, make_staff):
    agent = make_staff()
    first = inbound.ingest(mail(1), source="test")
    ticket_service.change_status(first.ticket_id, agent, "waiting")
    inbound.ingest(mail(2, in_reply_to="m1@example.pl"), source="test")
    db.session.expire_all()
    assert db.session.get(Ticket, first.ticket_id).status == "open"


def test_out_of_office_answer_leaves_a_waiting_ticket_waiting(app, make_staff):
    first = inbound.ingest(mail(1), source="test")
    ticket_service.change_status(first.ticket_id, make_staff(), "waiting")
    away = inbound.ingest(mail(2, in_reply_to="m1@example.pl", extra="Auto-Submitted: auto-replied\r\n"),
                          source="test")
    db.session.expire_all()
    assert away.ticket_id == first.ticket_id and db.session.get(Ticket, first.ticket_id).status == "waiting"


def test_reply_to_closed_ticket_reopens_within_the_limit_else_opens_a_linked_one(app, make_staff):
    agent = make_staff()
    first = inbound.ingest(mail(1), source="test")
    ticket_service.change_status(first.ticket_id, agent, "closed")
    reopened = inbound.ingest(mail(2, subject=f"Re: [{first.ticket_number}]"), source="test")
    db.session.expire_all()
    assert reopened.ticket_id == first.ticket_id
    assert db.session.get(Ticket, first.ticket_id).status == "open"
    reopen_event = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=first.ticket_id, kind="status")
                                      .order_by(TicketEvent.id.desc())).first()
    assert reopen_event.actor_user_id is None and reopen_event.data["new"] == "open"

    ticket_service.change_status(first.ticket_id, agent, "closed")
    closing = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=first.ticket_id, kind="status")
                                 .order_by(TicketEvent.id.desc())).first()
    closing.created_at -= timedelta(days=app.config["MAIL_REOPEN_DAYS"] + 1)
    db.session.commit()
    late = inbound.ingest(mail(3, subject=f"Re: [{first.ticket_number}]"), source="test")
    db.session.expire_all()
    assert late.status == "created" and late.ticket_id != first.ticket_id
    assert db.session.get(Ticket, late.ticket_id).linked_ticket_id == first.ticket_id
    assert db.session.get(Ticket, first.ticket_id).status == "closed"


def test_same_mail_twice_is_one_ticket(app):
    assert inbound.ingest(mail(1), source="test").status == "created"
    again = inbound.ingest(mail(1), source="other")
    resent = inbound.ingest(mail(1).replace(b"Date:", b"X-Relay: b\r\nDate:"), source="other")
    assert (again.status, resent.status) == ("duplicate", "duplicate")
    assert count(Ticket) == 1 and count(Message) == 1


def test_oversized_mail_is_quarantined_then_retried_after_raising_the_limit(app, monkeypatch, make_staff):
    monkeypatch.setitem(app.config, "MAIL_MAX_MESSAGE_BYTES", 200)
    result = inbound.ingest(mail(1, body="x" * 500), source="test")
    assert result.status == "quarantined" and "larger than the limit" in result.reason
    raw = db.session.get(RawContact, result.raw_id)
    assert raw.status == "quarantined" and count(Ticket) == 0
    assert inbound.retry_quarantined(raw.id, None).status == "quarantined"
    monkeypatch.setitem(app.config, "MAIL_MAX_MESSAGE_BYTES", 10_000)
    retried = inbound.retry_quarantined(raw.id, make_staff(role="admin"))
    assert retried.status == "created" and count(Ticket) == 1


def test_unreadable_mail_becomes_a_ticket_by_hand_with_the_original_attached(app, client, make_staff):
    garbage = b"\x00\x01 this is not mail at all \xff" * 3
    result = inbound.ingest(garbage, source="test")
    assert result.status == "quarantined"
    admin = make_staff(role="admin")
    login(client, admin.email)
    page = client.get("/admin/mail/quarantine")
    assert page.status_code == 200 and "no e-mail header fields found" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post(f"/admin/mail/quarantine/{result.raw_id}/ticket", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    ticket = db.session.scalar(db.select(Ticket))
    assert ticket is not None and "this is not mail at all" in ticket.messages[0].text
    attachment = ticket.messages[0].attachments[0]
    assert attachment.filename.endswith(".eml") and attachment.size == len(garbage)
    assert db.session.get(RawContact, result.raw_id).status == "processed"


def test_quarantine_screen_is_for_administrators(client, make_staff):
    lead = make_staff(role="lead")
    login(client, lead.email)
    assert client.get("/admin/mail/quarantine").status_code == 403


def test_inbound_endpoint_checks_the_token_and_dedupes(app, client, make_staff, monkeypatch):
    agent_token = issue_api_token(make_staff(), "agent")
    admin_token = issue_api_token(make_staff(role="admin"), "admin")
    monkeypatch.setitem(app.config, "MAIL_INBOUND_TOKEN", "mail-secret")
    raw = mail(1)
    assert client.post("/api/v1/mail/inbound", data=raw).status_code == 401
    assert client.post("/api/v1/mail/inbound", data=raw, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/v1/mail/inbound", data=raw,
                       headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403
    created = client.post("/api/v1/mail/inbound", data=raw, headers={"Authorization": f"Bearer {admin_token}"})
    assert created.status_code == 201 and created.json["status"] == "created"
    again = client.post("/api/v1/mail/inbound", data=raw, headers={"Authorization": "Bearer mail-secret"})
    assert again.status_code == 200 and again.json["ticket"] == created.json["ticket"]
    empty = client.post("/api/v1/mail/inbound", data=b"", headers={"Authorization": "Bearer mail-secret"})
    assert empty.status_code == 400
    assert count(Ticket) == 1


def test_cli_ingests_a_file_and_stdin(app, tmp_path):
    path = tmp_path / "one.eml"
    path.write_bytes(mail(1))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["mail", "ingest", str(path)])
    assert first.exit_code == 0 and first.output.startswith("created: KT-")
    second = runner.invoke(args=["mail", "ingest", "-"], input=mail(2))
    assert second.exit_code == 0 and count(Ticket) == 2
    bad = runner.invoke(args=["mail", "ingest", "-"], input=b"\x00garbage\x00")
    assert bad.exit_code == 2 and "quarantined" in bad.output


def test_cli_fetch_names_the_mailbox(app, imap_server, mailbox):
    deliver(imap_server, mail(1))
    result = app.test_cli_runner().invoke(args=["mail", "fetch", "--mailbox", ADDRESS])
    assert result.exit_code == 0 and f"{ADDRESS}: 1 message(s)" in result.output
    missing = app.test_cli_runner().invoke(args=["mail", "fetch", "--mailbox", "nobody@kontakt.test"])
    assert missing.exit_code != 0 and "no mailbox" in missing.output


def test_periodic_sweep_fetches_mailboxes(app, imap_server, mailbox):
    from helpdesk.core.periodic import sweep

    deliver(imap_server, mail(1))
    sweep()
    assert count(Ticket) == 1 and unseen(imap_server) == []


def test_agent_view_folds_quoted_text(app, client, make_staff):
    body = "Dziękuję, to pomogło.\r\n\r\nW dniu 1.12.2025 o 10:00 BOK pisze:\r\n> Prosimy o numer umowy."
    result = inbound.ingest(mail(1, body=body), source="test")
    agent = make_staff(role="lead")
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{result.ticket_id}").get_data(as_text=True)
    assert "<details><summary>Pokaż cytowaną treść</summary>" in page
    assert page.index("to pomogło") < page.index("<details>") < page.index("Prosimy o numer umowy")


def test_html_body_is_shown_only_on_request(app, client, make_staff):
    raw = (b"From: jan@example.pl\r\nTo: bok@kontakt.test\r\nSubject: HTML\r\nMessage-ID: <h1@example.pl>\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Tekst <b>pogrubiony</b></p><script>alert(1)</script>")
    result = inbound.ingest(raw, source="test")
    login(client, make_staff(role="lead").email)
    plain = client.get(f"/agent/tickets/{result.ticket_id}").get_data(as_text=True)
    assert "<b>pogrubiony</b>" not in plain and "Tekst" in plain and "Pokaż wersję HTML" in plain
    message_id = db.session.scalar(db.select(Message.id))
    html = client.get(f"/agent/tickets/{result.ticket_id}?html={message_id}").get_data(as_text=True)
    assert "<b>pogrubiony</b>" in html and "alert(1)" not in html
