"""The JSON API: tokens and sessions, tickets, field errors, the OpenAPI document."""
from __future__ import annotations

import pytest

from helpdesk.web.auth import issue_api_token
from tests.conftest import csrf_token_from, login


@pytest.fixture
def token(make_staff):
    agent = make_staff("api@kontakt.test", teams=["obsluga-klienta", "wsparcie-techniczne"])
    return issue_api_token(agent, "test")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


NEW = {"subject": "Telefon: pytanie o ratę", "text": "Klient pyta o termin spłaty raty.", "channel": "phone",
       "category": "loan-terms", "customer": {"name": "Jan Kowalczyk", "phone": "601 234 567"}}


@pytest.mark.both_databases
def test_create_read_and_list_tickets(client, token):
    created = client.post("/api/v1/tickets", json=NEW, headers=auth(token))
    assert created.status_code == 201
    body = created.json
    assert body["number"].startswith("KT-") and body["category"] == "loan-terms"
    assert body["team"] == "obsluga-klienta" and body["channel"] == "phone"
    assert body["customer"]["name"] == "Jan Kowalczyk"
    one = client.get(f"/api/v1/tickets/{body['id']}", headers=auth(token)).json
    assert one["messages"][0]["text"] == NEW["text"] and "routing" in one
    listed = client.get("/api/v1/tickets?status=open", headers=auth(token)).json
    assert [t["id"] for t in listed["tickets"]] == [body["id"]]


def test_without_credentials_is_401_and_bad_token_too(client):
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/api/v1/tickets", headers=auth("kt_wrong")).status_code == 401


@pytest.mark.parametrize("body,field,status", [
    ({"text": "x"}, "subject", 422),
    ({**NEW, "channel": "fax"}, "channel", 422),
    ({**NEW, "category": "no-such-category"}, "category", 422),
    ({**NEW, "customer": {"phone": "12"}}, "customer.phone", 422),
    ({**NEW, "subject": 42}, "subject", 422),
    ([1, 2, 3], "body", 400),
])
def test_bad_body_names_the_field(client, token, body, field, status):
    response = client.post("/api/v1/tickets", json=body, headers=auth(token))
    assert response.status_code == status
    assert response.json["field"] == field


def test_malformed_json_and_bad_query_are_4xx(client, token):
    response = client.post("/api/v1/tickets", data="{nope", content_type="application/json", headers=auth(token))
    assert response.status_code == 400
    assert client.get("/api/v1/tickets?limit=abc", headers=auth(token)).json["field"] == "limit"
    assert client.get("/api/v1/tickets/999999", headers=auth(token)).status_code == 404


def test_idempotency_key_returns_the_same_ticket(client, token):
    headers = {**auth(token), "Idempotency-Key": "call-2025-12-07-0001"}
    first = client.post("/api/v1/tickets", json=NEW, headers=headers)
    again = client.post("/api/v1/tickets", json=NEW, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json["id"] == again.json["id"]


def test_session_calls_need_the_csrf_token(client, make_staff):
    make_staff("sesja@kontakt.test", teams=["obsluga-klienta"])
    login(client, "sesja@kontakt.test")
    assert client.get("/api/v1/tickets").status_code == 200
    assert client.post("/api/v1/tickets", json=NEW).status_code == 400
    token = csrf_token_from(client.get("/agent/").get_data(as_text=True))
    assert client.post("/api/v1/tickets", json=NEW, headers={"X-CSRFToken": token}).status_code == 201


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert {"/tickets", "/tickets/{id}"} <= set(document["paths"])
