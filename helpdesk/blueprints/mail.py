"""E-mail screens for admins (mailboxes, the quarantine) and the inbound endpoint for raw mail."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from helpdesk.auth import roles_required, user_from_bearer
from helpdesk.extensions import db
from helpdesk.mail import inbound
from helpdesk.mail.mailboxes import MailboxInvalid, save_mailbox
from helpdesk.models import RawContact, Team
from helpdesk.models.mail import IMAP_SECURITIES, Mailbox

admin_bp = Blueprint("mail_admin", __name__)
inbound_bp = Blueprint("mail_inbound", __name__)


class MailboxForm(FlaskForm):
    address = StringField(_l("Mailbox address"), validators=[DataRequired(), Length(max=254)])
    team = SelectField(_l("Default team"), choices=[])
    imap_host = StringField(_l("IMAP server"), validators=[DataRequired(), Length(max=255)])
    imap_port = IntegerField(_l("IMAP port"), default=993, validators=[NumberRange(1, 65535)])
    imap_security = SelectField(_l("Connection security"), choices=[(s, s) for s in IMAP_SECURITIES])
    imap_username = StringField(_l("IMAP username"), validators=[DataRequired(), Length(max=254)])
    imap_password = PasswordField(_l("IMAP password (leave empty to keep the stored one)"))
    imap_folder = StringField(_l("Folder"), default="INBOX", validators=[Length(max=200)])
    active = BooleanField(_l("Fetch this mailbox"), default=True)


@admin_bp.get("/mailboxes")
@roles_required("admin")
def mailboxes():
    rows = db.session.scalars(db.select(Mailbox).order_by(Mailbox.address)).all()
    return render_template("admin/mail/mailboxes.html", mailboxes=rows)


@admin_bp.route("/mailboxes/new", methods=["GET", "POST"], defaults={"mailbox_id": None})
@admin_bp.route("/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@roles_required("admin")
def mailbox(mailbox_id: int | None):
    item = db.session.get(Mailbox, mailbox_id) if mailbox_id else None
    if mailbox_id and item is None:
        abort(404)
    form = MailboxForm(obj=item if request.method == "GET" else None)
    form.team.choices = [("", "—")] + [(t.slug, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.id))]
    if request.method == "GET" and item is not None:
        form.team.data = item.team.slug if item.team else ""
    if form.validate_on_submit():
        try:
            saved = save_mailbox(current_user, mailbox_id=mailbox_id, address=form.address.data,
                                 team=form.team.data or None, imap_host=form.imap_host.data,
                                 imap_port=form.imap_port.data, imap_security=form.imap_security.data,
                                 imap_username=form.imap_username.data, imap_password=form.imap_password.data or "",
                                 imap_folder=form.imap_folder.data or "INBOX", active=form.active.data)
        except MailboxInvalid as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Mailbox %(address)s saved.", address=saved.address), "ok")
            return redirect(url_for("mail_admin.mailboxes"))
    return render_template("admin/mail/mailbox.html", form=form, mailbox=item), (422 if form.errors else 200)


@admin_bp.post("/mailboxes/<int:mailbox_id>/fetch")
@roles_required("admin")
def fetch_now(mailbox_id: int):
    from helpdesk.jobs import enqueue

    if db.session.get(Mailbox, mailbox_id) is None:
        abort(404)
    enqueue(inbound.fetch_mailbox, mailbox_id)
    flash(_("Fetching started."), "ok")
    return redirect(url_for("mail_admin.mailboxes"))


@admin_bp.get("/quarantine")
@roles_required("admin")
def quarantine():
    return render_template("admin/mail/quarantine.html", items=inbound.quarantined(), form=FlaskForm())


@admin_bp.get("/quarantine/<int:raw_id>/original")
@roles_required("admin")
def original(raw_id: int):
    raw = db.session.get(RawContact, raw_id)
    if raw is None or raw.status != "quarantined":
        abort(404)
    extension = "eml" if raw.media_type == "message/rfc822" else "bin"
    return Response(raw.payload, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=quarantine-{raw.id}.{extension}"})


@admin_bp.post("/quarantine/<int:raw_id>/<any(retry, ticket):action>")
@roles_required("admin")
def quarantine_action(raw_id: int, action: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if action == "retry":
            result = inbound.retry_quarantined(raw_id, current_user)
            if result.status == "quarantined":
                flash(_("Still rejected: %(reason)s", reason=result.reason), "error")
            else:
                flash(_("Taken in as %(number)s.", number=result.ticket_number), "ok")
        else:
            ticket = inbound.ticket_from_quarantined(raw_id, current_user)
            flash(_("Ticket %(number)s opened.", number=ticket.number), "ok")
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("mail_admin.quarantine"))


@inbound_bp.post("/inbound")
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
