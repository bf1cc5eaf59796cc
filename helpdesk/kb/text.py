"""Plain-Python text helpers for searching help articles: folding, a light Polish stemmer, query terms.

Folding and the light Polish stemmer are routing's (`routing.text`: case, diacritics, ``ł``;
common inflectional endings stripped, so "hasła" and "hasło" have the stem "hasl", and a
prefix match of the stem finds the other forms), shared with ticket search. No database, no Flask: the services build SQL from these terms.
"""
from __future__ import annotations

import re

from routing.text import STOP_WORDS, fold, stem

MAX_TERMS = 24  # a long description: its first distinct words are enough to find articles


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


def query_terms(text: str, language: str = "pl") -> list[str]:
    """The distinct stems a search for ``text`` looks for (stop words and one-letter words left out)."""
    terms: list[str] = []
    for word in words(text):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        term = stem(word, language)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def search_text(*parts: str) -> str:
    """What the SQLite fallback searches: the folded words of ``parts``, space-separated and padded,
    so ``LIKE '% stem%'`` finds a word beginning with the stem."""
    return " " + " ".join(word for part in parts for word in words(part)) + " "


def tsquery(terms: list[str], *, every: bool) -> str:
    """A PostgreSQL tsquery (for the 'simple' configuration) matching words that begin with the terms;
    all of them (``every``) or any."""
    joiner = " & " if every else " | "
    return joiner.join(f"'{term}':*" for term in terms if re.fullmatch(r"\w+", term))


def score(terms: list[str], title: str, keywords: str, body: str) -> float:
    """The SQLite fallback's ranking: a term in the title weighs most, then the keywords, then the body."""
    fields = ((3.0, words(title)), (2.0, words(keywords)), (1.0, words(body)))
    total = 0.0
    for term in terms:
        total += max((weight for weight, found in fields if any(w.startswith(term) for w in found)), default=0.0)
    return total


def matches_every(terms: list[str], text: str) -> bool:
    """True when every term begins some word of the folded ``text`` (see search_text)."""
    return all(f" {term}" in text for term in terms)
