"""Searching help articles tolerates missing diacritics and Polish inflection, on PostgreSQL (full
text with unaccent) and on SQLite (the folded-words fallback)."""
from __future__ import annotations

import pytest

from helpdesk.kb import services
from helpdesk.kb.text import query_terms, words
from routing.text import stem


def titles(hits):
    return [hit.title for hit in hits]


def test_stems_join_inflected_forms():
    assert {stem(w) for w in words("hasło hasła haśle")} == {"hasl"}
    assert {stem(w) for w in words("zalogować zalogowałem zaloguję")} <= {"zalog", "zaloguj"}
    assert stem(words("spłatę")[0]) == stem(words("spłaty")[0]) == "splat"
    assert query_terms("Nie mogę się zalogować do konta") == ["zalog", "kont"]  # stop words left out


@pytest.mark.both_databases
def test_search_without_diacritics_and_in_another_form_finds_the_article(shipped):
    # "haslo" (no ł) and "hasła" (genitive) both find the article whose title says "hasła".
    for query in ("zapomniane haslo", "nie pamiętam hasła", "RESET HASLA"):
        assert titles(services.search(query, "pl"))[0] == "Nie pamiętam hasła — jak ustawić nowe", query
    assert titles(services.search("harmonogramu spłat", "pl"))[0] == "Terminy spłaty i harmonogram rat"
    assert titles(services.search("przelewem weryfikacyjnym", "pl"))[0] == \
        "Przelew weryfikacyjny — po co i jak go zrobić"
    assert titles(services.search("zablokowało mi konto", "pl"))[0] == "Konto zablokowane — jak je odblokować"


@pytest.mark.both_databases
def test_search_is_per_language_and_only_published(shipped, write_article):
    assert titles(services.search("forgot password", "en"))[0] == "I forgot my password: how to set a new one"
    assert services.search("forgot password", "pl") == []
    write_article("Nowa infolinia dla firm", "Szczegóły wkrótce.", publish=False)
    assert "Nowa infolinia dla firm" not in titles(services.search("infolinia firm", "pl"))


@pytest.mark.both_databases
def test_all_words_first_then_any(shipped):
    # "godziny infolinii" is in one article; a query with one unknown word still finds it.
    assert titles(services.search("godziny infolinii", "pl"))[0] == "Kiedy działa infolinia"
    assert titles(services.search("infolinia xyzzy", "pl"))[0] == "Kiedy działa infolinia"
    assert services.search("xyzzy", "pl") == []
    assert services.search("  ", "pl") == [] and services.search("i w z", "pl") == []


@pytest.mark.both_databases
def test_suggestions_prefer_the_chosen_category(shipped):
    hits = services.suggest("Problem z logowaniem", "Po wpisaniu hasła konto jest zablokowane", "pl",
                            "technical-support")
    assert set(titles(hits)[:2]) == {"Konto zablokowane — jak je odblokować", "Nie pamiętam hasła — jak ustawić nowe"}
    assert len(hits) <= 3


def test_postgresql_uses_the_full_text_index(shipped):
    from helpdesk.core.extensions import db

    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))  # seven articles: else a scan is cheaper
    plan = db.session.execute(db.text(
        "EXPLAIN SELECT id FROM kb_translations WHERE search_vector @@ to_tsquery('simple', 'hasl:*')")).scalars().all()
    db.session.rollback()
    assert any("ix_kb_translations_search" in line for line in plan), plan


def test_the_stored_vector_follows_the_text(write_article):
    from helpdesk.core.extensions import db

    translation = write_article("Zwrot nadpłaty", "Zwracamy w ciągu siedmiu dni.")
    assert titles(services.search("nadplata", "pl")) == ["Zwrot nadpłaty"]
    services.save(article_id=translation.article_id, language="pl", title="Zwrot środków",
                  body_md="Zwracamy w ciągu siedmiu dni.", actor=None)
    assert services.search("nadplata", "pl") == [] and titles(services.search("srodki", "pl")) == ["Zwrot środków"]
    assert "'zwrot':1A" in db.session.scalar(db.text("SELECT search_vector::text FROM kb_translations"))
