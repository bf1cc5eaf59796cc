"""Separating what a customer wrote now from the quoted history and signature below it."""
from __future__ import annotations

import re

# The first line of quoted history or of a signature; everything from there on is folded.
_FOLD_STARTS = [
    re.compile(r"^--$"),  # the signature separator "-- "
    re.compile(r"^>"),
    re.compile(r"^W dniu .{0,200}pisze:\s*$", re.IGNORECASE),
    re.compile(r"^(Dnia )?\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.{0,120}(pisze|napisał|napisała|wrote):\s*$", re.IGNORECASE),
    re.compile(r"^On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^Am .{0,200}schrieb.{0,100}:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Oryginalna wiadomość|Wiadomość oryginalna|Forwarded message|Przekazana wiadomość)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above a quoted header block
]
# Outlook quotes without any marker: a header block "Od:/From:" followed by "Wysłano:/Sent:" etc.
_OUTLOOK_FROM = re.compile(r"^\*?(From|Od|Von):\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\*?(Sent|Date|Wysłano|Wysłane|Data|Gesendet|To|Do|Subject|Temat):\*?\s", re.IGNORECASE)
# Multi-line "On …\n… wrote:" as Gmail wraps it.
_WRAPPED_ATTRIBUTION = re.compile(r"^(On|W dniu) .{0,200}$", re.IGNORECASE)
_WRAPPED_END = re.compile(r"^.{0,200}(wrote|pisze|napisał|napisała):\s*$", re.IGNORECASE)


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, folded part): quoted history and signature are kept, just separated.

    The folded part starts at the first signature separator ("-- "), quoted line,
    attribution line ("W dniu … pisze:", "On … wrote:") or Outlook header block.
    """
    lines = (text or "").replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if any(pattern.match(stripped) for pattern in _FOLD_STARTS):
            break
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _OUTLOOK_FROM.match(stripped) and _OUTLOOK_NEXT.match(following):
            break
        if _WRAPPED_ATTRIBUTION.match(stripped) and _WRAPPED_END.match(following):
            break
    else:
        return (text or "").strip("\n"), ""
    new_text = "\n".join(lines[:index]).rstrip()
    folded = "\n".join(lines[index:]).strip("\n")
    return new_text, folded
