"""Parsing inbound mail: headers, charsets, bodies, attachments, limits and robot detection."""
from __future__ import annotations

import base64
import random
from datetime import timedelta

import pytest

from channels.email import MailRejected, parse
from tests.channels.corpus import mails


def _mail(headers: str, body: bytes | str = "Treść.\n", *, raw_headers: bytes = b"") -> bytes:
    base = "From: Jan Kowalski <jan@example.pl>\nTo: pomoc@kontakt.example\n" + headers
    body = body.encode() if isinstance(body, str) else body
    return base.encode() + raw_headers + b"\n" + body


# --- headers ---------------------------------------------------------------------------


def test_rfc2047_subject_and_name_with_folding():
    raw = _mail(
        "Subject: =?iso-8859-2?Q?Zapytanie_o_rat=EA?=\n =?utf-8?B?IGtyZWR5dHU=?= nr 5\n"
        "Cc: =?utf-8?Q?Zofia_=C5=BBak?= <zofia@example.pl>, ola@example.pl\n"
        "Date: Mon, 2 Mar 2026 10:15:00 +0100\n"
        "Message-ID: <abc.1@example.pl>\nIn-Reply-To: <prev@kontakt.example>\n"
        "References: <root@kontakt.example>\n <prev@kontakt.example>\n"
    )
    contact = parse(raw)
    assert contact.subject == "Zapytanie o ratę kredytu nr 5"
    assert contact.from_email == "jan@example.pl" and contact.from_name == "Jan Kowalski"
    assert contact.cc == ["zofia@example.pl", "ola@example.pl"]
    assert contact.to == ["pomoc@kontakt.example"]
    assert contact.message_id == "abc.1@example.pl"
    assert contact.in_reply_to == "prev@kontakt.example"
    assert contact.references == ["root@kontakt.example", "prev@kontakt.example"]
    assert contact.date.utcoffset() == timedelta(hours=1) and contact.date.hour == 10


def test_broken_encoded_word_and_raw_8bit_header_do_not_crash():
    raw = _mail(
        "Subject: =?utf-8?B?!!!nie-base64?= ok\nContent-Type: text/plain; charset=iso-8859-2\n",
        "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1\n".encode("latin-1"),
        raw_headers="X-Note: Za\xbf\xf3\xb3\xe6\n".encode("latin-1"),
    )
    contact = parse(raw)
    assert contact.subject.endswith("ok")
    assert contact.text == "Zażółć gęślą jaźń"


def test_raw_8bit_subject_in_the_message_charset():
    raw = _mail("Content-Type: text/plain; charset=iso-8859-2\n", b"x\n",
                raw_headers="Subject: Pro\xb6ba o zwrot\n".encode("latin-1"))
    assert parse(raw).subject == "Prośba o zwrot"


def test_missing_date_and_bad_date():
    assert parse(_mail("Subject: a\n")).date is None
    assert parse(_mail("Subject: a\nDate: wczoraj po południu\n")).date is None


# --- charsets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "declared, encoded",
    [
        ("iso-8859-2", "Dzień dobry, proszę o zwrot nadpłaty".encode("iso-8859-2")),
        ("windows-1250", "Dzień dobry, proszę o zwrot nadpłaty".encode("cp1250")),
        (None, "Dzień dobry, proszę o zwrot nadpłaty".encode("utf-8")),
        ("us-ascii", "Dzień dobry, proszę o zwrot nadpłaty".encode("utf-8")),
        ("x-nonsense", "Dzień dobry, proszę o zwrot nadpłaty".encode("utf-8")),
    ],
)
def test_polish_charsets(declared, encoded):
    content_type = f"Content-Type: text/plain; charset={declared}\n" if declared else ""
    assert parse(_mail("Subject: a\n" + content_type, encoded)).text == "Dzień dobry, proszę o zwrot nadpłaty"


@pytest.mark.parametrize("declared, codec, words", [("GB2312", "gb2312", "绩效管理"), ("Shift_JIS", "shift_jis", "ツール")])
def test_east_asian_charsets(declared, codec, words):
    raw = _mail(f"Subject: x\nContent-Type: text/plain; charset={declared}\n", words.encode(codec))
    assert parse(raw).text == words


def test_undecodable_bytes_under_a_wrong_label_fall_back_without_failing():
    raw = _mail("Subject: x\nContent-Type: text/plain; charset=utf-8\n", b"Cena: 100 z\xb3 \x81\n")
    assert parse(raw).text.startswith("Cena: 100 z")


# --- bodies ----------------------------------------------------------------------------


