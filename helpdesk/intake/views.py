"""The public contact form: a submission is stored first, then a worker opens its ticket."""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from channels.webform import FormSubmission, to_payload
from helpdesk.intake import guard, services as intake
from helpdesk.core import jobs
from helpdesk.core.extensions import db, limiter
from helpdesk.intake.forms import ContactForm, uploaded_attachments
from helpdesk.kb import services as kb_services
from helpdesk.models import Category, RawContact, Ticket
from helpdesk.models.types import utcnow
from helpdesk.calendars import quiet_hours
from helpdesk.calendars.opening_hours import opening_hours
from helpdesk.calendars.services import get_calendar
from helpdesk.sla.services.clocks import promised_first_response

bp = Blueprint("intake", __name__)

# What the page puts in the form's hidden submission_id (a UUID's hex), with room to spare.
SUBMISSION_ID = re.compile(r"[0-9A-Za-z_-]{8,64}")


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(guard.ip_limit, methods=["POST"], error_message=guard.limited_message,
               on_breach=guard.refused, exempt_when=guard.limits_off)
@limiter.limit(guard.email_limit, key_func=guard.email_key, methods=["POST"], error_message=guard.limited_message,
               on_breach=guard.refused, exempt_when=guard.limits_off, scope="contact-email")
def contact():
    locale = str(get_locale())
    form = contact_form(locale)
    if request.method == "POST" and form.website.data:  # the honeypot: only a bot fills it; nothing is stored
        return render_template("public/contact_refused.html"), 400
    too_fast = request.method == "POST" and guard.filled_too_fast(form.started.data, form.submission_id.data)
    if too_fast:
        form.started.data = guard.stamp(form.submission_id.data)
    suggestions = []
    if form.validate_on_submit() and not too_fast:
        suggestions = [] if form.suggestions_shown.data else _suggestions(form, locale)
        if not suggestions:
            ticket_id, received_at, raw_id = _submit(form, locale)
            session["sent_ticket"] = {"id": ticket_id, "received_at": received_at.isoformat(), "raw_id": raw_id}
            return redirect(url_for("intake.contact_sent"))
        form.suggestions_shown.data = "1"  # shown once; sending again sends
    files_dropped = request.method == "POST" and (bool(form.errors) or too_fast) and [
        f.filename for f in request.files.getlist(form.attachments.name) if f.filename]
    return render_template("public/contact.html", form=form, suggestions=suggestions, too_fast=too_fast,
                           files_dropped=files_dropped, quiet_hours=quiet_hours.text(),
                           opening_hours=opening_hours(get_calendar("contact-centre"), utcnow())), (
        422 if form.errors or too_fast else 200)


def _suggestions(form: ContactForm, locale: str) -> list:
    """Help articles to offer before the form is sent (the page without JavaScript): none when the
    customer attaches files, who needs a person and would have to choose the files again."""
    if any(getattr(f, "filename", "") for f in (form.attachments.data or [])):
        return []
    hits = kb_services.suggest(form.subject.data, form.description.data, locale, form.category.data)
    if hits:
        kb_services.suggestions_shown(form.submission_id.data, locale)
    return hits


def contact_form(locale: str, **data) -> ContactForm:
    """The contact form with the active categories to choose from (``data`` pre-fills it)."""
    form = ContactForm(data=data or None)
    name = Category.name_en if locale == "en" else Category.name_pl  # plain rows: this page is the busiest
    form.category.choices = [("", "—")] + [(slug, label) for slug, label in db.session.execute(
        db.select(Category.slug, name).filter_by(active=True).order_by(Category.id))]
    if not SUBMISSION_ID.fullmatch(form.submission_id.data or ""):  # none yet, or not one this page made
        form.submission_id.data = uuid.uuid4().hex
    if not form.started.data:  # when the form was shown, signed: a form sent back too soon is a script's
        form.started.data = guard.stamp(form.submission_id.data)
    return form


def _submit(form: ContactForm, locale: str) -> tuple[int | None, datetime, int]:
    """Store the submission and have a worker open its ticket: (the ticket's id, when it came,
    the stored contact's id).

    The id is reserved when the contact is stored, so the customer learns the number at
    once however busy the workers are (None only if it could not be had)."""
    attachments = uploaded_attachments(form.attachments)
    submission = FormSubmission(
        name=form.name.data, email=form.email.data, category=form.category.data, subject=form.subject.data,
        description=form.description.data, phone=form.phone.data or "", pesel=(form.pesel.data or "").strip(),
        loan_number=form.loan_number.data or "", language=locale, attachments=attachments,
    )
    raw, created = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE,
                                    payload=to_payload(submission, utcnow()), media_type="application/json",
                                    dedup_key=intake.webform_dedup_key(form.submission_id.data), reserve_ticket=True)
    if created:  # not for the same submission again (a double click, a retry)
        jobs.enqueue_once(intake.receive_stored, gather_seconds=current_app.config["INTAKE_GATHER_MS"] / 1000)
    if raw.reserved_ticket_id is not None:
        return raw.reserved_ticket_id, raw.received_at, raw.id
    # Nothing reserved (SQLite has no sequences): the demo's inline job has opened the ticket by now.
    return db.session.scalar(db.select(RawContact.ticket_id).filter_by(id=raw.id)), raw.received_at, raw.id


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
                           number=Ticket.number_of(sent["id"]) if sent.get("id") else None,
                           raw_id=sent.get("raw_id"))
