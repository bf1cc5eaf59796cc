"""Plain-Python text helpers for searching help articles: folding, a light Polish stemmer, query terms.

Folding is routing's (case, diacritics, ``ł``); the stemmer only strips common inflectional
endings, so "hasła", "hasło" and "haśle" all have the stem "hasl", and a prefix match of
the stem finds the other forms. No database, no Flask: the services build SQL from these terms.
"""
from __future__ import annotations

import re

from routing.text import fold

MIN_STEM = 4  # shorter words are kept whole (and matched as prefixes)
MAX_TERMS = 24  # a long description: its first distinct words are enough to find articles

# Endings of Polish nouns, adjectives and verbs, folded (no diacritics), longest first.
_PL_ENDINGS = tuple(sorted({
    "owaniami", "owaniach", "owaniem", "owania", "owanie", "owaniu", "owalam", "owalem", "owalas", "owales",
    "owalismy", "owaliscie", "owali", "owaly", "owala", "owalo", "owal", "owane", "owany", "owana", "owanych",
    "owanej", "owanym", "owac", "ujemy", "ujecie", "ujesz", "uje", "uja", "uje", "ujac",
    "aniami", "aniach", "aniem", "ania", "anie", "aniu", "eniami", "eniach", "eniem", "enia", "enie", "eniu",
    "alam", "alem", "alas", "ales", "ali", "aly", "ala", "alo", "ac", "ic", "yc", "ec",
    "iami", "iach", "ami", "ach", "iom", "om", "iow", "ow", "owi", "iem", "em",
    "ego", "emu", "ymi", "imi", "ych", "ich", "ym", "im", "ej", "ie", "ia", "iu", "io",
    "a", "e", "i", "o", "u", "y",
}, key=len, reverse=True))
_EN_ENDINGS = ("ings", "ing", "ies", "ied", "es", "ed", "s")

# Words that say nothing about what an article answers.
STOP_WORDS = frozenset("""
a aby ale albo am an and any are as at be bo by byc byl byla bylo can ci co czy dla do does for
from go how i ich ile in is it ja jak jaki jakie jest juz ktora ktore ktory mam me mi mnie moge
moj moja moje mozna my na nad nie niz no not o od of on ona one oraz on or po pod przez przy sa
sie so ta tak tam te ten the to tu ty u w we what when where with wszystko z za ze zeby
""".split())


def stem(word: str, language: str = "pl") -> str:
    """The stem of one folded word: a common ending removed while at least MIN_STEM letters stay."""
    endings = _EN_ENDINGS if language == "en" else _PL_ENDINGS
    if len(word) <= MIN_STEM or not word.isalpha():
        return word
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


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
