"""Ticket search: without diacritics, inflected, by number and customer, ranked and highlighted;
PostgreSQL's full text and SQLite's fallback alike. The stemmer itself is plain Python."""
from __future__ import annotations

import re

import pytest

from helpdesk.core.extensions import db
from helpdesk.models.tickets import TicketSearch
from helpdesk.tickets import services as tickets
from routing.text import stems
from tests.conftest import login
from tests.helpdesk.tickets.test_queue import numbers, write


def test_polish_words_meet_on_one_stem():
    assert stems("Spłata spłaty spłatami") == ["splat"] * 3
    assert stems("żółć ŻÓŁCI zolc") == ["zolc"] * 3
    assert stems("KT-104233 600100200") == ["kt", "104233", "600100200"]


@pytest.mark.both_databases
def test_search_finds_without_diacritics_and_inflected(app, client, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    bile = write("Żółć mnie zalewa", "Trzeci raz piszę w tej sprawie.", email="a@example.pl")
    repayment = write("Pytanie o umowę", "Kiedy będzie następna spłata?", email="b@example.pl",
                      name="Grażyna Wiśniewska")
    other = write("Zmiana adresu", "Proszę zmienić adres.", email="c@example.pl")
    login(client, "anna@kontakt.test")

    def found(query: str) -> list[str]:
        response = client.get("/agent/", query_string={"q": query})
        assert response.status_code == 200
        return numbers(response.get_data(as_text=True))

    assert found("zolc") == [bile.number]
    assert found("ŻÓŁCI") == [bile.number]
    assert found("spłaty") == [repayment.number]
    assert found("splatami nastepna") == [repayment.number]
    assert found("wisniewska") == [repayment.number]  # the customer's name
    assert found("b@example.pl") == [repayment.number]  # and address
    assert found(other.number) == [other.number]
    assert found(other.number[3:]) == [other.number]
    assert found("spłaty adres") == []  # every word must be found
    html = client.get("/agent/", query_string={"q": "zolc"}).get_data(as_text=True)
    assert "<mark>Żółć</mark> mnie zalewa" in html
    html = client.get("/agent/", query_string={"q": "splaty"}).get_data(as_text=True)
    assert "następna <mark>spłata</mark>?" in html
    assert "Żadne zgłoszenie nie pasuje do „qqqq”." in client.get("/agent/?q=qqqq").get_data(as_text=True)


@pytest.mark.both_databases
def test_a_hit_in_the_subject_ranks_above_one_in_the_conversation(app, client, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    in_body = write("Pytanie", "Chodzi o reklamację opłaty.", email="a@example.pl")
    in_subject = write("Reklamacja opłaty", "Proszę o zwrot.", email="b@example.pl")
    login(client, "anna@kontakt.test")
    assert numbers(client.get("/agent/?q=reklamacja").get_data(as_text=True)) == [in_subject.number,
                                                                                  in_body.number]


@pytest.mark.both_databases
def test_search_sees_closed_tickets_and_new_messages(app, client, make_staff):
    anna = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    ticket = write("Stara sprawa", "Dzień dobry.")
    tickets.change_status(ticket.id, anna, "closed")
    tickets.reply(ticket.id, anna, "Harmonogram wysłaliśmy pocztą.", internal=True)
    login(client, "anna@kontakt.test")
    assert numbers(client.get("/agent/?q=harmonogramu").get_data(as_text=True)) == [ticket.number]
    assert numbers(client.get("/agent/?view=all&q=harmonogramu&status=open").get_data(as_text=True)) == []
    document = db.session.get(TicketSearch, ticket.id)
    assert " harmonogram " in document.body and " star " in document.subject


def test_search_results_are_paged_by_rank(app, client, make_staff, monkeypatch):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    monkeypatch.setitem(app.config, "QUEUE_PAGE_SIZE", 2)
    made = [write(f"Rata {n}", "Spłata raty." * (n + 1), email=f"k{n}@example.pl") for n in range(5)]
    login(client, "anna@kontakt.test")
    html = client.get("/agent/?q=rata").get_data(as_text=True)
    shown = numbers(html)
    while 'rel="next"' in html:
        html = client.get(re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
                          ).get_data(as_text=True)
        shown += numbers(html)
    assert sorted(shown) == sorted(t.number for t in made) and len(set(shown)) == 5


def test_the_api_searches_and_filters_as_the_queue_does(app, client, make_staff):
    from helpdesk.web.auth import issue_api_token

    token = issue_api_token(make_staff("anna@kontakt.test", teams=["obsluga-klienta"]), "t")
    hit = write("Żółć", "Spłaty nie widzę.", email="a@example.pl")
    write("Inne", "Adres.", email="b@example.pl")
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/tickets?q=zolc+splata", headers=headers).json
    assert [t["number"] for t in body["tickets"]] == [hit.number] and "<mark>Spłaty</mark>" in body["tickets"][0]["hit"]
    assert client.get("/api/v1/tickets?channel=fax", headers=headers).status_code == 400
    assert len(client.get("/api/v1/tickets?view=all&status=open", headers=headers).json["tickets"]) == 2
    first = client.get("/api/v1/tickets?limit=1", headers=headers).json
    second = client.get(f"/api/v1/tickets?limit=1&after={first['next']}", headers=headers).json
    assert first["tickets"][0]["id"] > second["tickets"][0]["id"] and second["next"] is None


def test_a_search_with_many_matches_ranks_the_newest_and_offers_the_older(app, client, make_staff, monkeypatch):
    from helpdesk.tickets import search

    monkeypatch.setattr(search, "RANKED", 2)
    monkeypatch.setattr(search, "TRY", 2)
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    write("Inne", "Adres.", email="x@example.pl")
    made = [write(f"Rata {n}", "Spłata.", email=f"k{n}@example.pl") for n in range(12)]
    login(client, "anna@kontakt.test")
    html = client.get("/agent/?q=rata").get_data(as_text=True)
    assert sorted(numbers(html)) == sorted(t.number for t in made[-2:])  # the newest window: 2 matches
    assert "Najtrafniejsze wyniki spośród najnowszych zgłoszeń" in html
    wider = re.search(r'<a href="([^"]+)">Szukaj też w starszych', html).group(1).replace("&amp;", "&")
    html = client.get(wider).get_data(as_text=True)
    shown = set(numbers(html))
    assert len(shown) > 2 and shown <= {t.number for t in made}
    everything = client.get("/agent/?q=rata&w=0").get_data(as_text=True)
    assert set(numbers(everything)) == {t.number for t in made} and "Najtrafniejsze" not in everything
