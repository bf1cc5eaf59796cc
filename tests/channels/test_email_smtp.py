"""Composing replies and sending them to a real SMTP server (aiosmtpd) on loopback."""
from __future__ import annotations

import socket
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller

from channels.email import parse
from channels.email.outbound import SendFailed, SmtpSettings, compose, connect, send
from tests.fixtures.mailservers import SmtpSink, CaptureHandler, free_port


def _reply(**overrides):
    fields = dict(
        from_address="pomoc@kontakt.example",
        from_name="Biuro Obsługi Klienta",
        to=["jan.kowalski@example.pl"],
        subject="Re: Pytanie o ratę",
        text="Dzień dobry,\nrata została zaksięgowana.\n",
        ticket_number="KT-123456",
        message_id_domain="kontakt.example",
        in_reply_to="abc@example.pl",
        references=["root@example.pl"],
    )
    fields.update(overrides)
    return compose(**fields)


def test_sent_reply_arrives_threaded_with_ticket_number(smtp_server):
    send(_reply(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none"))

    (mail,) = smtp_server.received
    assert mail.recipients == ["jan.kowalski@example.pl"]
    arrived = parse(mail.data)
    assert arrived.subject == "[KT-123456] Re: Pytanie o ratę"
    assert arrived.in_reply_to == "abc@example.pl"
    assert arrived.references == ["root@example.pl", "abc@example.pl"]
    assert arrived.message_id.endswith("@kontakt.example")
    assert arrived.from_name == "Biuro Obsługi Klienta"
    assert "rata została zaksięgowana" in arrived.text
    assert not arrived.is_automated


def test_acknowledgement_is_marked_auto_replied_and_recognised_as_own(smtp_server):
    send(_reply(auto_reply=True), SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none"))

    arrived = parse(smtp_server.received[0].data)
    assert arrived.is_automated
    assert parse(smtp_server.received[0].data.replace(b"Auto-Submitted: auto-replied\n", b""),
                 own_domains=["kontakt.example"]).is_automated


def test_html_alternative_is_sent_and_sanitised_on_the_way_in(smtp_server):
    message = _reply(html="<p>Rata <b>zaksięgowana</b></p><script>alert(1)</script>")
    send(message, SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none"))

    arrived = parse(smtp_server.received[0].data)
    assert "<b>zaksięgowana</b>" in arrived.html
    assert "script" not in arrived.html
    assert "rata została zaksięgowana" in arrived.text


def test_one_connection_carries_many_messages_and_survives_a_refused_recipient(smtp_server):
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none")
    with connect(settings) as session:
        session.send(_reply(to="anna@example.pl"))
        with pytest.raises(SendFailed, match="refused the recipients"):
            session.send(_reply(to=f"nikt{CaptureHandler.REFUSED_DOMAIN}"))
        session.send(_reply(to="jan@example.pl"))

    assert [mail.recipients for mail in smtp_server.received] == [["anna@example.pl"], ["jan@example.pl"]]
    assert len({mail.peer for mail in smtp_server.received}) == 1


def test_unreachable_server_is_send_failed():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound but not listening: connection refused
        with pytest.raises(SendFailed, match=f"127.0.0.1:{port}"):
            send(_reply(), SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5))


def test_starttls_demanded_from_a_plain_server_is_send_failed(smtp_server):
    with pytest.raises(SendFailed, match="starttls"):
        send(_reply(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="starttls"))


@pytest.fixture
def certificate(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return key, cert


def test_starttls_with_a_trusted_certificate(certificate):
    key, cert = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(CaptureHandler(sink), hostname=sink.host, port=sink.port,
                            tls_context=server_context, require_starttls=True)
    controller.start()
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        send(_reply(), SmtpSettings(host=sink.host, port=sink.port, security="starttls", ssl_context=trusted))
        with pytest.raises(SendFailed):  # the system store does not trust a self-signed certificate
            send(_reply(), SmtpSettings(host=sink.host, port=sink.port, security="starttls"))
    finally:
        controller.stop()
    assert len(sink.received) == 1
    assert parse(sink.received[0].data).subject == "[KT-123456] Re: Pytanie o ratę"
