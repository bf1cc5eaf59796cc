"""Outbound e-mail on a real aiosmtpd server: replies, acknowledgements, loops, retries; mailbox secrets."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.mail.services import inbound
from helpdesk.mail.services import outbound
from helpdesk.mail.services.mailboxes import save_mailbox
from helpdesk.models import Message, Ticket
from helpdesk.models.mail import Acknowledgement, Mailbox
from helpdesk.tickets import services as ticket_service
from helpdesk.web.helpers import format_due
from tests.conftest import csrf_token_from, login
from tests.fixtures.mailservers import CaptureHandler, free_port, smtp, smtp_server  # noqa: F401  (pytest fixtures)
from tests.helpdesk.mail.test_inbound import ADDRESS, mail
from tests.helpdesk.intake.test_services import stored_submission


def received(sink) -> list:
    return [message_from_bytes(m.data, policy=default_policy) for m in sink.received]


def test_acknowledgement_in_polish_with_number_and_answer_time(app, smtp):
    result = inbound.ingest(mail(1), source="test")
    [ack] = received(smtp)
    ticket = db.session.get(Ticket, result.ticket_id)
    assert ack["To"] == "jan.kowalski@example.pl" and ack["Auto-Submitted"] == "auto-replied"
    assert f"[{ticket.number}]" in ack["Subject"] and ack["In-Reply-To"] == "<m1@example.pl>"
    body = ack.get_content()
    assert ticket.number in body and "Odpowiemy " + format_due(outbound.expected_answer_by(ticket), "pl") in body
    stored = db.session.scalar(db.select(Acknowledgement))
    assert stored.delivery_status == "sent" and ack["Message-ID"].strip() == f"<{stored.external_message_id}>"


def test_acknowledgement_in_english_for_english_mail(app, smtp):
    body = "Hello, could you please tell me the status of my loan payment? Thank you, regards."
    inbound.ingest(mail(1, body=body), source="test")
    [ack] = received(smtp)
    assert "We will answer by " in ack.get_content() and ack["Subject"].startswith("[KT-")


def test_due_instant_is_shown_in_warsaw_time_in_both_languages():
    instant = datetime(2025, 12, 9, 13, 30, tzinfo=timezone.utc)  # 14:30 in Warsaw (CET)
    assert format_due(instant, "pl") == "do wtorku, 9 grudnia 2025, 14:30"
    assert format_due(instant, "en") == "by Tuesday, 9 December 2025, 14:30"


def test_fallback_answer_time_is_one_working_day(app):
    friday = datetime(2025, 12, 5, 10, 0, tzinfo=timezone.utc)
    ticket = Ticket(id=1, subject="x", channel="email", created_at=friday)
    assert outbound.expected_answer_by(ticket) >= friday + timedelta(days=3)  # over the weekend to Monday


def test_no_acknowledgement_to_auto_replies_bounces_or_own_mail(app, smtp):
    inbound.ingest(mail(1, extra="Auto-Submitted: auto-replied\r\n"), source="test")
    inbound.ingest(mail(2, sender="MAILER-DAEMON@example.pl"), source="test")
    inbound.ingest(mail(3, extra="Precedence: list\r\nList-Id: <news.example.pl>\r\n"), source="test")
    own = mail(4).replace(b"<m4@example.pl>", f"<x4@{app.config['MAIL_DOMAIN']}>".encode())
    inbound.ingest(own, source="test")
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 4
    assert smtp.received == [] and db.session.scalar(db.select(Acknowledgement)) is None
    assert all("automated" in t.tags for t in db.session.scalars(db.select(Ticket)))


def test_acknowledgements_are_rate_limited_per_sender(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ACK_LIMIT_PER_HOUR", 3)
    for number in range(1, 6):
        inbound.ingest(mail(number), source="test")
    inbound.ingest(mail(9, sender="anna@example.pl"), source="test")
    recipients = [m["To"] for m in received(smtp)]
    assert recipients.count("jan.kowalski@example.pl") == 3 and recipients.count("anna@example.pl") == 1


def test_a_batch_is_acknowledged_over_one_connection_and_a_refused_address_fails_alone(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ACK_LIMIT_PER_HOUR", 2)
    refused = f"nikt{CaptureHandler.REFUSED_DOMAIN}"
    senders = ["anna@example.pl", "jan@example.pl", refused, "anna@example.pl", "anna@example.pl"]
    for n, sender in enumerate(senders):
        stored_submission(n, email=sender)

    intake.receive_stored()  # inline here: the batch is routed, then acknowledged in one job
    assert [m.recipients for m in smtp.received] == [["anna@example.pl"], ["jan@example.pl"], ["anna@example.pl"]]
    assert len({m.peer for m in smtp.received}) == 1
    acks = db.session.scalars(db.select(Acknowledgement).order_by(Acknowledgement.ticket_id)).all()
    assert [(a.address, a.delivery_status) for a in acks] == [
        ("anna@example.pl", "sent"), ("jan@example.pl", "sent"), (refused, "failed"), ("anna@example.pl", "sent")]
    assert "refused the recipients" in acks[2].delivery_error  # the third to Anna is over the hourly limit

    with pytest.raises(outbound.SendFailed):  # the retry sends only what failed, and fails again
        outbound.send_acknowledgements([a.ticket_id for a in acks])
    assert len(smtp.received) == 3 and acks[2].delivery_attempts == 2


def test_agent_reply_is_threaded_onto_the_customers_mail(app, smtp, make_staff):
    agent = make_staff(role="lead")
    first = inbound.ingest(mail(1), source="test")
    inbound.ingest(mail(2, subject=f"Re: [{first.ticket_number}] Pytanie 1"), source="test")
    reply = ticket_service.reply(first.ticket_id, agent, "Dzień dobry, rata jest w porządku.")
    out = received(smtp)[-1]
    message = db.session.get(Message, reply.id)
    assert message.delivery_status == "sent" and message.delivery_attempts == 1
    assert out["Message-ID"].strip() == f"<{message.external_message_id}>"
    assert out["In-Reply-To"] == "<m2@example.pl>"
    assert out["References"].split()[:2] == ["<m1@example.pl>", "<m2@example.pl>"]
    assert f"[{first.ticket_number}]" in out["Subject"] and "rata jest w porządku" in out.get_content()
    # the customer answers our reply: In-Reply-To our Message-ID threads it
    back = inbound.ingest(mail(3, subject="Re: odpowiedź", in_reply_to=message.external_message_id), source="test")
    assert back.status == "threaded" and back.ticket_id == first.ticket_id


def test_mail_on_a_ticket_comes_from_the_mailbox_the_customer_wrote_to(app, smtp, make_staff):
    save_mailbox(None, address=ADDRESS, imap_host="imap.example.pl", imap_port=993, imap_username="u",
                 imap_password="p", team="wsparcie-techniczne")
    first = inbound.ingest(mail(1), source="test")  # sent to ADDRESS
    ticket_service.reply(first.ticket_id, make_staff(role="lead"), "Dzień dobry, sprawdzamy.")
    stored_submission(1, email="anna@example.pl")
    intake.receive_stored()
    ack, reply, form_ack = received(smtp)
    assert ack["From"].addresses[0].addr_spec == ADDRESS and reply["From"].addresses[0].addr_spec == ADDRESS
    assert form_ack["To"] == "anna@example.pl" and form_ack["From"].addresses[0].addr_spec == app.config["MAIL_FROM"]


def test_internal_notes_are_not_mailed(app, smtp, make_staff):
    agent = make_staff(role="lead")
    first = inbound.ingest(mail(1), source="test")
    before = len(smtp.received)
    note = ticket_service.reply(first.ticket_id, agent, "Notatka", internal=True)
    assert len(smtp.received) == before and db.session.get(Message, note.id).delivery_status is None


def test_web_form_ticket_gets_acknowledgement_and_replies_by_mail(app, client, smtp, make_staff):
    page = client.get("/contact")
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "name": "Anna Nowak",
            "email": "anna.nowak@example.pl", "category": "loan-terms", "subject": "Pytanie o umowę",
            "description": "Proszę o kopię umowy pożyczki."}
    assert client.post("/contact", data=form).status_code == 302
    [ack] = received(smtp)
    assert ack["To"] == "anna.nowak@example.pl" and "Zarejestrowaliśmy" in ack.get_content()
    ticket = db.session.scalar(db.select(Ticket))
    ticket_service.reply(ticket.id, make_staff(role="lead"), "Kopia w załączeniu.")
    assert received(smtp)[-1]["To"] == "anna.nowak@example.pl"


def test_failed_send_is_shown_and_retried_with_backoff_until_the_server_is_up(app, make_staff, monkeypatch):
    from tests.fixtures.mailservers import CaptureHandler, SmtpSink
    from aiosmtpd.controller import Controller

    port = free_port()  # nothing listens yet
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2.0)
    agent = make_staff(role="lead")
    first = inbound.ingest(mail(1), source="test")
    reply = ticket_service.reply(first.ticket_id, agent, "Odpowiedź")  # does not raise into the agent's request
    message = db.session.get(Message, reply.id)
    assert message.delivery_status == "failed" and message.delivery_attempts == 1
    assert str(port) in message.delivery_error
    message_id = message.external_message_id

    outbound.retry_deliveries()  # too early for the backoff
    db.session.expire_all()
    assert db.session.get(Message, reply.id).delivery_attempts == 1

    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(CaptureHandler(sink), hostname=sink.host, port=port)
    controller.start()
    try:
        message = db.session.get(Message, reply.id)
        message.delivery_attempted_at -= timedelta(seconds=app.config["MAIL_SEND_RETRY_SECONDS"])
        ack = db.session.scalar(db.select(Acknowledgement).filter_by(ticket_id=first.ticket_id))
        assert ack.delivery_status == "failed"
        ack.last_attempt_at -= timedelta(seconds=app.config["MAIL_SEND_RETRY_SECONDS"])
        db.session.commit()
        outbound.retry_deliveries()
    finally:
        controller.stop()
    db.session.expire_all()
    message = db.session.get(Message, reply.id)
    assert message.delivery_status == "sent" and message.delivery_attempts == 2 and message.delivery_error is None
    assert len(sink.received) == 2  # the reply and the acknowledgement that had failed too
    replies = [m for m in received(sink) if m["Auto-Submitted"] is None]
    assert replies[0]["Message-ID"].strip() == f"<{message_id}>"  # the same Message-ID as the failed attempt


def test_failed_reply_is_shown_to_the_agent(app, client, make_staff, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    agent = make_staff(role="lead")
    first = inbound.ingest(mail(1), source="test")
    ticket_service.reply(first.ticket_id, agent, "Odpowiedź")
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{first.ticket_id}").get_data(as_text=True)
    assert "Jeszcze nie doręczono: nie skonfigurowano jeszcze serwera poczty" in page  # in the page's language
    assert "no SMTP server is configured" not in page


def test_mailbox_password_is_encrypted_and_never_shown(app, client, make_staff):
    admin = make_staff(role="admin")
    login(client, admin.email)
    page = client.get("/admin/mail/mailboxes/new")
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "address": "Pomoc@Kontakt.test",
            "team": "obsluga-klienta", "imap_host": "imap.kontakt.test", "imap_port": "993",
            "imap_security": "tls", "imap_username": "pomoc", "imap_password": "tajne-haslo-123",
            "imap_folder": "INBOX", "active": "y"}
    assert client.post("/admin/mail/mailboxes/new", data=form).status_code == 302
    db.session.expire_all()
    mailbox = db.session.scalar(db.select(Mailbox))
    assert mailbox.address == "pomoc@kontakt.test" and "tajne" not in mailbox.imap_password_encrypted
    from helpdesk.mail.services.mailboxes import decrypt_password

    assert decrypt_password(mailbox.imap_password_encrypted) == "tajne-haslo-123"
    edit = client.get(f"/admin/mail/mailboxes/{mailbox.id}").get_data(as_text=True)
    assert "tajne-haslo-123" not in edit and mailbox.imap_password_encrypted not in edit
    form["csrf_token"], form["imap_password"], form["imap_host"] = csrf_token_from(edit), "", "imap2.kontakt.test"
    assert client.post(f"/admin/mail/mailboxes/{mailbox.id}", data=form).status_code == 302
    db.session.expire_all()
    mailbox = db.session.get(Mailbox, mailbox.id)
    assert mailbox.imap_host == "imap2.kontakt.test"
    assert decrypt_password(mailbox.imap_password_encrypted) == "tajne-haslo-123"  # empty field = unchanged


def test_mailbox_validation_names_the_problem(app):
    from helpdesk.mail.services.mailboxes import MailboxInvalid

    with pytest.raises(MailboxInvalid, match="not an e-mail address"):
        save_mailbox(None, address="bok", imap_host="h", imap_port=993, imap_username="u", imap_password="p")
    with pytest.raises(MailboxInvalid, match="no team"):
        save_mailbox(None, address="bok@x.pl", imap_host="h", imap_port=993, imap_username="u", imap_password="p",
                     team="nope")
    with pytest.raises(MailboxInvalid, match="needs its IMAP password"):
        save_mailbox(None, address="bok@x.pl", imap_host="h", imap_port=993, imap_username="u")


def test_on_rq_the_reply_is_a_retried_job_a_worker_sends(app, smtp, make_staff, redis_url, monkeypatch):
    import uuid

    from helpdesk.core import jobs

    agent = make_staff(role="lead")
    first = inbound.ingest(mail(1), source="test")  # inline: acknowledged at once
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    try:
        reply = ticket_service.reply(first.ticket_id, agent, "Odpowiedź przez kolejkę")
        # the mail job (the reports' summary refresh asked for by the same commit waits beside it)
        [job] = [j for j in jobs.queue().get_jobs() if j.func_name.startswith("helpdesk.mail.")]
        assert job.func_name == "helpdesk.mail.services.outbound.send_message_email" and job.retries_left == 3
        assert len(smtp.received) == 1  # only the acknowledgement so far
        jobs.run_worker(burst=True, with_scheduler=False)
        db.session.expire_all()
        assert db.session.get(Message, reply.id).delivery_status == "sent"
        assert "Odpowiedź przez kolejkę" in received(smtp)[-1].get_content()
    finally:
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)
