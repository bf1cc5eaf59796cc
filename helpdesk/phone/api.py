"""The CTI webhook PBXs post their call events to (the call log's JSON is in the api area)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from channels.phone import SIGNATURE_HEADER, signature_valid
from helpdesk.phone import services
from helpdesk.web.auth import passive

bp = Blueprint("phone_api", __name__)
MAX_STORED_BODY = 64 * 1024  # larger is no CTI event: refused unstored (413); up to it stored, a dead letter if > 16 KB


@bp.post("/api/v1/cti/<token>")
@passive  # a PBX's post is nobody's activity (and so no session is opened for it)
def cti_event(token: str):
    """One generic CTI event (Zammad-compatible), form-encoded or JSON.

    Answers ``{}`` (or ``{"action": "reject", "reason": "busy"}`` to a newCall from a blocked
    number); 400 with the reason for a malformed event (kept as a dead letter); 401 for an
    unknown token or a missing/wrong signature.
    """
    if (request.content_length or 0) > MAX_STORED_BODY:
        return jsonify({"error": "too-large", "message": f"An event is at most {MAX_STORED_BODY} bytes; "
                                                          "this one was not stored."}), 413
    body = request.get_data(cache=False)
    header = request.headers.get(SIGNATURE_HEADER)
    if header is not None and not signature_valid(services.signing_secret(services.token_hash(token)), body, header):
        return _unauthorized()
    taken = services.take_event(token, body, request.headers.get("Content-Type", ""), signed=header is not None)
    if taken is None:
        return _unauthorized()
    if taken.reason:
        return jsonify({"error": "invalid", "message": taken.reason, "event_id": taken.event_id}), 400
    if taken.reject:
        return jsonify({"action": "reject", "reason": "busy"})
    return jsonify({})


def _unauthorized():
    """401: an unknown token, or a signature missing (where required) or wrong; the token's
    PBX is looked up only here, to say which."""
    sender = services.sender_for(request.view_args["token"])
    if sender is None:
        return jsonify({"error": "unauthorized", "message": "Unknown CTI token."}), 401
    return jsonify({"error": "unauthorized",
                    "message": f"The {SIGNATURE_HEADER} header is missing or does not match the body."}), 401
