"""Conformance with the Zammad mail corpus: sender, subject and attachments of real-world mail."""
from __future__ import annotations

import hashlib

import pytest

from channels.email import MailRejected, parse
from tests.channels.corpus import corpus_dir, expected, mails

REQUIRED_AGREEMENT = 0.95


def _md5(data) -> str:
    return hashlib.md5(data.encode("utf-8") if isinstance(data, str) else (data or b"")).hexdigest()


def disagreements(box) -> list[str]:
    """What in our parse of one corpus mail differs from the expected result."""
    want = expected(box)
    try:
        got = parse(box.read_bytes())
    except MailRejected as rejected:
        return [f"rejected: {rejected.reason}"]
    problems = []
    if got.from_email.lower() != str(want.get("from_email") or "").lower():
        problems.append(f"from_email {got.from_email!r} != {want.get('from_email')!r}")
    if " ".join(got.subject.split()) != " ".join(str(want.get("subject") or "").split()):
        problems.append(f"subject {got.subject!r} != {want.get('subject')!r}")
    ours = {_md5(attachment.content) for attachment in got.attachments}
    for attachment in want.get("attachments") or []:
        if (attachment.get("preferences") or {}).get("content-alternative"):
            # Zammad keeps the original HTML body as "message.html"; we carry it as the html field.
            if got.html is None:
                problems.append("HTML body missing")
            continue
        if _md5(attachment.get("data")) not in ours:
            problems.append(f"attachment {attachment.get('filename')!r} missing")
    return problems


@pytest.fixture(scope="module")
def corpus():
    boxes = mails()
    if not boxes:
        pytest.skip(f"Zammad mail corpus not found at {corpus_dir()}")
    return boxes


def test_every_corpus_mail_parses(corpus):
    for box in corpus:
        contact = parse(box.read_bytes())
        assert contact.channel == "email"
        assert contact.from_email or contact.from_name, box.name


def test_corpus_agreement(corpus):
    failing = {box.name: problems for box in corpus if (problems := disagreements(box))}
    agreement = 1 - len(failing) / len(corpus)
    print(f"\nZammad corpus agreement: {len(corpus) - len(failing)}/{len(corpus)} = {agreement:.1%}")
    for name, problems in failing.items():
        print(f"  {name}: {'; '.join(problems)}")
    assert agreement >= REQUIRED_AGREEMENT, failing
