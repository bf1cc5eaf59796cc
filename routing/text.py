"""Text and line normalisation shared by rule compilation and rule matching.

Keywords and ticket text are compared after folding: case-folded, Polish (and other)
diacritics removed, ``ł`` turned into ``l``, and every run of punctuation or whitespace
turned into a single space. So "Płatność!" and "platnosc" are the same word.
"""
from __future__ import annotations

import functools
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
_EXTRA_LETTERS = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "đ": "d"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def strip_diacritics(text: str) -> str:
    """Lower-case ``text`` and drop its diacritics; punctuation stays."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_LETTERS))
    return _COMBINING.sub("", decomposed)


def fold(text: str) -> str:
    """Lower-case, diacritic-free words separated by single spaces."""
    return _NON_WORD.sub(" ", strip_diacritics(text)).strip()


def normalise_line(line: str) -> str:
    """The canonical form of the line a contact came to.

    Phone lines become E.164 (Polish national numbers get +48): "660 600 700" and
    "+48 660-600-700" are both "+48660600700". E-mail addresses become their lower-case
    bare address ("Kontakt <BOK@Firma.pl>" is "bok@firma.pl"). Anything else is returned
    stripped and lower-cased.
    """
    text = line.strip()
    if "@" in text:
        if "<" in text and ">" in text:
            text = text[text.index("<") + 1 : text.rindex(">")]
        return text.strip().lower()
    phone = phone_e164(text)
    return phone if phone is not None else text.lower()


def phone_e164(text: str) -> str | None:
    """``text`` as an E.164 phone number, or None when it is not one."""
    text = text.strip()
    if not re.fullmatch(r"\(?\+?[\d\s().\-/]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    if not text.lstrip("(").startswith("+"):
        if digits.startswith("00"):
            digits = digits[2:]
        elif len(digits) == 9:
            digits = "48" + digits
        elif not (len(digits) == 11 and digits.startswith("48")):
            return None
    if not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


# --- search words --------------------------------------------------------------------------------
# A light Polish suffix stripper (PostgreSQL ships no Polish stemmer): a common inflectional
# ending is cut while at least MIN_STEM letters stay, so "spłata", "spłaty" and "spłatami" all
# become "splat", and "żółć" and "zolc" are both "zolc". Applied to the stored words and to
# the words of a query alike, so both meet on the same stem. Shared by every search in Kontakt.
MIN_STEM = 4

# Endings of Polish nouns, adjectives and verbs, folded (no diacritics), longest first.
_PL_ENDINGS = tuple(sorted({
    "owaniami", "owaniach", "owaniem", "owania", "owanie", "owaniu", "owalam", "owalem", "owalas", "owales",
    "owalismy", "owaliscie", "owali", "owaly", "owala", "owalo", "owal", "owane", "owany", "owana", "owanych",
    "owanej", "owanym", "owac", "ujemy", "ujecie", "ujesz", "uje", "uja", "ujac",
    "aniami", "aniach", "aniem", "ania", "anie", "aniu", "eniami", "eniach", "eniem", "enia", "enie", "eniu",
    "alam", "alem", "alas", "ales", "ali", "aly", "ala", "alo", "ac", "ic", "yc", "ec",
    "iami", "iach", "ami", "ach", "iom", "om", "iow", "ow", "owi", "iem", "em",
    "ego", "emu", "ymi", "imi", "ych", "ich", "ym", "im", "ej", "ie", "ia", "iu", "io",
    "a", "e", "i", "o", "u", "y",
}, key=len, reverse=True))
_EN_ENDINGS = ("ings", "ing", "ies", "ied", "es", "ed", "s")


# Words too common to narrow a search down (folded); a query leaves them out.
STOP_WORDS = frozenset("""
a aby ale albo am an and any are as at be bo by byc byl byla bylo can ci co czy dla do does for
from go how i ich ile in is it ja jak jaki jakie jest juz ktora ktore ktory mam me mi mnie moge
moj moja moje mozna my na nad nie niz no not o od of on ona one oraz or po pod przez przy sa
sie so ta tak tam te ten the to tu ty u w we what when where with wszystko z za ze zeby
""".split())


@functools.lru_cache(maxsize=100_000)  # a language's words repeat: every ticket's text, every search, is stemmed
def stem(word: str, language: str = "pl") -> str:
    """The stem of one folded word: a common ending removed while at least MIN_STEM letters stay.

    Words with digits (numbers, PESEL, ticket numbers) and short words are kept whole.
    """
    endings = _EN_ENDINGS if language == "en" else _PL_ENDINGS
    if len(word) <= MIN_STEM or not word.isalpha():
        return word
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def stems(text: str, language: str = "pl") -> list[str]:
    """The stems of the words of ``text``, in order (repeats kept)."""
    return [stem(word, language) for word in fold(text).split()]
