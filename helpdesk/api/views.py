"""The JSON API (/api/v1): tickets, authenticated by API token or the agent's browser session."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from dataclasses import replace

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from channels import InboundContact
from channels.identity import normalise_email, normalise_phone
from channels.phone import OUTCOMES
from helpdesk.intake import services as intake
from helpdesk.web.auth import user_from_bearer
from helpdesk.core.extensions import csrf, db
from helpdesk.models import Category, Ticket
from helpdesk.models.core import CHANNELS, OPEN_STATUSES, STATUSES
from helpdesk.models.types import utcnow
from helpdesk.phone import services as phone
from helpdesk.tickets import queue, search
from helpdesk.tickets import services as ticket_service
from helpdesk.sla.services.clocks import sla_json

bp = Blueprint("api", __name__)


IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,100}")  # what the stored dedup key has room for


class FieldError(Exception):
    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@bp.errorhandler(FieldError)
def field_error(error: FieldError):
    return jsonify({"error": "invalid", "field": error.field, "message": error.message}), error.status


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    return jsonify({"error": "csrf", "message": error.description}), 400


@bp.before_request
def authenticate():
    user = user_from_bearer()
    if user is None and current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        user = current_user._get_current_object()
    if user is None and request.endpoint != "api.openapi":
        return jsonify({"error": "unauthorized", "message": "Send 'Authorization: Bearer <token>' or log in."}), 401
    g.api_user = user


def ticket_json(ticket: Ticket, *, full: bool = False) -> dict:
    data = {
        "id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "language": ticket.language,
        "category": ticket.category.slug if ticket.category else None,
        "team": ticket.team.slug if ticket.team else None,
        "assignee": {"id": ticket.assignee.id, "name": ticket.assignee.name} if ticket.assignee else None,
        "customer": {"id": ticket.customer.id, "name": ticket.customer.name,
                     "email": ticket.customer.primary_email} if ticket.customer else None,
        "tags": ticket.tags or [],
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "url": url_for("api.get_ticket", ticket_id=ticket.id, _external=False),
        "sla": sla_json(ticket),
    }
    if full:
        data["routing"] = ticket.routing
        data["calls"] = [phone.call_json(c) for c in phone.calls_of_ticket(ticket.id)]
        data["messages"] = [{
            "id": m.id, "channel": m.channel, "direction": m.direction, "internal": m.internal,
            "author": m.author_name, "text": m.text, "html": m.html, "created_at": m.created_at.isoformat(),
            "attachments": [{"filename": a.filename, "media_type": a.media_type, "size": a.size,
                             "sha256": a.sha256} for a in m.attachments],
        } for m in ticket.messages]
    return data


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, str(default))
    # ASCII digits only: str.isdigit() also takes "²" and full-width digits, which int() refuses or reads
    if not (value.isascii() and value.isdigit() and len(value) <= 12) or not low <= int(value) <= high:
        raise FieldError(name, f"must be a whole number from {low} to {high}", 400)
    return int(value)


@bp.get("/api/v1/tickets")
def list_tickets():
    """The queue's filters and search (see tickets.queue): view, status (also "open"), channel,
    category, priority, team, assignee, tag, q, created_from/to, due_from/to, sort; paged by the
    cursor in "next" (after=), or by offset for the first 10,000 rows."""
    limit = _int_arg("limit", 50, 1, 500)
    offset = _int_arg("offset", 0, 0, 10000)
    args = request.args.copy()
    statuses = args.getlist("status")
    if "open" in statuses:
        args.setlist("status", [s for s in statuses if s != "open"] + list(OPEN_STATUSES))
    user = g.api_user
    views = queue.VIEWS + (queue.LEAD_VIEWS if user.has_role("lead", "manager", "admin") else ())
    view = args.get("view", "")
    if view and view not in views:
        raise FieldError("view", f"must be one of: {', '.join(views)}", 400)
    if not view:  # no view: every ticket the caller may see, whatever its status
        args["view"] = "all"
        if not args.getlist("status") and not args.get("q"):
            args.setlist("status", list(STATUSES))
    f, errors = queue.parse(args, views, "all")
    if errors:
        field, message = next(iter(errors.items()))
        raise FieldError(field, message, 400)
    if not args.get("sort") and not f.q:
        f = replace(f, sort="-number")
    try:
        if offset and not args.get("after"):
            whole = queue.page(user, f, limit=offset + limit, count=False)
            result = queue.Page(whole.tickets[offset:], next=whole.next, terms=whole.terms)
        else:
            result = queue.page(user, f, after=args.get("after") or None, limit=limit, count=False)
    except ValueError:
        raise FieldError("after", "is not a cursor this API gave", 400) from None
    body = {"tickets": [ticket_json(t) for t in result.tickets], "limit": limit, "offset": offset,
            "next": result.next}
    if result.terms:
        hits = search.snippets([t.id for t in result.tickets], result.terms)
        for item in body["tickets"]:
            if item["id"] in hits:
                item["hit"] = str(hits[item["id"]])
    return jsonify(body)


@bp.get("/api/v1/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket_service.can_see(g.api_user, ticket):
        abort(404, description=f"no ticket with id {ticket_id}")
    return jsonify(ticket_json(ticket, full=True))


def _text(body: dict, name: str, *, required: bool = True, max_length: int = 10000) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise FieldError(name, "must be a string")
    if "\x00" in value:
        raise FieldError(name, "must not contain NUL characters")
    value = value.strip()
    if required and not value:
        raise FieldError(name, "is required")
    if len(value) > max_length:
        raise FieldError(name, f"must be at most {max_length} characters")
    return value


def _json_object() -> dict:
    """The request's JSON object; a FieldError saying what is wrong with anything else."""
    try:
        body = current_app.json.loads(request.get_data()) if request.is_json else None
    except ValueError as error:  # see web.security.StrictJSONProvider
        raise FieldError("body", f"is not valid JSON: {error}", 400) from None
    if not isinstance(body, dict):
        raise FieldError("body", "must be a JSON object (Content-Type: application/json)", 400)
    return body