def _html_only(html: str) -> bytes:
    return _mail("Subject: x\nContent-Type: text/html; charset=utf-8\n", html)


def test_html_only_mail_gets_a_text_version():
    contact = parse(_html_only(
        "<html><head><title>Tytuł</title><style>p{color:red}</style></head>"
        "<body><p>Dzień&nbsp;dobry,</p><ul><li>punkt jeden</li><li>punkt dwa</li></ul>Pozdrawiam<br>Jan</body></html>"
    ))
    assert contact.text == "Dzień dobry,\n\n- punkt jeden\n- punkt dwa\nPozdrawiam\nJan"
    assert "Tytuł" not in contact.text and "color" not in contact.text


def test_html_is_sanitised_and_remote_images_held_back():
    contact = parse(_html_only(
        '<p onclick="steal()">Hej <a href="javascript:alert(1)">klik</a> <a href="https://bank.example/x">bank</a></p>'
        '<script>alert(1)</script><img src="https://tracker.example/p.gif" alt="a>b" width="1">'
        '<img src="cid:logo@kontakt"><iframe src="https://evil.example"></iframe>'
        '<div style="background:url(https://tracker.example/bg)">x</div>'
    ))
    html = contact.html
    assert "onclick" not in html and "script" not in html and "javascript" not in html and "iframe" not in html
    assert "style" not in html
    assert 'href="https://bank.example/x"' in html and "noopener" in html
    assert 'data-remote-src="https://tracker.example/p.gif"' in html
    assert ' src="https://tracker.example' not in html
    assert 'src="cid:logo@kontakt"' in html


def test_alternative_keeps_plain_text_and_html():
    raw = _mail(
        'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b1"\n',
        "--b1\nContent-Type: text/plain; charset=utf-8\n\nZwykły tekst\n"
        "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>Tekst <b>HTML</b></p>\n--b1--\n",
    )
    contact = parse(raw)
    assert contact.text == "Zwykły tekst"
    assert contact.html == "<p>Tekst <b>HTML</b></p>"
    assert contact.attachments == []


# --- attachments -----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode()


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def test_attachments_inline_images_and_attached_messages():
    inner = b"From: a@example.pl\nSubject: Poprzednia\n\nstara tresc\n"
    raw = _mail(
        'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"\n',
        "--m\nContent-Type: multipart/related; boundary=\"r\"\n\n"
        "--r\nContent-Type: text/html; charset=utf-8\n\n<p>Zdjęcie: <img src=\"cid:img1@x\"></p>\n"
        f"--r\nContent-Type: image/png\nContent-ID: <img1@x>\nContent-Transfer-Encoding: base64\n\n{_b64(PNG)}"
        "--r--\n"
        "--m\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename*=utf-8''umowa%20po%C5%BCyczki.pdf\n\n"
        f"{_b64(PDF)}"
        f"--m\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n{_b64(b'?' * 10)}"
        "--m\nContent-Type: message/rfc822\n\n".encode().decode() + inner.decode() +
        "--m--\n",
    )
    contact = parse(raw)
    by_name = {attachment.filename: attachment for attachment in contact.attachments}
    assert set(by_name) == {"image1.png", "umowa pożyczki.pdf", "file-1.bin", "message.eml"}
    assert by_name["image1.png"].content == PNG
    assert by_name["image1.png"].content_id == "img1@x" and by_name["image1.png"].inline
    assert by_name["umowa pożyczki.pdf"].content == PDF and not by_name["umowa pożyczki.pdf"].inline
    assert by_name["message.eml"].content == inner.rstrip(b"\n")  # the last line end belongs to the boundary
    assert by_name["message.eml"].media_type == "message/rfc822"
    assert 'src="cid:img1@x"' in contact.html
    assert contact.text == "Zdjęcie:"


def test_uuencoded_attachment():
    raw = _mail(
        'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"\n',
        "--m\nContent-Type: text/plain\n\nW załączeniu.\n"
        "--m\nContent-Type: application/octet-stream; name=\"list.txt\"\nContent-Transfer-Encoding: x-uuencode\n\n"
        "begin 644 list.txt\n,2&5L;&\\@6F%M;6%D\n`\nend\n--m--\n",
    )
    (attachment,) = parse(raw).attachments
    assert attachment.filename == "list.txt" and attachment.content == b"Hello Zammad"


def test_filename_cannot_carry_a_path():
    raw = _mail('Subject: x\nContent-Type: application/pdf; name="..\\\\..\\\\windows\\\\evil.pdf"\n'
                "Content-Transfer-Encoding: base64\n", _b64(PDF))
    assert parse(raw).attachments[0].filename == "evil.pdf"


