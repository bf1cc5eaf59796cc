"""SLA screens (policies in admin, notifications in the workspace) and the template helpers."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DecimalField, IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, NumberRange, Optional

from helpdesk.web.auth import STAFF, roles_required
from helpdesk.calendars.services import get_calendar
from helpdesk.core.extensions import db
from helpdesk.models.core import PRIORITIES, STATUSES
from helpdesk.models.sla import Notification, SlaClock, SlaPolicy
from helpdesk.sla.services import clocks
from helpdesk.sla.services import recalc
from helpdesk.sla.services.policies import PAUSE_FORBIDDEN, PolicyError, create_policy, draft, update_policy
from helpdesk.web.forms import KontaktForm
from helpdesk.web.helpers import format_due, PRIORITY_LABELS, STATUS_LABELS, label_of, localtime, overdue_for

bp = Blueprint("sla", __name__)

ESCALATION_LABELS = {"notify_lead": _l("Notify the team lead"), "raise_priority": _l("Raise the priority"),
                     "return_to_queue": _l("Return the ticket to the team queue (unless pinned)")}
STATE_LABELS = {"running": _l("running"), "paused": _l("paused"), "met": _l("met"), "breached": _l("breached")}
ACTION_LABELS = {"start": _l("started"), "pause": _l("paused"), "resume": _l("resumed"), "stop": _l("stopped"),
                 "retarget": _l("target changed"), "warning": _l("warning"), "breach": _l("breached"),
                 "recalculate": _l("recalculated")}
# The reasons the SLA history stores (in English, the audit trail's words), as staff read them.
REASON_LABELS = [(re.compile(pattern), label) for pattern, label in [
    (r"ticket opened: channel default", _l("ticket opened: the channel's default policy")),
    (r"routed", _l("routed")),
    (r"public reply", _l("public reply to the customer")),
    (r"customer message", _l("message from the customer")),
    (r"status (?P<status>\w+)", _l("status: %(status)s")),
    (r"reopened, status (?P<status>\w+)", _l("reopened, status: %(status)s")),
    (r"priority (?P<priority>\w+)", _l("priority: %(priority)s")),
    (r"found overdue at (?P<action>\w+)", _l("found overdue when %(action)s")),
    (r"due at (?P<due>\S+)", _l("deadline was %(due)s")),
    (r"(?P<percent>\d+)% of the target", _l("%(percent)s%% of the target")),
    (r"calendar (?P<name>.+) changed", _l("calendar %(name)s changed")),
    (r"policy (?P<name>.+) changed", _l("policy %(name)s changed")),
]]
_REASON_VALUE_LABELS = {"status": STATUS_LABELS, "priority": PRIORITY_LABELS, "action": ACTION_LABELS}


def reason_label(reason: str | None) -> str:
    """A stored SLA history reason in the page's language (an unknown one as stored)."""
    for pattern, label in REASON_LABELS:
        found = pattern.fullmatch(reason or "")
        if found:
            values = {key: label_of(_REASON_VALUE_LABELS[key], value) if key in _REASON_VALUE_LABELS else value
                      for key, value in found.groupdict().items()}
            if "due" in values:
                values["due"] = localtime(datetime.fromisoformat(values["due"]))
            return str(label) % values if values else str(label)
    return reason or ""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PolicyForm(KontaktForm):
    title = StringField(_l("Name shown to staff"))
    calendar_name = StringField(_l("Calendar"), validators=[DataRequired()])
    first_response_hours = DecimalField(_l("First response (working hours)"), places=2,
                                        validators=[Optional(), NumberRange(min=0.02)])
    next_response_hours = DecimalField(_l("Next response (working hours)"), places=2,
                                       validators=[Optional(), NumberRange(min=0.02)])
    resolution_urgent = DecimalField(_l("Resolution, urgent (working hours)"), places=2,
                                     validators=[Optional(), NumberRange(min=0.02)])
    resolution_high = DecimalField(_l("Resolution, high (working hours)"), places=2,
                                   validators=[Optional(), NumberRange(min=0.02)])
    resolution_normal = DecimalField(_l("Resolution, normal (working hours)"), places=2,
                                     validators=[Optional(), NumberRange(min=0.02)])
    resolution_low = DecimalField(_l("Resolution, low (working hours)"), places=2,
                                  validators=[Optional(), NumberRange(min=0.02)])
    pause_statuses = MultiCheckboxField(_l("Statuses that pause the clocks"))
    warn_percent = IntegerField(_l("Warn at (percentage of the target)"),
                                validators=[DataRequired(), NumberRange(1, 99)])
    escalation = MultiCheckboxField(_l("On a breach"))

    def fields(self) -> dict:
        def minutes(value):
            return None if value is None else int(round(value * 60))

        return {
            "title": self.title.data, "calendar_name": (self.calendar_name.data or "").strip(),
            "first_response_minutes": minutes(self.first_response_hours.data),
            "next_response_minutes": minutes(self.next_response_hours.data),
            "resolution_minutes": {p: minutes(getattr(self, f"resolution_{p}").data) for p in PRIORITIES
                                   if getattr(self, f"resolution_{p}").data is not None},
            "pause_statuses": self.pause_statuses.data, "warn_percent": self.warn_percent.data,
            "escalation": self.escalation.data,
        }

    def fill(self, policy: SlaPolicy) -> None:
        def hours(minutes):
            return None if minutes is None else round(minutes / 60, 2)

        self.title.data, self.calendar_name.data = policy.title, policy.calendar_name
        self.first_response_hours.data = hours(policy.first_response_minutes)
        self.next_response_hours.data = hours(policy.next_response_minutes)
        for p in PRIORITIES:
            getattr(self, f"resolution_{p}").data = hours((policy.resolution_minutes or {}).get(p))
        self.pause_statuses.data = list(policy.pause_statuses)
        self.warn_percent.data = policy.warn_percent
        self.escalation.data = list(policy.escalation)


