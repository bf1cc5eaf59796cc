"""What a customer identifies themselves with: PESEL, phone numbers, e-mail addresses."""
from __future__ import annotations

import re

_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def valid_pesel(pesel: str) -> bool:
    """True for an 11-digit PESEL whose check digit is right."""
    if not re.fullmatch(r"\d{11}", pesel or ""):
        return False
    total = sum(int(d) * w for d, w in zip(pesel, _PESEL_WEIGHTS))
    return (10 - total % 10) % 10 == int(pesel[10])


def normalise_phone(number: str, default_country: str = "48") -> str | None:
    """A phone number in E.164 (``+48660600700``), or None when it is not a plausible number.

    Polish numbers are nine digits; spaces, dashes, slashes, dots, brackets, a
    ``0048``/``48`` prefix and a leading trunk ``0`` (``0 22 206 21 21``) are accepted.
    """
    text = (number or "").strip()
    digits = re.sub(r"[\s\-().\/]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not re.fullmatch(r"\+?\d{6,15}", digits):
        return None
    if digits.startswith("+"):
        return digits if 8 <= len(digits) <= 16 else None
    if len(digits) == 10 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 9:
        return f"+{default_country}{digits}"
    if len(digits) == 11 and digits.startswith(default_country):
        return "+" + digits
    return None


def normalise_email(address: str) -> str:
    return (address or "").strip().lower()
