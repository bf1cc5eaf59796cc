"""The public contact form: a submission is stored first, then a worker opens its ticket."""
from __future__ import annotations

import uuid
from datetime import datetime

from flask import (Blueprint, current_app, redirect, render_template, session, url_for)
from flask_babel import get_locale

from channels import InboundAttachment
from channels.webform import FormSubmission, sniff_media_type, to_payload
from helpdesk.intake import services as intake
from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.intake.forms import ContactForm
from helpdesk.models import Category, RawContact, Ticket
from helpdesk.models.types import utcnow
from helpdesk.calendars import quiet_hours
from helpdesk.calendars.opening_hours import opening_hours
from helpdesk.calendars.services import get_calendar
from helpdesk.sla.services.clocks import promised_first_response

bp = Blueprint("intake", __name__)


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    form = ContactForm()
    locale = str(get_locale())
    name = Category.name_en if locale == "en" else Category.name_pl  # plain rows: this page is the busiest
    form.category.choices = [("", "—")] + [(slug, label) for slug, label in db.session.execute(
        db.select(Category.slug, name).filter_by(active=True).order_by(Category.id))]
    if not form.submission_id.data:
        form.submission_id.data = uuid.uuid4().hex
    if form.validate_on_submit():
        ticket_id, received_at = _submit(form, locale)
        session["sent_ticket"] = {"id": ticket_id, "received_at": received_at.isoformat()}
        return redirect(url_for("intake.contact_sent"))
    return render_template("public/contact.html", form=form, quiet_hours=quiet_hours.text(),
                           opening_hours=opening_hours(get_calendar("contact-centre"), utcnow())), (
        422 if form.errors else 200)


def _submit(form: ContactForm, locale: str) -> tuple[int | None, datetime]:
    """Store the submission and have a worker open its ticket: (the ticket's id, when it came).

    The id is reserved when the contact is stored, so the customer learns the number at
    once however busy the workers are (None only if it could not be had)."""
    files = [f for f in (form.attachments.data or []) if getattr(f, "filename", "")]
    attachments = []
    for upload in files:
        content = upload.read()
        attachments.append(InboundAttachment(filename=upload.filename, media_type=sniff_media_type(content),
                                             content=content))
    submission = FormSubmission(
        name=form.name.data, email=form.email.data, category=form.category.data, subject=form.subject.data,
        description=form.description.data, phone=form.phone.data or "", pesel=(form.pesel.data or "").strip(),
        loan_number=form.loan_number.data or "", language=locale, attachments=attachments,
    )
    raw, created = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE,
                                    payload=to_payload(submission, utcnow()), media_type="application/json",
                                    dedup_key=f"webform:{form.submission_id.data}", reserve_ticket=True)
    if created:  # not for the same submission again (a double click, a retry)
        jobs.enqueue_once(intake.receive_stored, gather_seconds=current_app.config["INTAKE_GATHER_MS"] / 1000)
    if raw.reserved_ticket_id is not None:
        return raw.reserved_ticket_id, raw.received_at
    # Nothing reserved (SQLite has no sequences): the demo's inline job has opened the ticket by now.
    return db.session.scalar(db.select(RawContact.ticket_id).filter_by(id=raw.id)), raw.received_at


@bp.get("/contact/sent")
def contact_sent():
    sent = session.get("sent_ticket")
    if not isinstance(sent, dict):
        return redirect(url_for("intake.contact"))
    ticket = db.session.get(Ticket, sent["id"]) if sent.get("id") else None
    promised = None
    if ticket is None and sent.get("id"):  # a worker has yet to open it: the channel's promise
        promised = promised_first_response("webform", datetime.fromisoformat(sent["received_at"]))
    return render_template("public/contact_sent.html", ticket=ticket, promised=promised,
                           number=Ticket.number_of(sent["id"]) if sent.get("id") else None)
