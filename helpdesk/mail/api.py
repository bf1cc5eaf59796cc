"""The inbound mail endpoint: a mail server posts a raw message with a token."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from helpdesk.web.auth import user_from_bearer
from helpdesk.mail.services import inbound

bp = Blueprint("mail_api", __name__)


@bp.post("/api/v1/mail/inbound")
def receive_mail():
    """Raw message/rfc822 in the body; Bearer MAIL_INBOUND_TOKEN or an admin's API token."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _problem(401, "unauthorized", "Send 'Authorization: Bearer <token>'.")
    mail_token = current_app.config.get("MAIL_INBOUND_TOKEN")
    if not (mail_token and hmac.compare_digest(header[7:].strip().encode(), mail_token.encode())):
        user = user_from_bearer()
        if user is None:
            return _problem(401, "unauthorized", "The token is not valid.")
        if not user.has_role("admin"):
            return _problem(403, "forbidden", "Only the mail token or an administrator's token may post mail.")
    raw = request.get_data()
    if not raw.strip():
        return _problem(400, "invalid", "The body must be the raw message (message/rfc822); it is empty.")
    result = inbound.ingest(raw, source="api")
    status = {"created": 201, "threaded": 201, "duplicate": 200}.get(result.status, 202)
    return jsonify({"status": result.status, "ticket": result.ticket_number, "raw_contact_id": result.raw_id,
                    "reason": result.reason}), status


def _problem(status: int, error: str, message: str):
    return jsonify({"error": error, "message": message}), status