@bp.route("/agent/notifications", methods=["GET", "POST"])
@roles_required(*STAFF)
def notifications():
    form = KontaktForm()
    if request.method == "POST" and form.validate_on_submit():
        db.session.execute(db.update(Notification).where(Notification.user_id == current_user.id,
                                                         Notification.read_at.is_(None))
                           .values(read_at=clocks.now()))
        db.session.commit()
        return redirect(url_for("sla.notifications"))
    items = db.session.scalars(db.select(Notification).filter_by(user_id=current_user.id)
                               .order_by(Notification.id.desc()).limit(100)).all()
    return render_template("agent/notifications.html", notifications=items, form=form)


class NewPolicyForm(KontaktForm):
    name = StringField(_l("New policy name"), validators=[DataRequired()])


@bp.route("/admin/sla/", methods=["GET", "POST"])
@roles_required("admin")
def policies():
    form = NewPolicyForm()
    if form.validate_on_submit():
        try:
            created = create_policy(current_user, form.name.data)
            return redirect(url_for("sla.policy", name=created.name))
        except PolicyError as exc:
            db.session.rollback()
            flash(_("The policy could not be saved: %(problem)s", problem=str(exc)), "error")
    rows = db.session.scalars(db.select(SlaPolicy).order_by(SlaPolicy.name)).all()
    return render_template("admin/sla_policies.html", policies=rows, form=form)


@bp.route("/admin/sla/<name>", methods=["GET", "POST"])
@roles_required("admin")
def policy(name: str):
    row = db.session.scalar(db.select(SlaPolicy).filter_by(name=name))
    if row is None:
        abort(404)
    form = PolicyForm()
    form.pause_statuses.choices = [(s, str(STATUS_LABELS[s])) for s in STATUSES if s not in PAUSE_FORBIDDEN]
    form.escalation.choices = [(k, str(v)) for k, v in ESCALATION_LABELS.items()]
    preview = None
    if request.method == "GET":
        form.fill(row)
    elif form.validate_on_submit():
        try:
            if "apply" in request.form:
                update_policy(current_user, name, form.fields())
                flash(_("Policy saved; open tickets are being recalculated."), "ok")
                return redirect(url_for("sla.policy", name=name))
            preview = recalc.plan(clocks.now(), policies={name: draft(name, form.fields())})
        except PolicyError as exc:
            db.session.rollback()
            flash(_("The policy could not be saved: %(problem)s", problem=str(exc)), "error")
    return render_template("admin/sla_policy.html", policy=row, form=form, preview=preview)


# --- template helpers --------------------------------------------------------------

def working_time(seconds: float) -> str:
    """A working-time amount such as "3 h 05 min" (negative: overdue, shown with a minus)."""
    sign = "−" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"


def sla_summaries(tickets) -> dict[int, dict]:
    """Per ticket of a queue: its nearest deadline as remaining working time, with a css state."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    at = clocks.now()
    by_ticket: dict[int, list[SlaClock]] = {}
    for row in db.session.scalars(db.select(SlaClock).where(SlaClock.ticket_id.in_(ids), SlaClock.stopped.is_(False))):
        by_ticket.setdefault(row.ticket_id, []).append(row)
    result = {}
    for ticket_id, rows in by_ticket.items():
        running = [r for r in rows if r.running_since is not None and r.due_at is not None]
        if not running:
            result[ticket_id] = {"state": "paused", "text": str(STATE_LABELS["paused"])}
            continue
        nearest = min(running, key=lambda r: r.due_at)
        left = get_calendar(nearest.calendar_name).elapsed(at, nearest.due_at)
        if nearest.breached_at or left <= timedelta(0):
            state = "breached"
        elif nearest.warned_at or (nearest.warn_at and nearest.warn_at <= at):
            state = "warning"
        else:
            state = "ok"
        # Ahead: the working time left. Past: clock time since the deadline, which reads the same
        # next to tickets on other calendars (a negative working-time figure would not).
        text = working_time(left.total_seconds()) if at < nearest.due_at else overdue_for(at - nearest.due_at)
        result[ticket_id] = {"state": state, "text": text,
                             "clock": str(clocks.CLOCK_LABELS[nearest.name]), "due_at": nearest.due_at}
    return result


def policy_title(name: str) -> str:
    """The name staff read for an SLA policy: its title, else its short name."""
    title = db.session.scalar(db.select(SlaPolicy.title).filter_by(name=name))
    return title or name


def answer_by(due: datetime) -> str:
    """The promise as the acknowledgement e-mail words it: "do wtorku, 9 grudnia 2026, 14:30"."""
    return format_due(due, str(get_locale()))
