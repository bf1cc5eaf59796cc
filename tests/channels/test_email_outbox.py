"""The local outbox: messages kept as .eml files that read back as what was sent."""
from __future__ import annotations

import pytest

from channels.email import parse
from channels.email.outbound import compose
from channels.email.outbox import Outbox


def _mail(subject: str, to: str = "jan.kowalski@example.pl"):
    return compose(from_address="bok@kontakt.example", from_name="Kontakt", to=to, subject=subject,
                   text="Dzień dobry,\nrata została zaksięgowana.\n", ticket_number="KT-000042",
                   message_id_domain="kontakt.example")


def test_a_sent_message_is_an_eml_file_that_parses_back(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    mail = _mail("Rata zaksięgowana")
    name = outbox.send(mail)
    assert name.endswith(".eml") and (tmp_path / "outbox" / name).is_file()
    back = parse(outbox.read(name))
    assert back.subject == "[KT-000042] Rata zaksięgowana" and back.from_email == "bok@kontakt.example"
    assert "rata została zaksięgowana" in back.text
    assert outbox.message(name)["Message-ID"].strip() == mail["Message-ID"].strip()
    assert b"\r\n" in outbox.read(name)  # the bytes an SMTP server receives: CRLF lines


def test_entries_are_listed_newest_first_with_their_headers(tmp_path):
    outbox = Outbox(tmp_path)
    assert outbox.entries() == [] and outbox.count() == 0
    first = outbox.send(_mail("Pierwsza"))
    second = outbox.send(_mail("Druga", to="anna@example.pl"))
    entries = outbox.entries()
    assert [e.name for e in entries] == [second, first] and outbox.count() == 2
    assert entries[0].subject == "[KT-000042] Druga" and entries[0].recipients == "anna@example.pl"
    assert "bok@kontakt.example" in entries[0].sender and entries[0].size > 0
    assert [e.name for e in outbox.entries(limit=1)] == [second]


@pytest.mark.parametrize("name", ["../secret_key", "x.eml", "", "20261201T080203000000Z-abc.eml/.."])
def test_only_stored_messages_can_be_read(tmp_path, name):
    (tmp_path / "secret_key").write_text("do not show")
    outbox = Outbox(tmp_path / "outbox")
    outbox.send(_mail("Jedna"))
    with pytest.raises(KeyError):
        outbox.read(name)
