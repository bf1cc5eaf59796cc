"""Ticket numbers in subjects, threading headers of composed replies, folding quoted history."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from channels.email import compose, find_ticket_number, split_quoted, subject_with_ticket_number


@pytest.mark.parametrize(
    "subject, number",
    [
        ("Re: [KT-123456] Rata", "KT-123456"),
        ("Odp: Odp: [kt-0012345678] Rata", "KT-0012345678"),
        ("[KT-12345] za krótki", None),
        ("KT-123456 bez nawiasów", None),
        ("[KT-12a456]", None),
        ("", None),
        (None, None),
    ],
)
def test_find_ticket_number(subject, number):
    assert find_ticket_number(subject) == number


def test_subject_gets_the_ticket_number_once():
    assert subject_with_ticket_number("Re: Rata", "KT-123456") == "[KT-123456] Re: Rata"
    assert subject_with_ticket_number("Re: [KT-123456] Rata", "KT-123456") == "Re: [KT-123456] Rata"
    assert subject_with_ticket_number("Re: [KT-999999] Rata", "KT-123456") == "[KT-123456] Re: Rata"


def test_compose_threads_onto_the_customer_mail():
    message = compose(
        from_address="pomoc@kontakt.example", to="jan@example.pl", subject="Re: Rata", text="Dzień dobry",
        ticket_number="KT-123456", message_id_domain="kontakt.example",
        in_reply_to="<c2@example.pl>", references=["c1@example.pl", "c2@example.pl"],
        date=datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
    )
    assert message["Subject"] == "[KT-123456] Re: Rata"
    assert message["In-Reply-To"] == "<c2@example.pl>"
    assert message["References"] == "<c1@example.pl> <c2@example.pl>"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@kontakt.example>")
    assert message["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
    assert message["Auto-Submitted"] is None
    assert message.get_content_type() == "text/plain"


def test_compose_new_thread_with_html_and_auto_reply():
    message = compose(
        from_address="pomoc@kontakt.example", to=["a@example.pl", "b@example.pl"], subject="Potwierdzenie",
        text="Przyjęliśmy zgłoszenie.", html="<p>Przyjęliśmy zgłoszenie.</p>", ticket_number="KT-000042",
        message_id_domain="kontakt.example", auto_reply=True,
    )
    assert message["To"] == "a@example.pl, b@example.pl"
    assert message["In-Reply-To"] is None and message["References"] is None
    assert message["Auto-Submitted"] == "auto-replied"
    assert message.get_content_type() == "multipart/alternative"
    assert compose(
        from_address="p@kontakt.example", to="a@example.pl", subject="x", text="y",
        ticket_number="KT-000042", message_id_domain="kontakt.example",
    )["Message-ID"] != message["Message-ID"]


@pytest.mark.parametrize(
    "text, new, folded_start",
    [
        ("Dziękuję.\n\nW dniu 2 marca 2026 10:00 Biuro <pomoc@kontakt.example> pisze:\n> Dzień dobry",
         "Dziękuję.", "W dniu 2 marca"),
        ("Thanks!\n\nOn Mon, Mar 2, 2026 at 10:00 AM Support <pomoc@kontakt.example> wrote:\n> Hello",
         "Thanks!", "On Mon"),
        ("Thanks!\n\nOn Mon, Mar 2, 2026 at 10:00 AM Support <pomoc@kontakt.example>\nwrote:\n> Hello",
         "Thanks!", "On Mon"),
        ("Proszę o kontakt.\n-----Original Message-----\nFrom: Biuro\nSent: Monday\n", "Proszę o kontakt.", "-----Original"),
        ("Proszę o kontakt.\n\nOd: Biuro Obsługi <pomoc@kontakt.example>\nWysłano: poniedziałek\nDo: Jan\n",
         "Proszę o kontakt.", "Od: Biuro"),
        ("Proszę o kontakt.\n\nFrom: Support <pomoc@kontakt.example>\nSent: Monday\n", "Proszę o kontakt.", "From: Support"),
        ("Pozdrawiam\nJan\n-- \nJan Kowalski\ntel. 600 000 000", "Pozdrawiam\nJan", "-- \nJan Kowalski"),
        ("Tylko nowa treść.\nOd jutra nie ma mnie w biurze.", "Tylko nowa treść.\nOd jutra nie ma mnie w biurze.", ""),
    ],
)
def test_split_quoted(text, new, folded_start):
    got_new, folded = split_quoted(text)
    assert got_new == new
    assert folded.startswith(folded_start)
    assert (folded == "") == (folded_start == "")