@bp.post("/api/v1/tickets")
def create_ticket():
    """Open a ticket on behalf of a customer (e.g. a phone call logged by an agent)."""
    body = _json_object()
    subject = _text(body, "subject", max_length=300)
    text = _text(body, "text")
    channel = body.get("channel", "phone")
    if channel not in CHANNELS:
        raise FieldError("channel", f"must be one of: {', '.join(CHANNELS)}")
    customer = body.get("customer") or {}
    if not isinstance(customer, dict):
        raise FieldError("customer", "must be an object with email, name and/or phone")
    email = normalise_email(_text(customer, "email", required=False, max_length=254))
    if email and "@" not in email:
        raise FieldError("customer.email", "is not an e-mail address")
    phone_text = _text(customer, "phone", required=False, max_length=40)
    phone = normalise_phone(phone_text) if phone_text else ""
    if phone is None:
        raise FieldError("customer.phone", "is not a phone number")
    category = body.get("category")
    if category is not None and (not isinstance(category, str) or db.session.scalar(
            db.select(Category).filter_by(slug=category)) is None):
        raise FieldError("category", "is not a known category slug")
    language = body.get("language", "pl")
    if language not in ("pl", "en"):
        raise FieldError("language", "must be 'pl' or 'en'")
    name = _text(customer, "name", required=False, max_length=200)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise FieldError("Idempotency-Key", "must be 1 to 100 printable ASCII characters", 400)
    raw, created = intake.store_raw(channel=channel, source=f"api:{g.api_user.id}",
                                    payload=json.dumps(body, ensure_ascii=False).encode(),
                                    media_type="application/json",
                                    dedup_key=f"api:{g.api_user.id}:{key}" if key else None)
    if not created and raw.ticket_id:
        return jsonify(ticket_json(db.session.get(Ticket, raw.ticket_id), full=True)), 200
    contact = InboundContact(channel=channel, received_at=utcnow(), line="api", from_email=email,
                             from_name=name,
                             from_phone=phone or "", subject=subject, text=text, form_category=category,
                             language=language)
    ticket = intake.receive(raw.id, contact)
    return jsonify(ticket_json(ticket, full=True)), 201


# --- the call log (the phone area keeps it; reports and other clients read it here) ---------------

def _instant(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(name, "must be an ISO 8601 date or date and time", 400) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@bp.get("/api/v1/calls")
def list_calls():
    """The call log: ?since=&until= (ISO 8601, by offered time), line (E.164), outcome, agent (id),
    direction, number (the caller), limit, offset. Leads, managers and admins see every call;
    an agent their own."""
    outcome = request.args.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise FieldError("outcome", f"must be one of: {', '.join(OUTCOMES)}", 400)
    direction = request.args.get("direction") or None
    if direction not in (None, "in", "out"):
        raise FieldError("direction", "must be 'in' or 'out'", 400)
    line_id = None
    if request.args.get("line"):
        number = normalise_phone(request.args["line"])
        line = phone.line_by_number(number) if number else None
        if line is None:
            raise FieldError("line", "is not one of our lines", 400)
        line_id = line.id
    number = None
    if request.args.get("number"):
        number = normalise_phone(request.args["number"])
        if number is None:
            raise FieldError("number", "is not a phone number", 400)
    agent_id = _int_arg("agent", 1, 1, 2**31 - 1) if request.args.get("agent") else None
    if g.api_user.has_role("agent"):
        agent_id = g.api_user.id
    filters = phone.CallFilter(since=_instant("since"), until=_instant("until"), line_id=line_id, outcome=outcome,
                                  agent_id=agent_id, direction=direction, number=number)
    limit, offset = _int_arg("limit", 100, 1, 1000), _int_arg("offset", 0, 0, 10**9)
    rows = phone.call_log(filters, limit=limit, offset=offset)
    return jsonify({"calls": [phone.call_json(c) for c in rows], "limit": limit, "offset": offset})


@bp.get("/api/v1/tickets/<int:ticket_id>/calls")
def ticket_calls(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket_service.can_see(g.api_user, ticket):
        abort(404, description=f"no ticket with id {ticket_id}")
    return jsonify({"calls": [phone.call_json(c) for c in phone.calls_of_ticket(ticket_id)]})


@bp.get("/api/v1/openapi.json")
def openapi():
    from helpdesk.api.openapi import document

    return jsonify(document())
