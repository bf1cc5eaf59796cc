"""The OpenAPI 3.1 description of /api/v1."""
from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document() -> dict:
    ticket = {
        "type": "object",
        "required": ["id", "number", "subject", "status", "priority", "channel"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string", "pattern": "^KT-[0-9]{6,}$"},
            "subject": {"type": "string"},
            "status": {"enum": ["new", "open", "waiting", "solved", "closed"]},
            "priority": {"enum": ["low", "normal", "high", "urgent"]},
            "channel": {"enum": ["email", "phone", "webform"]},
            "language": {"enum": ["pl", "en"]},
            "category": {"type": ["string", "null"]},
            "team": {"type": ["string", "null"]},
            "assignee": {"type": ["object", "null"]},
            "customer": {"type": ["object", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "routing": {"type": ["object", "null"], "description": "the last routing decision with its trace"},
            "sla": {"type": ["object", "null"], "description": "SLA clocks: target, due, state, elapsed"},
            "messages": {"type": "array", "items": {"type": "object"}},
        },
    }
    new_ticket = {
        "type": "object",
        "required": ["subject", "text"],
        "properties": {
            "subject": {"type": "string", "maxLength": 300},
            "text": {"type": "string", "maxLength": 10000},
            "channel": {"enum": ["email", "phone", "webform"], "default": "phone"},
            "category": {"type": "string", "description": "a category slug"},
            "language": {"enum": ["pl", "en"], "default": "pl"},
            "customer": {"type": "object", "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string"},
                "phone": {"type": "string"}}},
        },
    }
    errors = {"401": _response("not authenticated", _ERROR), "400": _response("bad request", _ERROR)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kontakt API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/tickets": {
                "get": {
                    "summary": "List the tickets the caller may see, newest first",
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    ],
                    "responses": {"200": _response("a page of tickets", {
                        "type": "object", "properties": {"tickets": {"type": "array", "items": ticket}}}), **errors},
                },
                "post": {
                    "summary": "Open a ticket for a customer",
                    "parameters": [{"name": "Idempotency-Key", "in": "header",
                                    "schema": {"type": "string", "minLength": 1, "maxLength": 100,
                                               "pattern": "^[!-~]+$"},
                                    "description": "repeating a request with the same key returns the same ticket; "
                                                   "printable ASCII, at most 100 characters (otherwise 400)"}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": new_ticket}}},
                    "responses": {"201": _response("the ticket", ticket), "200": _response("the earlier ticket", ticket),
                                  "422": _response("a field is invalid", _ERROR), **errors},
                },
            },
            "/tickets/{id}": {
                "get": {
                    "summary": "One ticket with its conversation, routing trace and SLA clocks",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": _response("the ticket", ticket), "404": _response("no such ticket", _ERROR),
                                  **errors},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a personal API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "the agent's browser session; unsafe methods need X-CSRFToken"},
            },
            "schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }
