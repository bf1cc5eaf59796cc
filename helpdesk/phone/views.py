"""Phone screens: callbacks, the call log, the caller on the agent's screen, logging calls; admin screens."""
from __future__ import annotations

import json
import time
from datetime import datetime, time as clock, timedelta
from zoneinfo import ZoneInfo

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from channels.identity import normalise_phone
from channels.phone import OUTCOMES, display_number
from helpdesk.tickets.services import TimelineEntry
from helpdesk.web.auth import STAFF, roles_required
from helpdesk.core.extensions import db
from helpdesk.models import Category, Team, Ticket, User
from helpdesk.models.phone import AgentPhone, BlockedNumber, Call, Pbx, PhoneEvent, PhoneLine
from helpdesk.phone import services
from helpdesk.phone.forms import (AgentPhoneForm, AttemptForm, BlockForm, CallFilterForm, LineForm, LogCallForm,
                                  ManualCallForm, PbxForm, PbxSettingsForm)
from helpdesk.phone.labels import ATTEMPT_LABELS, DIRECTION_LABELS, OUTCOME_LABELS, STATE_LABELS
from helpdesk.calendars.services import list_calendars
from helpdesk.tickets.views import visible_ticket_or_404
from helpdesk.web.helpers import label_of

bp = Blueprint("phone", __name__)
WARSAW = ZoneInfo("Europe/Warsaw")
STREAM_SECONDS = 25  # one server-sent events connection; the browser reconnects after it
NEW_TICKET = "new"


def _categories() -> list[tuple[str, str]]:
    locale = str(get_locale())
    return [("", "—")] + [(c.slug, c.name(locale)) for c in
                          db.session.scalars(db.select(Category).filter_by(active=True).order_by(Category.id))]


def _require_csrf() -> None:
    """A button-only form (no fields but the CSRF token): 400 unless the token is right."""
    if not FlaskForm().validate_on_submit():
        abort(400)


def _or_404(service, *args, **kwargs):
    """A service's result; 404 when it says there is no such thing (PhoneError)."""
    try:
        return service(*args, **kwargs)
    except services.PhoneError:
        abort(404)


def _call_or_404(call_pk: int) -> Call:
    return _or_404(services.own_call, call_pk, current_user)


# --- the agent's screens -------------------------------------------------------------------

@bp.get("/agent/phone/callbacks")
@roles_required(*STAFF)
def callbacks():
    return render_template("phone/callbacks.html", rows=services.callbacks_due(current_user))


@bp.get("/agent/phone/calls")
@roles_required(*STAFF)
def call_log():
    form = CallFilterForm(request.args)
    lines = db.session.scalars(db.select(PhoneLine).order_by(PhoneLine.id)).all()
    form.line.choices = [("", "—")] + [(str(line.id), line.name) for line in lines]
    form.outcome.choices = [("", "—")] + [(o, str(OUTCOME_LABELS[o])) for o in OUTCOMES]
    rows, valid = [], form.validate()
    if valid:
        since = datetime.combine(form.since.data, clock(), WARSAW) if form.since.data else None
        until = datetime.combine(form.until.data + timedelta(days=1), clock(), WARSAW) if form.until.data else None
        filters = services.CallFilter(
            since=since, until=until, line_id=int(form.line.data) if form.line.data else None,
            outcome=form.outcome.data or None, direction=form.direction.data or None,
            number=normalise_phone(form.number.data) if form.number.data else None,
            agent_id=current_user.id if current_user.has_role("agent") else None)
        page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
        rows = services.call_log(filters, limit=100, offset=(page - 1) * 100)
    return render_template("phone/calls.html", form=form, calls=rows), (200 if valid else 400)


@bp.route("/agent/phone/calls/<int:call_pk>", methods=["GET", "POST"])
@roles_required(*STAFF)
def call(call_pk: int):
    item = _call_or_404(call_pk)
    card = services.caller_card(item, current_user)
    form = LogCallForm()
    form.ticket.choices = [(NEW_TICKET, _("A new ticket"))] + [
        (str(t.id), f"{t.number} {t.subject}") for t in card.open_tickets]
    form.category.choices = _categories()
    if form.validate_on_submit():
        try:
            ticket = services.log_call(item.id, current_user,
                                       ticket_id=None if form.ticket.data == NEW_TICKET else int(form.ticket.data),
                                       notes=form.notes.data, category=form.category.data or None)
        except services.PhoneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Call logged on %(number)s.", number=ticket.number), "ok")
            return redirect(url_for("tickets.ticket", ticket_id=ticket.id))
    return render_template("phone/call.html", card=card, form=form), (422 if form.errors else 200)


@bp.post("/agent/phone/calls/<int:call_pk>/dismiss")
@roles_required(*STAFF)
def dismiss(call_pk: int):
    _require_csrf()
    _call_or_404(call_pk)
    services.dismiss(call_pk, current_user)
    flash(_("The call is off your list."), "ok")
    return redirect(request.referrer if _local(request.referrer) else url_for("phone.unlogged"))


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.get("/agent/phone/unlogged")
@roles_required(*STAFF)
def unlogged():
    return render_template("phone/unlogged.html", calls=services.unlogged_for(current_user), form=FlaskForm())


@bp.get("/agent/phone/now")
@roles_required(*STAFF)
def now():
    """The caller panel (an HTML fragment the workspace script puts on the page; polling fallback too)."""
    ringing = [services.caller_card(c, current_user) for c in services.ringing_for(current_user)]
    return render_template("phone/_now.html", ringing=ringing, unlogged=len(services.unlogged_for(current_user)))


def _snapshot(user: User) -> str:
    calls = services.ringing_for(user)
    unlogged = services.unlogged_for(user)
    return json.dumps({"ringing": [[c.id, c.state] for c in calls], "unlogged": len(unlogged)})


@bp.get("/agent/phone/snapshot")
@roles_required(*STAFF)
def snapshot():
    """What the panel shows, in short (the polling script fetches the panel when it changes)."""
    return Response(_snapshot(current_user), mimetype="application/json", headers={"Cache-Control": "no-store"})


@bp.get("/agent/phone/stream")
@roles_required(*STAFF)
def stream():
    """Server-sent events: a "calls" event whenever the agent's ringing calls or calls to log
    change. Each connection lasts STREAM_SECONDS; EventSource reconnects on its own."""
    user_id = current_user.id
    app = current_app._get_current_object()
    interval = app.config.get("PHONE_STREAM_POLL_SECONDS", 1.0)

    def events():
        last = None
        yield "retry: 1000\n\n"
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            with app.app_context():
                user = db.session.get(User, user_id)
                snapshot = _snapshot(user)
                db.session.remove()
            if snapshot != last:
                last = snapshot
                yield f"event: calls\ndata: {snapshot}\n\n"
            time.sleep(interval)

    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.route("/agent/phone/log", methods=["GET", "POST"])
@roles_required(*STAFF)
def log_manual():
    form = ManualCallForm()
    form.category.choices = _categories()
    if request.method == "GET":
        form.started_at.data = datetime.now(WARSAW).replace(second=0, microsecond=0, tzinfo=None)
        form.number.data = request.args.get("number", "")
    if form.validate_on_submit():
        ticket_id = None
        if form.ticket.data:
            ticket_id = Ticket.id_from_number(form.ticket.data) or (
                int(form.ticket.data) if form.ticket.data.isdigit() else None)
        try:
            if form.ticket.data and ticket_id is None:
                raise services.PhoneError(_("No such ticket."))
            ticket = services.log_manual_call(
                current_user, number=form.number.data, direction=form.direction.data,
                started_at=form.started_at.data.replace(tzinfo=WARSAW), talk_minutes=form.talk_minutes.data,
                ticket_id=ticket_id, notes=form.notes.data, category=form.category.data or None)
        except services.PhoneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Call logged on %(number)s.", number=ticket.number), "ok")
            return redirect(url_for("tickets.ticket", ticket_id=ticket.id))
    return render_template("phone/log.html", form=form), (422 if request.method == "POST" else 200)


@bp.post("/agent/tickets/<int:ticket_id>/callback-attempt")
@roles_required(*STAFF)
def callback_attempt(ticket_id: int):
    visible_ticket_or_404(ticket_id)
    form = AttemptForm(prefix="attempt")
    if not form.validate_on_submit():
        flash(_("Choose the outcome of the callback."), "error")
    else:
        try:
            services.record_attempt(ticket_id, current_user, form.outcome.data, form.note.data)
        except services.PhoneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Callback attempt recorded."), "ok")
    return redirect(url_for("tickets.ticket", ticket_id=ticket_id))


# --- template helpers ------------------------------------------------------------------------

def phone_ticket(ticket: Ticket) -> dict:
    """What the ticket page shows of the phone: its calls, its callback with the dial link and the form."""
    callback = services.callback_of(ticket.id)
    dial = None
    if callback is not None:
        dial = services.dial_url(callback.number, current_user, callback.line)
    return {"calls": services.calls_of_ticket(ticket.id), "callback": callback, "dial": dial,
            "attempt_form": AttemptForm(prefix="attempt") if callback is not None else None}


def calls_in_timeline(ticket: Ticket, **_) -> list[TimelineEntry]:
    """The ticket's calls for its conversation, among the messages in time order."""
    return [TimelineEntry(call.offered_at, "phone/_call_entry.html", call)
            for call in services.calls_of_ticket(ticket.id) if call.offered_at is not None]


def template_helpers() -> dict:
    return {"phone_ticket": phone_ticket, "OUTCOME_LABELS": OUTCOME_LABELS, "CALL_STATE_LABELS": STATE_LABELS,
            "DIRECTION_LABELS": DIRECTION_LABELS, "ATTEMPT_LABELS": ATTEMPT_LABELS}


def outcome_label(value: str | None) -> str:
    return label_of(OUTCOME_LABELS, value) if value else "—"


# --- administration ------------------------------------------------------------------------------

@bp.get("/admin/phone/lines")
@roles_required("admin")
def lines():
    rows = db.session.scalars(db.select(PhoneLine).order_by(PhoneLine.id)).all()
    return render_template("phone/admin/lines.html", lines=rows)


@bp.route("/admin/phone/lines/new", methods=["GET", "POST"], defaults={"line_id": None})
@bp.route("/admin/phone/lines/<int:line_id>", methods=["GET", "POST"])
@roles_required("admin")
def line(line_id: int | None):
    item = db.session.get(PhoneLine, line_id) if line_id else None
    if line_id and item is None:
        abort(404)
    form = LineForm(obj=item if request.method == "GET" else None)
    form.team.choices = [("", "—")] + [(t.slug, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.id))]
    form.calendar_name.choices = [(c.name, c.name) for c in list_calendars()]
    if request.method == "GET" and item is not None:
        form.team.data = item.team.slug if item.team else ""
        form.number.data = display_number(item.number)
    if form.validate_on_submit():
        try:
            saved = services.save_line(current_user, line_id, number=form.number.data, name=form.name.data,
                                       team=form.team.data or None, calendar_name=form.calendar_name.data,
                                       short_abandon_seconds=form.short_abandon_seconds.data,
                                       out_of_hours_callbacks=form.out_of_hours_callbacks.data,
                                       click_to_dial_url=form.click_to_dial_url.data or "", active=form.active.data)
        except services.PhoneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Line %(name)s saved.", name=saved.name), "ok")
            return redirect(url_for("phone.lines"))
    return render_template("phone/admin/line.html", form=form, line=item), (422 if request.method == "POST" else 200)


@bp.route("/admin/phone/pbxes", methods=["GET", "POST"])
@roles_required("admin")
def pbxes():
    form = PbxForm()
    token = secret = None
    if form.validate_on_submit():
        try:
            pbx, token = services.create_pbx(current_user, form.name.data, require_signature=form.require_signature.data)
        except services.PhoneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            secret = services.signing_secret(services.token_hash(token)).decode()
            form = PbxForm(formdata=None)
    return _pbx_page(form, token, secret)


def _pbx_page(form, token=None, secret=None):
    rows = db.session.scalars(db.select(Pbx).order_by(Pbx.id)).all()
    last = dict(db.session.execute(db.select(PhoneEvent.pbx_id, db.func.max(PhoneEvent.received_at))
                                   .group_by(PhoneEvent.pbx_id)).all())
    settings = {}
    for pbx in rows:
        settings[pbx.id] = PbxSettingsForm(formdata=None, prefix=f"pbx{pbx.id}", obj=pbx)
    return render_template("phone/admin/pbxes.html", pbxes=rows, last=last, form=form, settings=settings,
                           token=token, url=request.host_url.rstrip("/") + services.CTI_PATH + token if token else None,
                           secret=secret, fixed=bool(current_app.config.get("PHONE_WEBHOOK_TOKEN")),
                           action=FlaskForm())


@bp.post("/admin/phone/pbxes/<int:pbx_id>/rotate")
@roles_required("admin")
def rotate(pbx_id: int):
    _require_csrf()
    token = _or_404(services.rotate_token, current_user, pbx_id)
    flash(_("New token issued; the old one no longer works."), "ok")
    return _pbx_page(PbxForm(formdata=None), token, services.signing_secret(services.token_hash(token)).decode())


@bp.post("/admin/phone/pbxes/<int:pbx_id>")
@roles_required("admin")
def pbx_settings(pbx_id: int):
    form = PbxSettingsForm(prefix=f"pbx{pbx_id}")
    if not form.validate_on_submit():
        abort(400)
    _or_404(services.update_pbx, current_user, pbx_id, require_signature=form.require_signature.data,
            active=form.active.data)
    flash(_("PBX saved."), "ok")
    return redirect(url_for("phone.pbxes"))


@bp.get("/admin/phone/dead-letters")
@roles_required("admin")
def dead_letters():
    return render_template("phone/admin/dead_letters.html", events=services.dead_letters(), form=FlaskForm())


@bp.post("/admin/phone/dead-letters/<int:event_id>/replay")
@roles_required("admin")
def replay(event_id: int):
    _require_csrf()
    reason = _or_404(services.replay, event_id, current_user)
    if reason:
        flash(_("Still refused: %(reason)s", reason=reason), "error")
    else:
        flash(_("The event was taken in again."), "ok")
    return redirect(url_for("phone.dead_letters"))


@bp.route("/admin/phone/blocked", methods=["GET", "POST"])
@roles_required("admin")
def blocked():
    form = BlockForm()
    if form.validate_on_submit():
        services.block_number(current_user, form.number.data, form.reason.data)
        flash(_("Number blocked."), "ok")
        return redirect(url_for("phone.blocked"))
    rows = db.session.scalars(db.select(BlockedNumber).order_by(BlockedNumber.number)).all()
    return render_template("phone/admin/blocked.html", form=form, rows=rows, action=FlaskForm()), \
        (422 if form.errors else 200)


@bp.post("/admin/phone/blocked/<int:block_id>/delete")
@roles_required("admin")
def unblock(block_id: int):
    _require_csrf()
    services.unblock_number(current_user, block_id)
    flash(_("Number unblocked."), "ok")
    return redirect(url_for("phone.blocked"))


@bp.route("/admin/phone/agents", methods=["GET", "POST"])
@roles_required("admin")
def agent_phones():
    form = AgentPhoneForm()
    agents = db.session.scalars(db.select(User).filter_by(active=True).order_by(User.name)).all()
    form.agent.choices = [(str(u.id), u.name) for u in agents]
    if form.validate_on_submit():
        try:
            services.set_agent_phone(current_user, int(form.agent.data), extension=form.extension.data or "",
                                     number=form.number.data or "")
        except services.PhoneError as error:
            flash(str(error), "error")
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("phone.agent_phones"))
    phones = {p.user_id: p for p in db.session.scalars(db.select(AgentPhone))}
    return render_template("phone/admin/agents.html", form=form, agents=agents, phones=phones), \
        (422 if form.errors else 200)
