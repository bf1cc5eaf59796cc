"""Ingest mail from IMAP end to end into PostgreSQL and print mails per second.

A throw-away dovecot (started as the test fixture does) gets N mails (the Zammad corpus,
then generated mail from a few hundred senders); one `fetch_mailbox` run takes them all
in: fetch, store raw, parse, thread, open tickets, acknowledge over a local SMTP sink,
mark seen. Needs dovecot-imapd and PostgreSQL at 127.0.0.1:5432 (KONTAKT_TEST_POSTGRES).

Run from the repository root: python bench/bench_mail_ingest.py [mails]
"""
from __future__ import annotations

import imaplib
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from tests.channels.corpus import mails  # noqa: E402
from tests.fixtures import mailservers  # noqa: E402

POSTGRES = os.environ.get("KONTAKT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


def generated(number: int) -> bytes:
    return (f"From: Klient {number % 300} <klient{number % 300}@example.pl>\r\nTo: bok@kontakt.test\r\n"
            f"Subject: Pytanie o ratę {number}\r\nMessage-ID: <bench-{number}@example.pl>\r\n"
            "Date: Mon, 1 Dec 2025 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Dzień dobry,\r\nproszę o informację, kiedy mija termin raty nr {number}.\r\n\r\n"
            "Pozdrawiam\r\nJan\r\n\r\nW dniu 1.12.2025 BOK pisze:\r\n> Dziękujemy za kontakt.\r\n").encode()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    corpus = [box.read_bytes() for box in mails()]
    batch = (corpus + [generated(n) for n in range(count)])[:count]

    name = f"kontakt_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    smtp = mailservers.SmtpSink("127.0.0.1", mailservers.free_port())
    controller = Controller(mailservers.CaptureHandler(smtp), hostname=smtp.host, port=smtp.port)
    controller.start()
    logging.disable(logging.WARNING)  # the alembic banner
    try:
        with mailservers.running_dovecot() as server:
            run(server, smtp, f"{POSTGRES}/{name}", batch)
    finally:
        controller.stop()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(server, smtp, database_url: str, batch: list[bytes]) -> None:
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.core.extensions import db
    from helpdesk.mail.services.inbound import fetch_mailbox
    from helpdesk.mail.services.mailboxes import save_mailbox
    from helpdesk.models import Message, RawContact, Ticket

    instance = tempfile.mkdtemp(prefix="kontakt-bench-")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url,
                      "REDIS_URL": None, "ATTACHMENT_DIR": f"{instance}/attachments", "SMTP_HOST": smtp.host,
                      "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none"})
    with app.app_context():
        from helpdesk.admin.services import ensure_reference_data

        upgrade()
        ensure_reference_data()
        username = "bench"
        mailbox = save_mailbox(None, address="bok@kontakt.test", imap_host="127.0.0.1", imap_port=server.port,
                               imap_security="none", imap_username=username, imap_password="secret-password")
        client = imaplib.IMAP4("127.0.0.1", server.port)
        client.login(username, "secret-password")
        for raw in batch:
            client.append("INBOX", None, None, raw)
        client.logout()
        megabytes = sum(map(len, batch)) / 1e6

        started = time.perf_counter()
        taken = fetch_mailbox(mailbox.id)
        elapsed = time.perf_counter() - started

        def total(model):
            return db.session.scalar(db.select(db.func.count()).select_from(model))

        quarantined = db.session.scalar(db.select(db.func.count()).select_from(RawContact)
                                        .where(RawContact.status == "quarantined"))
        print(f"{taken} mails ({megabytes:.1f} MB) from IMAP into PostgreSQL in {elapsed:.1f} s: "
              f"{taken / elapsed:.0f} mails/s")
        print(f"{total(Ticket)} tickets, {total(Message)} messages, {quarantined} quarantined, "
              f"{len(smtp.received)} acknowledgements sent")


if __name__ == "__main__":
    main()
