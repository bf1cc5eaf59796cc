import pytest

from routing.text import fold, normalise_line, phone_e164


@pytest.mark.parametrize("text, folded", [
    ("Płatność", "platnosc"),
    ("PŁATNOŚĆ!!!", "platnosc"),
    ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
    ("Nie mogę się\n\tzalogować...", "nie moge sie zalogowac"),
    ("e-mail: jan.kowalski@example.pl", "e mail jan kowalski example pl"),
    ("  ", ""),
])
def test_fold_drops_case_diacritics_and_punctuation(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("line", [
    "660 600 700", "660-600-700", "+48 660 600 700", "0048 660 600 700", "48660600700",
    "(+48) 660 600 700",
])
def test_spellings_of_one_phone_line_normalise_to_e164(line):
    assert normalise_line(line) == "+48660600700"


def test_the_two_published_phone_lines_stay_apart():
    assert normalise_line("22 206 21 21") == "+48222062121"
    assert normalise_line("22 206 21 21") != normalise_line("660 600 700")


def test_email_lines_are_bare_lower_case_addresses():
    assert normalise_line("Biuro Obsługi <BOK@Firma.PL>") == "bok@firma.pl"
    assert normalise_line(" Kontakt@Firma.pl ") == "kontakt@firma.pl"


@pytest.mark.parametrize("text", ["12345", "abc", "", "660 600 70O", "+48 660 600 700 123 456 78"])
def test_what_is_not_a_phone_number_is_refused(text):
    assert phone_e164(text) is None
