"""Turning the bytes and encoded words of real-world mail into text without ever failing."""
from __future__ import annotations

import codecs
import re
from functools import lru_cache
from email.header import decode_header

# Labels mailers write that Python either lacks or maps to a too narrow table.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "cp-1250": "cp1250",
    "cp-1251": "cp1251",
    "cp-1252": "cp1252",
    "iso-8859-1": "cp1252",  # mailers label Windows text as Latin-1; cp1252 only adds printable characters
    "latin1": "cp1252",
    "us-ascii": "utf-8",  # 8-bit bytes under an ASCII label are most often UTF-8
    "ascii": "utf-8",
}


@lru_cache(maxsize=512)
def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when it is unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    label = _SUPERSETS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    try:
        b"x".decode(name)  # refuses codecs that are not text encodings, such as "base64" or "zlib"
    except UnicodeDecodeError:
        pass  # a text encoding that merely cannot decode this probe, like UTF-16
    except LookupError:
        return None
    return name


# Mailers mislabel text within a script family; these are tried after the declared charset.
_RELATED = {
    "iso2022_jp": ("cp932", "euc_jp"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jp",),
    "gb18030": ("big5hkscs",),
    "big5hkscs": ("gb18030",),
}


def decode_bytes(data: bytes, *declared: str | None) -> str:
    """Decode with the declared charsets in turn, then UTF-8, then with replacement characters."""
    known = [codec for codec in map(codec_for, declared) if codec is not None]
    tried = [candidate for codec in known for candidate in (codec, *_RELATED.get(codec, ()))] + ["utf-8"]
    for codec in dict.fromkeys(tried):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    # A stray byte in otherwise fine single-byte text: keep the declared table. Text that is
    # not the UTF-8 it claims is most often Polish Windows text.
    fallback = known[0] if known and known[0] != "utf-8" else "cp1250"
    return data.decode(fallback, errors="replace")


def raw_header_bytes(value: str) -> bytes:
    """The original bytes of a header the parser read with surrogate escapes."""
    return value.encode("utf-8", errors="surrogateescape")


_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_RAW_BYTE = re.compile("[\udc80-\udcff]")


def decode_header_value(value, fallback_charsets: tuple[str, ...] = ()) -> str:
    """A header as text: folded lines joined, RFC 2047 words resolved, raw 8-bit bytes guessed.

    Raw 8-bit bytes are tried as UTF-8 first, then as ``fallback_charsets`` (the message's).
    """
    if value is None:
        return ""
    value = _FOLD.sub("", str(value))
    if _RAW_BYTE.search(value):
        value = decode_bytes(raw_header_bytes(value), "utf-8", *fallback_charsets)
    if "=?" not in value:
        return value.strip()
    try:
        chunks = decode_header(value)
    except Exception:  # email.errors.HeaderParseError: broken base64 inside an encoded word
        return value.strip()
    text = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            text.append(chunk)
        elif charset is None:
            text.append(_unescape_plain(chunk))
        else:
            text.append(decode_bytes(chunk, charset))
    return "".join(text).strip()


def _unescape_plain(chunk: bytes) -> str:
    """Undo decode_header's raw-unicode-escape encoding of the text between encoded words."""
    try:
        return chunk.decode("raw-unicode-escape")
    except UnicodeDecodeError:  # a literal backslash-u in the header
        return chunk.decode("latin-1")
