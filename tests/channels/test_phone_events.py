"""CTI events as PBXs send them to Zammad: form-encoded and JSON, validation reasons, signatures."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from channels.identity import normalise_phone
from channels.phone import EventRejected, parse_event, sign, signature_valid

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc)
FORM = "application/x-www-form-urlencoded"


def form(**fields) -> bytes:
    return urlencode(fields, doseq=True).encode()


def test_a_zammad_style_form_new_call_with_several_users():
    body = form(event="newCall", **{"from": "0048 660-111-222", "to": "22 206 21 21"}, direction="in",
                callId="4c1e5d7a", **{"user[]": ["Anna Nowak", "Jan Kowal"]}, queue="bok")
    event = parse_event(body, FORM + "; charset=utf-8", NOW)
    assert (event.event, event.call_id, event.direction) == ("newCall", "4c1e5d7a", "in")
    assert event.from_number == "+48660111222" and event.to_number == "+48222062121"
    assert event.caller == "+48660111222" and event.line == "+48222062121"
    assert event.users == ("Anna Nowak", "Jan Kowal") and event.queue == "bok"
    assert event.occurred_at == NOW and not event.timestamp_given


def test_json_with_one_user_a_cause_and_a_timestamp():
    body = json.dumps({"event": "hangup", "callId": "x1", "from": "+48660111222", "to": "660600700",
                       "direction": "in", "cause": "cancel", "user": "Anna Nowak",
                       "timestamp": "2025-12-01T10:15:30+01:00"}).encode()
    event = parse_event(body, "application/json", NOW)
    assert event.cause == "cancel" and event.users == ("Anna Nowak",)
    assert event.occurred_at == datetime(2025, 12, 1, 9, 15, 30, tzinfo=timezone.utc) and event.timestamp_given


def test_a_hangup_without_cause_is_a_normal_clearing_and_an_outbound_call_swaps_the_roles():
    event = parse_event(form(event="hangup", callId="o1", direction="out", **{"from": "660600700"},
                             to="501 234 567"), FORM, NOW)
    assert event.cause == "normalClearing"
    assert event.caller == "+48501234567" and event.line == "+48660600700"


def test_withheld_and_sip_numbers():
    event = parse_event(form(event="newCall", callId="a", **{"from": "anonymous"}, to="sip:660600700@pbx.local"),
                        FORM, NOW)
    assert event.from_number == "" and event.to_number == "+48660600700" and event.from_raw == "anonymous"


@pytest.mark.parametrize("body, media_type, reason", [
    (form(callId="a", to="660600700"), FORM, "event: is required"),
    (form(event="ring", callId="a", to="660600700"), FORM, "event: must be one of newCall, answer, hangup"),
    (form(event="newCall", to="660600700"), FORM, "callId: is required"),
    (form(event="newCall", callId="a"), FORM, "to: the number called is required"),
    (form(event="newCall", callId="a", to="660600700", direction="sideways"), FORM, "direction: must be"),
    (form(event="newCall", callId="a", to="pizza"), FORM, "to: 'pizza' is not a phone number"),
    (form(event="hangup", callId="a", cause="tired"), FORM, "cause: must be one of"),
    (form(event="hangup", callId="a", timestamp="yesterday"), FORM, "timestamp: 'yesterday' is not an ISO 8601"),
    (form(event="hangup", callId="a", timestamp="2025-12-01T10:00:00"), FORM, "timestamp: give the offset"),
    (form(event="hangup", callId=["a", "b"]), FORM, "callId: given more than once"),
    (form(event="hangup", callId="a" * 101), FORM, "callId: at most 100"),
    (b"[1, 2]", "application/json", "the JSON body must be an object"),
    (b"{not json", "application/json", "the body is not valid JSON"),
    (json.dumps({"event": "hangup", "callId": {"x": 1}}).encode(), "application/json", "callId: must be a string"),
    (b"\xff\xfe", FORM, "the body is not UTF-8"),
    (b"<xml/>", "text/xml", "unsupported Content-Type 'text/xml'"),
    (b"event=hangup&callId=a" + b"&x=" + b"y" * 17000, FORM, "the body is larger than"),
])
def test_a_malformed_event_is_rejected_with_its_reason(body, media_type, reason):
    with pytest.raises(EventRejected) as rejected:
        parse_event(body, media_type, NOW)
    assert reason in rejected.value.reason


@pytest.mark.parametrize("text, expected", [
    ("660 600 700", "+48660600700"), ("660-600-700", "+48660600700"), ("22/206 21 21", "+48222062121"),
    ("0048 22 206 21 21", "+48222062121"), ("0 22 206 21 21", "+48222062121"), ("(22) 206-21-21", "+48222062121"),
    ("48660600700", "+48660600700"), ("+44 20 7946 0958", "+442079460958"), ("12", None), ("abc", None),
])
def test_numbers_are_normalised_to_e164(text, expected):
    assert normalise_phone(text) == expected


def test_signature_of_the_exact_body():
    body = form(event="newCall", callId="a", to="660600700")
    header = sign(b"secret", body)
    assert header.startswith("sha256=") and signature_valid(b"secret", body, header)
    assert signature_valid(b"secret", body, header.upper().replace("SHA256=", "sha256="))
    assert not signature_valid(b"other", body, header)
    assert not signature_valid(b"secret", body + b"&x=1", header)
    assert not signature_valid(b"secret", body, None) and not signature_valid(b"secret", body, "")
