"""E-mail screens for admins (mailboxes, the quarantine) and the inbound endpoint for raw mail."""
from __future__ import annotations


from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.web.auth import roles_required
from helpdesk.core.extensions import db
from helpdesk.mail.services import inbound
from helpdesk.mail.services.mailboxes import MailboxInvalid, save_mailbox
from helpdesk.models import RawContact, Team
from helpdesk.models.mail import Mailbox
from helpdesk.mail.forms import MailboxForm

bp = Blueprint("mail", __name__)


@bp.get("/admin/mail/mailboxes")
@roles_required("admin")
def mailboxes():
    rows = db.session.scalars(db.select(Mailbox).order_by(Mailbox.address)).all()
    return render_template("admin/mail/mailboxes.html", mailboxes=rows)


@bp.route("/admin/mail/mailboxes/new", methods=["GET", "POST"], defaults={"mailbox_id": None})
@bp.route("/admin/mail/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
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
            return redirect(url_for("mail.mailboxes"))
    return render_template("admin/mail/mailbox.html", form=form, mailbox=item), (422 if form.errors else 200)


@bp.post("/admin/mail/mailboxes/<int:mailbox_id>/fetch")
@roles_required("admin")
def fetch_now(mailbox_id: int):
    from helpdesk.core.jobs import enqueue

    if db.session.get(Mailbox, mailbox_id) is None:
        abort(404)
    enqueue(inbound.fetch_mailbox, mailbox_id)
    flash(_("Fetching started."), "ok")
    return redirect(url_for("mail.mailboxes"))


@bp.get("/admin/mail/quarantine")
@roles_required("admin")
def quarantine():
    return render_template("admin/mail/quarantine.html", items=inbound.quarantined(), form=FlaskForm())


@bp.get("/admin/mail/quarantine/<int:raw_id>/original")
@roles_required("admin")
def original(raw_id: int):
    raw = db.session.get(RawContact, raw_id)
    if raw is None or raw.status != "quarantined":
        abort(404)
    extension = "eml" if raw.media_type == "message/rfc822" else "bin"
    return Response(raw.payload, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=quarantine-{raw.id}.{extension}"})


@bp.post("/admin/mail/quarantine/<int:raw_id>/<any(retry, ticket):action>")
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
    return redirect(url_for("mail.quarantine"))