# --- limits and garbage ----------------------------------------------------------------


def test_oversized_message_is_rejected_with_a_reason():
    with pytest.raises(MailRejected) as rejected:
        parse(_mail("Subject: x\n", "a" * 2000), max_message_bytes=1000)
    assert "larger than the limit of 1000 bytes" in rejected.value.reason


def test_oversized_attachment_is_rejected_with_a_reason():
    raw = _mail("Subject: x\nContent-Type: application/pdf; name=duzy.pdf\nContent-Transfer-Encoding: base64\n",
                _b64(b"x" * 5000))
    with pytest.raises(MailRejected) as rejected:
        parse(raw, max_attachment_bytes=4096)
    assert "duzy.pdf" in rejected.value.reason and "4096" in rejected.value.reason
    assert parse(raw, max_attachment_bytes=5000).attachments[0].content == b"x" * 5000


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02 binary junk", b"just some words without headers\n"])
def test_not_a_mail_is_rejected(raw):
    with pytest.raises(MailRejected) as rejected:
        parse(raw)
    assert rejected.value.reason


def test_random_and_truncated_input_never_raises_anything_but_mail_rejected():
    generator = random.Random(20260302)
    samples = [bytes(generator.getrandbits(8) for _ in range(generator.randint(0, 3000))) for _ in range(150)]
    samples += [b"From: a@b\n" + sample for sample in samples[:50]]
    for box in mails()[::4]:
        data = box.read_bytes()
        samples += [data[: generator.randint(0, len(data))] for _ in range(3)]
        samples.append(bytes(byte ^ 0x20 if generator.random() < 0.01 else byte for byte in data[:20000]))
    parsed = 0
    for sample in samples:
        try:
            contact = parse(sample)
        except MailRejected as rejected:
            assert rejected.reason
        else:
            parsed += 1
            assert isinstance(contact.text, str)
    assert parsed > 0


def test_deeply_nested_multiparts_are_rejected_not_crashing():
    depth = 3000
    head = "".join(f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth))
    raw = _mail('Subject: x\nContent-Type: multipart/mixed; boundary="b0"\n', head + "x\n")
    try:
        parse(raw)
    except MailRejected as rejected:
        assert rejected.reason


# --- robots and language ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\n",
        "Precedence: bulk\n",
        "Precedence: list\n",
        "X-Autoreply: yes\n",
        "X-Autorespond: Nieobecność\n",
        "List-Id: <newsletter.example.pl>\n",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n',
    ],
)
def test_automated_mail_is_recognised(headers):
    assert parse(_mail("Subject: x\n" + headers)).is_automated


def test_bounce_senders_and_own_message_ids_are_automated():
    bounce = b"From: MAILER-DAEMON@mx.example.pl (Mail Delivery System)\nSubject: Undelivered\n\nx\n"
    assert parse(bounce).is_automated
    own = _mail("Subject: x\nMessage-ID: <kt-1.2@kontakt.example>\n")
    assert parse(own, own_domains=["kontakt.example"]).is_automated
    assert not parse(own, own_domains=["other.example"]).is_automated


def test_customer_mail_is_not_automated():
    assert not parse(_mail("Subject: x\nAuto-Submitted: no\nPrecedence: normal\n")).is_automated


@pytest.mark.parametrize(
    "text, language",
    [
        ("Dzień dobry, proszę o informację w sprawie mojej umowy.", "pl"),
        ("Dzien dobry, prosze o informacje w sprawie mojej umowy, nie mam dostepu.", "pl"),
        ("Hello, could you please tell me the balance of my loan account? Thank you.", "en"),
        ("OK", "pl"),
    ],
)
def test_language(text, language):
    assert parse(_mail("Subject: x\nContent-Type: text/plain; charset=utf-8\n", text)).language == language


def test_stray_byte_keeps_the_declared_single_byte_charset():
    raw = _mail("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n", "Café crème\x81".encode("latin-1"))
    assert parse(raw).text.startswith("Café crème")


@pytest.mark.parametrize("label", ["base64", "zlib", "rot13", "hex", "utf-8\udcff", '"'])
def test_charset_labels_naming_non_text_codecs_are_ignored(label):
    raw = _mail("Subject: x\n", b"Tekst\n", raw_headers=f"Content-Type: text/plain; charset={label}\n".encode("utf-8", "surrogateescape"))
    assert parse(raw).text == "Tekst"
