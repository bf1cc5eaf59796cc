"""JSON routes of the phone channel: the CTI webhook PBXs post to, and the call log for API clients."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, g, jsonify, request

from channels.identity import normalise_phone
from channels.phone import OUTCOMES, SIGNATURE_HEADER, signature_valid
from helpdesk.blueprints.api import FieldError, authenticate, field_error
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.phone import services
from helpdesk.services import tickets as ticket_service

cti_bp = Blueprint("phone_cti", __name__)  # token in the URL, no session: CSRF-exempt (see area.py)
bp = Blueprint("phone_api", __name__)
bp.before_request(authenticate)  # an API token or the agent's session, as for the rest of /api/v1
bp.register_error_handler(FieldError, field_error)


@cti_bp.post("/cti/<token>")
def cti_event(token: str):
    """One generic CTI event (Zammad-compatible), form-encoded or JSON.

    Answers ``{}`` (or ``{"action": "reject", "reason": "busy"}`` to a newCall from a blocked
    number); 400 with the reason for a malformed event (kept as a dead letter); 401 for an
    unknown token or a missing/wrong signature.
    """
    sender = services.sender_for(token)
    if sender is None:
        return jsonify({"error": "unauthorized", "message": "Unknown CTI token."}), 401
    body = request.get_data(cache=False)
    header = request.headers.get(SIGNATURE_HEADER)
    if header is not None or sender.require_signature:
        if not signature_valid(services.signing_secret(sender.hashed_token), body, header):
            return jsonify({"error": "unauthorized",
                            "message": f"The {SIGNATURE_HEADER} header is missing or does not match the body."}), 401
    taken = services.take_event(sender, body, request.headers.get("Content-Type", ""))
    if taken.reason:
        return jsonify({"error": "invalid", "message": taken.reason, "event_id": taken.event_id}), 400
    if taken.reject:
        return jsonify({"action": "reject", "reason": "busy"})
    return jsonify({})


def _instant(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(name, "must be an ISO 8601 date or date and time", 400) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _int(name: str, default: int | None, low: int, high: int) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise FieldError(name, f"must be a whole number from {low} to {high}", 400)
    return int(value)


@bp.get("/calls")
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
        line = services._line(number) if number else None
        if line is None:
            raise FieldError("line", "is not one of our lines", 400)
        line_id = line.id
    number = None
    if request.args.get("number"):
        number = normalise_phone(request.args["number"])
        if number is None:
            raise FieldError("number", "is not a phone number", 400)
    agent_id = _int("agent", None, 1, 2**31 - 1)
    if g.api_user.has_role("agent"):
        agent_id = g.api_user.id
    filters = services.CallFilter(since=_instant("since"), until=_instant("until"), line_id=line_id, outcome=outcome,
                                  agent_id=agent_id, direction=direction, number=number)
    limit, offset = _int("limit", 100, 1, 1000), _int("offset", 0, 0, 10**9)
    rows = services.call_log(filters, limit=limit, offset=offset)
    return jsonify({"calls": [services.call_json(c) for c in rows], "limit": limit, "offset": offset})


@bp.get("/tickets/<int:ticket_id>/calls")
def ticket_calls(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket_service.can_see(g.api_user, ticket):
        abort(404, description=f"no ticket with id {ticket_id}")
    return jsonify({"calls": [services.call_json(c) for c in services.calls_of_ticket(ticket_id)]})
