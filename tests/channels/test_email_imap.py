"""IMAP fetching against a real dovecot on loopback."""
from __future__ import annotations

import imaplib
import time

import pytest

from channels.email import parse
from channels.email.imap import ImapSettings, Mailbox, MailboxError


def _deliver(account, raw: bytes, flags: str = "") -> None:
    client = imaplib.IMAP4(account.host, account.port)
    client.login(account.username, account.password)
    status, _ = client.append("INBOX", flags or None, imaplib.Time2Internaldate(time.time()), raw)
    client.logout()
    assert status == "OK"


def _mail(number: int) -> bytes:
    return (
        f"From: Klient {number} <klient{number}@example.pl>\r\nTo: pomoc@kontakt.example\r\n"
        f"Subject: Zapytanie {number}\r\nMessage-ID: <q{number}@example.pl>\r\n\r\nTreść {number}.\r\n"
    ).encode()


@pytest.fixture
def settings(imap_server):
    return ImapSettings(
        host=imap_server.host, port=imap_server.port, security="none",
        username=imap_server.username, password=imap_server.password,
    )


def test_fetch_lists_only_unprocessed_and_keeps_them_unseen(imap_server, settings):
    for number in (1, 2):
        _deliver(imap_server, _mail(number))
    _deliver(imap_server, _mail(3), flags=r"(\Seen)")

    with Mailbox(settings) as mailbox:
        uids = mailbox.unprocessed()
        assert len(uids) == 2
        subjects = [parse(mailbox.fetch(uid)).subject for uid in uids]
        assert subjects == ["Zapytanie 1", "Zapytanie 2"]
        assert mailbox.unprocessed() == uids  # fetching alone does not mark a message processed


def test_marked_messages_are_not_listed_again(imap_server, settings):
    for number in (1, 2):
        _deliver(imap_server, _mail(number))
    with Mailbox(settings) as mailbox:
        first, second = mailbox.unprocessed()
        mailbox.mark_processed(first)
    with Mailbox(settings) as mailbox:
        assert mailbox.unprocessed() == [second]
        assert parse(mailbox.fetch(first)).message_id == "q1@example.pl"  # still there, just seen


def test_wrong_password_is_a_mailbox_error(settings):
    wrong = ImapSettings(host=settings.host, port=settings.port, security="none", username=settings.username, password="nope")
    with pytest.raises(MailboxError, match="agent"):
        with Mailbox(wrong):
            pass


def test_missing_uid_is_a_mailbox_error(settings):
    with Mailbox(settings) as mailbox:
        with pytest.raises(MailboxError, match="UID 4242"):
            mailbox.fetch(4242)
