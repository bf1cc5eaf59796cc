"""Public pages: the contact form and the health check."""
from __future__ import annotations

import uuid
from datetime import datetime

from flask import (Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from channels import InboundAttachment
from channels.webform import FormSubmission, sniff_media_type, to_payload
from helpdesk import intake, jobs
from helpdesk.auth import STAFF
from helpdesk.extensions import db
from helpdesk.forms import ContactForm
from helpdesk.models import Category, RawContact, Ticket
from helpdesk.models.types import utcnow
from helpdesk.opening_hours import opening_hours
from helpdesk.reports.services import quiet_hours_text
from helpdesk.services.calendars import get_calendar, is_public
from helpdesk.sla.clocks import promised_first_response
from schedules import CalendarError, ics

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return redirect(url_for("public.contact"))


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
        return redirect(url_for("public.contact_sent"))
    return render_template("public/contact.html", form=form, quiet_hours=quiet_hours_text(),
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
        return redirect(url_for("public.contact"))
    ticket = db.session.get(Ticket, sent["id"]) if sent.get("id") else None
    promised = None
    if ticket is None and sent.get("id"):  # a worker has yet to open it: the channel's promise
        promised = promised_first_response("webform", datetime.fromisoformat(sent["received_at"]))
    return render_template("public/contact_sent.html", ticket=ticket, promised=promised,
                           number=Ticket.number_of(sent["id"]) if sent.get("id") else None)


@bp.get("/calendars/<name>.ics")
def calendar_ics(name: str):
    """A calendar's special days as iCalendar: public calendars for everyone, shift calendars for staff."""
    if not (is_public(name) or getattr(current_user, "role", None) in STAFF):
        abort(404)
    try:
        calendar = get_calendar(name)
    except CalendarError:
        abort(404)
    this_year = utcnow().year
    year = request.args.get("year")
    if year is None:
        years = [this_year, this_year + 1]
    elif year.isdigit() and 2020 <= int(year) <= this_year + 10:
        years = [int(year)]
    else:
        return f"year must be a number from 2020 to {this_year + 10}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    response = make_response(ics.export(calendar, years, str(get_locale())))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response


@bp.get("/healthz")
def healthz():
    state = {"database": "ok"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: this is what the load balancer asks
        state["database"] = f"error: {type(exc).__name__}"
        healthy = False
    if current_app.config.get("REDIS_URL"):
        from helpdesk.jobs import redis_connection

        try:
            redis_connection().ping()
            state["redis"] = "ok"
        except Exception as exc:
            state["redis"] = f"error: {type(exc).__name__}"
            healthy = False
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if healthy else 503
