"""The customer zone (/portal/...): private status links, logging in, my requests, my details,
security; and the staff side (the customer's page, the zone settings).

A zone session is a random id in its own cookie (path /portal), looked up in
portal_sessions: it has nothing to do with the staff session of Flask-Login, so neither
kind of login opens the other's pages.
"""
from __future__ import annotations

import uuid
from functools import wraps

import segno
from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.core import jobs, storage
from helpdesk.core.extensions import db, limiter
from helpdesk.intake.forms import uploaded_attachments
from helpdesk.intake.views import contact_form
from helpdesk.mail.services.outbound import expected_answer_by, format_due
from helpdesk.models import Customer, Ticket
from helpdesk.models.types import utcnow
from helpdesk.portal import jobs as portal_jobs
from helpdesk.portal import services
from helpdesk.portal.forms import (NOTIFY_LABELS, ActionForm, ChangePasswordForm, CodeForm, ConfirmTotpForm,
                                   DisableTotpForm, EmailForm, ForgotForm, LoginForm, NewPasswordForm, NotifyForm,
                                   PhoneForm, RegisterForm, ReplyForm, RequireTotpForm)
from helpdesk.tickets.services import visible_tickets
from helpdesk.web.auth import LEADS, STAFF, roles_required, safe_next

bp = Blueprint("portal", __name__)

COOKIE = "kontakt_zone"
ERRORS = {
    "too-short": _l("The password is too short: use at least %(n)d characters."),
    "too-common": _l("This password is too common or too easy to guess: choose another."),
    "link-invalid": _l("This link is no longer valid. It may have been used already or have expired."),
    "account-exists": _l("You already have an account: log in, or reset your password."),
    "wrong-password": _l("The current password is wrong."),
    "wrong-code": _l("This code is not right. Check the time on your phone and try the next code."),
    "wrong-password-or-code": _l("The password or the code is wrong."),
    "totp-required": _l("Two-step verification is required for every customer and cannot be turned off."),
    "totp-already-on": _l("Two-step verification is already on."),
    "totp-off": _l("Two-step verification is off."),
    "address-taken": _l("This address cannot be used for your account."),
    "bad-phone": _l("Enter a phone number such as 660 600 700 or +48 22 206 21 21."),
    "phone-taken": _l("This number cannot be added."),
    "closed-for-replies": _l("This request is closed. Please send a new request."),
    "cannot-reopen": _l("This request can no longer be reopened. Please send a new request."),
}
EVENT_LABELS = {
    "account-created": _l("account created"), "login": _l("logged in"), "login-failed": _l("failed login"),
    "locked": _l("locked after failed logins"), "unlocked": _l("unlocked by customer service"),
    "reset-requested": _l("password reset requested"), "password-reset": _l("password reset"),
    "password-changed": _l("password changed"), "totp-enabled": _l("two-step verification turned on"),
    "totp-disabled": _l("two-step verification turned off"), "totp-passed": _l("second step passed"),
    "totp-failed": _l("wrong second-step code"), "recovery-code-used": _l("recovery code used"),
    "recovery-codes-renewed": _l("new recovery codes"), "logout-everywhere": _l("logged out everywhere"),
    "email-changed": _l("e-mail address changed"),
}


def _error(key: str) -> str:
    message = ERRORS.get(key)
    if message is None:
        return _("The change could not be made.")
    return str(message) % {"n": current_app.config["PORTAL_PASSWORD_MIN_LENGTH"]} if "%(n)d" in str(
        message) else str(message)


def _client() -> services.Client:
    return services.Client(ip=request.remote_addr or "", user_agent=request.headers.get("User-Agent", ""))


def _secure_cookie() -> bool:
    config = current_app.config
    return bool(config["PORTAL_COOKIE_SECURE"]) and not config.get("KONTAKT_DEMO")


def _set_session_cookie(response, token: str):
    response.set_cookie(COOKIE, token, path="/portal", httponly=True, samesite="Lax", secure=_secure_cookie())
    return response


def _forget_cookie(response):
    response.delete_cookie(COOKIE, path="/portal", httponly=True, samesite="Lax", secure=_secure_cookie())
    return response


# --- the zone session ------------------------------------------------------------------


@bp.before_request
def load_zone_session():
    g.zone = services.session_for(request.cookies.get(COOKIE))
    g.account = g.zone.account if g.zone is not None else None


@bp.after_request
def private_pages(response):
    # Tokens live in some of these URLs: never sent on as a Referer, never kept by a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    if request.cookies.get(COOKIE) and g.get("zone") is None and not g.get("zone_started"):
        _forget_cookie(response)
    return response


@bp.errorhandler(429)
def too_many(error):
    return render_template("portal/message.html", title=_("Too many attempts"), text=_(
        "There have been too many attempts from your network. Please wait a few minutes and try again.")), 429


def zone_login_required(view):
    """Only a zone session that has passed every step (else to the login or the next step)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.zone is None:
            return redirect(url_for("portal.login", next=request.path))
        if g.zone.stage == "totp":
            return redirect(url_for("portal.second_step"))
        if g.zone.stage == "enrol" and request.endpoint not in ("portal.totp_setup", "portal.logout"):
            return redirect(url_for("portal.totp_setup"))
        return view(*args, **kwargs)

    return wrapped


def _minutes_left(until) -> int:
    """Whole minutes (rounded up) until the instant, at least one."""
    return max(1, -int(-(until - utcnow()).total_seconds() // 60))


def _failed_attempt(response) -> bool:
    return bool(g.get("portal_failed"))


_ip_limit = limiter.limit(lambda: current_app.config["PORTAL_LOGIN_IP_LIMIT"], methods=["POST"],
                          deduct_when=_failed_attempt, scope="portal-login")
_mail_limit = limiter.limit("10 per hour", methods=["POST"], scope="portal-mail")


# --- logging in ------------------------------------------------------------------------


@bp.route("/portal/login", methods=["GET", "POST"])
@_ip_limit
def login():
    if g.zone is not None and g.zone.stage == "full":
        return redirect(url_for("portal.requests"))
    form = LoginForm()
    locked_minutes = None
    if form.validate_on_submit():
        result = services.login(form.login.data, form.password.data, _client())
        if result.status == "ok":
            if g.zone is not None:
                services.end_session(g.zone)
            session.pop("csrf_token", None)  # a fresh CSRF secret with the fresh session
            g.zone_started = True
            target = (url_for("portal.second_step") if result.stage == "totp" else
                      url_for("portal.totp_setup") if result.stage == "enrol" else
                      safe_next(request.args.get("next"), within="/portal/") or url_for("portal.requests"))
            return _set_session_cookie(redirect(target, 303), result.session_token)
        g.portal_failed = True
        if result.status == "locked":
            if result.lock_started:
                jobs.enqueue(portal_jobs.lockout_notice, result.account_id, result.locked_until.isoformat())
            locked_minutes = _minutes_left(result.locked_until)
        else:
            flash(_("Wrong customer number, e-mail address or password."), "error")
    elif request.method == "POST":
        g.portal_failed = True
    return render_template("portal/login.html", form=form, locked_minutes=locked_minutes), (
        401 if g.get("portal_failed") else 200)


@bp.route("/portal/login/code", methods=["GET", "POST"])
@_ip_limit
def second_step():
    if g.zone is None or g.zone.stage != "totp":
        return redirect(url_for("portal.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = services.second_step(g.zone, form.code.data, _client())
        if result.status == "ok":
            return redirect(url_for("portal.requests"), 303)
        g.portal_failed = True
        if result.status == "locked":
            if result.lock_started:
                jobs.enqueue(portal_jobs.lockout_notice, result.account_id, result.locked_until.isoformat())
            response = render_template("portal/login.html", form=LoginForm(formdata=None),
                                       locked_minutes=_minutes_left(result.locked_until))
            return _forget_cookie(make_response(response, 401))
        form.code.errors.append(_error("wrong-code"))
    return render_template("portal/second_step.html", form=form), 401 if g.get("portal_failed") else 200


@bp.post("/portal/logout")
def logout():
    if g.zone is not None:
        services.end_session(g.zone)
    return _forget_cookie(redirect(url_for("portal.login"), 303))


@bp.post("/portal/logout-everywhere")
@zone_login_required
def logout_everywhere():
    if ActionForm().validate_on_submit():
        services.log_out_everywhere(g.account, _client())
        flash(_("You have been logged out on every device."), "ok")
    return _forget_cookie(redirect(url_for("portal.login"), 303))


# --- forgotten passwords, registration, account setup ---------------------------------


@bp.route("/portal/password/forgot", methods=["GET", "POST"])
@_mail_limit
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        # The job decides whether there is an account; the page says the same either way.
        jobs.enqueue(portal_jobs.reset_requested, form.login.data.strip()[:254])
        return render_template("portal/message.html", title=_("Check your inbox"), text=_(
            "If an account matches, we have sent a link to set a new password to its e-mail address. "
            "The link works once, for %(minutes)d minutes.", minutes=current_app.config["PORTAL_RESET_MINUTES"]))
    return render_template("portal/forgot.html", form=form)


@bp.route("/portal/password/reset/<token>", methods=["GET", "POST"])
@_ip_limit
def reset(token: str):
    if services.usable_token(token, "reset") is None:
        g.portal_failed = True
        return render_template("portal/message.html", title=_("Link not valid"), text=_error("link-invalid")), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, _client())
        except services.PortalError as exc:
            form.password.errors.append(_error(str(exc)))
        else:
            flash(_("Your password has been changed. You can log in now."), "ok")
            return _forget_cookie(redirect(url_for("portal.login"), 303))
    return render_template("portal/new_password.html", form=form, title=_("Set a new password")), (
        422 if form.errors else 200)


@bp.route("/portal/register", methods=["GET", "POST"])
@_mail_limit
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        jobs.enqueue(portal_jobs.registration_requested, form.email.data.strip()[:254])
        return render_template("portal/message.html", title=_("Check your inbox"), text=_(
            "If we have requests from this address, we have sent it a link to create your account. "
            "Nothing is shown before the address is confirmed."))
    return render_template("portal/register.html", form=form)


@bp.route("/portal/account/setup/<token>", methods=["GET", "POST"])
@_ip_limit
def setup(token: str):
    row = services.usable_token(token, "setup")
    if row is None:
        g.portal_failed = True
        return render_template("portal/message.html", title=_("Link not valid"), text=_error("link-invalid")), 404
    form = NewPasswordForm()
    customer = db.session.get(Customer, row.customer_id)
    if form.validate_on_submit():
        try:
            account = services.complete_setup(token, form.password.data, _client())
        except services.PortalError as exc:
            form.password.errors.append(_error(str(exc)))
        else:
            flash(_("Your account is ready. Your customer number is %(number)s.",
                    number=account.customer.customer_number), "ok")
            return redirect(url_for("portal.login"), 303)
    return render_template("portal/new_password.html", form=form, title=_("Create your account"),
                           login_email=row.email, customer_number=customer.customer_number), (
        422 if form.errors else 200)


# --- the private status link -----------------------------------------------------------


def _followed(token: str) -> services.StatusLink:
    found = services.follow_status_link(token)
    if found is None:
        abort(404)
    return found


@bp.route("/portal/s/<token>", methods=["GET", "POST"])
def status(token: str):
    found = _followed(token)
    if found.ticket is None:
        return render_template("portal/message.html", title=_("We are registering your request"), text=_(
            "Your request has been received and is being registered. Refresh this page in a moment."))
    ticket = found.ticket
    form = _reply(ticket)
    if form is None:
        return redirect(url_for("portal.status", token=token), 303)
    has_account = ticket.customer_id is not None and services.account_of_customer(ticket.customer_id) is not None
    return render_template("portal/ticket.html", ticket=ticket, form=form, action=ActionForm(),
                           via_link=token, has_account=has_account, **_ticket_context(ticket)), (
        422 if form.errors else 200)


@bp.post("/portal/s/<token>/account")
def status_account(token: str):
    _followed(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = services.setup_from_status_link(token)
    if issued is None:
        flash(_error("account-exists"), "info")
        return redirect(url_for("portal.login"), 303)
    token_id, setup_token, by_mail = issued
    if not by_mail:
        return redirect(url_for("portal.setup", token=setup_token), 303)
    jobs.enqueue(portal_jobs.send_setup_link, token_id, setup_token)
    return render_template("portal/message.html", title=_("Check your inbox"), text=_(
        "We have sent a link to create your account to the e-mail address of this request. "
        "Following it confirms the address."))


@bp.get("/portal/s/<token>/attachments/<int:attachment_id>")
def status_attachment(token: str, attachment_id: int):
    found = _followed(token)
    return _attachment(found.ticket, attachment_id)


def _attachment(ticket: Ticket | None, attachment_id: int):
    attachment = services.attachment_on(ticket, attachment_id) if ticket is not None else None
    if attachment is None:
        abort(404)
    import io

    return send_file(io.BytesIO(storage.load(attachment.sha256)), mimetype=attachment.media_type,
                     as_attachment=True, download_name=attachment.filename)


def _reply(ticket: Ticket) -> ReplyForm | None:
    """The reply box of a request; None once a reply was added (the caller redirects)."""
    form = ReplyForm()
    if not form.submission_id.data:
        form.submission_id.data = uuid.uuid4().hex
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.add_reply(ticket, form.text.data.strip(), uploaded_attachments(form.attachments),
                               form.submission_id.data)
        except services.PortalError as exc:
            flash(_error(str(exc)), "error")
        else:
            flash(_("Your reply has been added to the request."), "ok")
        return None
    return form


def _ticket_context(ticket: Ticket) -> dict:
    locale = str(get_locale())
    waiting = services.waiting_for(ticket)
    return {
        "waiting": waiting,
        "due": format_due(expected_answer_by(ticket), locale) if waiting == "us" else None,
        "question": services.last_public_reply(ticket) if waiting == "you" else None,
        "timeline": services.timeline(ticket),
        "can_reply": services.can_reply(ticket),
        "reopen_days": current_app.config["MAIL_REOPEN_DAYS"],
    }


# --- my requests -----------------------------------------------------------------------


@bp.get("/portal/")
def index():
    return redirect(url_for("portal.requests"))


@bp.get("/portal/requests")
@zone_login_required
def requests():
    tickets = services.my_tickets(g.account)
    return render_template("portal/requests.html", tickets=tickets,
                           waiting={t.id: services.waiting_for(t) for t in tickets})


def _mine_or_404(ticket_id: int) -> Ticket:
    ticket = services.my_ticket(g.account, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.route("/portal/requests/<int:ticket_id>", methods=["GET", "POST"])
@zone_login_required
def request_detail(ticket_id: int):
    ticket = _mine_or_404(ticket_id)
    form = _reply(ticket)
    if form is None:
        return redirect(url_for("portal.request_detail", ticket_id=ticket.id), 303)
    return render_template("portal/ticket.html", ticket=ticket, form=form, action=ActionForm(), via_link=None,
                           has_account=True, **_ticket_context(ticket)), 422 if form.errors else 200


@bp.post("/portal/requests/<int:ticket_id>/close")
@zone_login_required
def close(ticket_id: int):
    ticket = _mine_or_404(ticket_id)
    if ActionForm().validate_on_submit():
        services.close_request(ticket)
        flash(_("The request is closed. Thank you."), "ok")
    return redirect(url_for("portal.request_detail", ticket_id=ticket.id), 303)


@bp.post("/portal/requests/<int:ticket_id>/reopen")
@zone_login_required
def reopen(ticket_id: int):
    ticket = _mine_or_404(ticket_id)
    if ActionForm().validate_on_submit():
        try:
            services.reopen_request(ticket)
            flash(_("The request is open again."), "ok")
        except services.PortalError as exc:
            flash(_error(str(exc)), "error")
    return redirect(url_for("portal.request_detail", ticket_id=ticket.id), 303)


@bp.get("/portal/requests/<int:ticket_id>/attachments/<int:attachment_id>")
@zone_login_required
def attachment(ticket_id: int, attachment_id: int):
    return _attachment(_mine_or_404(ticket_id), attachment_id)


@bp.get("/portal/requests/new")
@zone_login_required
def new_request():
    customer = g.account.customer
    form = contact_form(str(get_locale()), name=customer.name, email=g.account.email,
                        phone=customer.phones[0].number if customer.phones else "")
    return render_template("portal/new_request.html", form=form)


# --- my details ------------------------------------------------------------------------


@bp.route("/portal/account", methods=["GET", "POST"])
@zone_login_required
def account():
    account = g.account
    email_form, phone_form, notify_form = EmailForm(prefix="email"), PhoneForm(prefix="phone"), NotifyForm(
        prefix="notify")
    if request.method == "POST":
        try:
            if "email-email" in request.form and email_form.validate_on_submit():
                issued = services.request_email_change(account, email_form.email.data)
                if issued:
                    jobs.enqueue(portal_jobs.send_email_confirmation, *issued)
                flash(_("We have sent a confirmation link to the new address. It takes effect once you follow it."),
                      "ok")
                return redirect(url_for("portal.account"), 303)
            if "phone-number" in request.form and phone_form.validate_on_submit():
                services.add_phone(account, phone_form.number.data)
                flash(_("Phone number added."), "ok")
                return redirect(url_for("portal.account"), 303)
            if "notify-notify" in request.form and notify_form.validate_on_submit():
                services.set_notify(account, notify_form.notify.data)
                flash(_("Your notification settings are saved."), "ok")
                return redirect(url_for("portal.account"), 303)
        except services.PortalError as exc:
            (phone_form.number if str(exc).startswith("phone") or str(exc) == "bad-phone"
             else email_form.email).errors.append(_error(str(exc)))
    notify_form.notify.data = notify_form.notify.data or account.notify
    return render_template("portal/account.html", account=account, email_form=email_form, phone_form=phone_form,
                           notify_form=notify_form, action=ActionForm()), (
        422 if email_form.errors or phone_form.errors or notify_form.errors else 200)


@bp.post("/portal/account/phones/<int:phone_id>/delete")
@zone_login_required
def remove_phone(phone_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_phone(g.account, phone_id)
    except services.PortalError:
        abort(404)
    flash(_("Phone number removed."), "ok")
    return redirect(url_for("portal.account"), 303)


@bp.route("/portal/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    if services.usable_token(token, "email") is None:
        return render_template("portal/message.html", title=_("Link not valid"), text=_error("link-invalid")), 404
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(token, _client())
        except services.PortalError as exc:
            return render_template("portal/message.html", title=_("Address not changed"),
                                   text=_error(str(exc))), 409
        flash(_("Your new e-mail address is confirmed."), "ok")
        return redirect(url_for("portal.account") if g.zone else url_for("portal.login"), 303)
    return render_template("portal/confirm_email.html", form=form)


# --- security --------------------------------------------------------------------------


@bp.route("/portal/security", methods=["GET", "POST"])
@zone_login_required
def security():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(g.account, form.current.data, form.password.data, _client(), g.zone.id)
        except services.PortalError as exc:
            (form.current if str(exc) == "wrong-password" else form.password).errors.append(_error(str(exc)))
        else:
            flash(_("Your password has been changed. Other devices have been logged out."), "ok")
            return redirect(url_for("portal.security"), 303)
    events = services.security_log(g.account)
    return render_template("portal/security.html", account=g.account, form=form, action=ActionForm(),
                           disable_form=DisableTotpForm(prefix="off"), events=events, event_labels=EVENT_LABELS,
                           require_totp=services.settings().require_totp), 422 if form.errors else 200


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


@bp.route("/portal/security/totp", methods=["GET", "POST"])
def totp_setup():
    if g.zone is None:
        return redirect(url_for("portal.login"))
    if g.zone.stage == "totp":
        return redirect(url_for("portal.second_step"))
    account = g.account
    if account.totp_enabled:
        return redirect(url_for("portal.security"))
    form = ConfirmTotpForm()
    if form.validate_on_submit() and account.totp_secret:
        try:
            codes = services.confirm_totp(account, form.code.data, _client())
        except services.PortalError as exc:
            form.code.errors.append(_error(str(exc)))
        else:
            if g.zone.stage == "enrol":
                services.enrolled(g.zone)
            return render_template("portal/recovery_codes.html", codes=codes)
    if request.method == "GET" or not account.totp_secret:
        uri = services.begin_totp(account)
    else:
        uri = services.totp_uri(account)
    return render_template("portal/totp_setup.html", form=form, qr=_qr_data_uri(uri), secret=services.totp_key(account),
                           required=g.zone.stage == "enrol"), 422 if form.errors else 200


@bp.post("/portal/security/totp/disable")
@zone_login_required
def totp_disable():
    form = DisableTotpForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable_totp(g.account, form.password.data, form.code.data, _client())
            flash(_("Two-step verification is off."), "ok")
        except services.PortalError as exc:
            flash(_error(str(exc)), "error")
    return redirect(url_for("portal.security"), 303)


@bp.post("/portal/security/recovery-codes")
@zone_login_required
def recovery_codes():
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        codes = services.renew_recovery_codes(g.account, _client())
    except services.PortalError as exc:
        flash(_error(str(exc)), "error")
        return redirect(url_for("portal.security"), 303)
    return render_template("portal/recovery_codes.html", codes=codes)


# --- staff: the customer's page and the zone settings ---------------------------------


@bp.get("/agent/customers/<int:customer_id>")
@roles_required(*STAFF)
def staff_customer(customer_id: int):
    customer, tickets = _visible_customer(customer_id)
    account = services.account_of_customer(customer.id)
    return render_template("portal/staff_customer.html", customer=customer, tickets=tickets, account=account,
                           locked_until=services.lock_state(account) if account else None,
                           links=[(link, Ticket.number_of(link.ticket_id) if link.ticket_id else None)
                                  for link in services.status_links_of(customer.id)], action=ActionForm())


def _visible_customer(customer_id: int) -> tuple[Customer, list[Ticket]]:
    """The customer and the tickets of theirs this member of staff may see; 404 for an agent
    who may see none of them (no hint that the customer exists)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    tickets = db.session.scalars(visible_tickets(current_user).where(Ticket.customer_id == customer.id)
                                 .order_by(Ticket.created_at.desc()).limit(100)).all()
    if not tickets and not current_user.has_role(*LEADS):
        abort(404)
    return customer, tickets


def _staff_customer_or_404(customer_id: int) -> Customer:
    return _visible_customer(customer_id)[0]


@bp.post("/agent/customers/<int:customer_id>/portal/unlock")
@roles_required(*STAFF)
def staff_unlock(customer_id: int):
    _staff_customer_or_404(customer_id)
    account = services.account_of_customer(customer_id)
    if account is None or not ActionForm().validate_on_submit():
        abort(400)
    services.unlock(account.id, current_user)
    flash(_("The customer's zone account is unlocked."), "ok")
    return redirect(url_for("portal.staff_customer", customer_id=customer_id), 303)


@bp.post("/agent/customers/<int:customer_id>/portal/invite")
@roles_required(*STAFF)
def staff_invite(customer_id: int):
    customer = _staff_customer_or_404(customer_id)
    if not ActionForm().validate_on_submit() or not customer.primary_email:
        abort(400)
    issued = services.issue_setup(customer, customer.primary_email, current_user)
    if issued is None:
        flash(_("The customer already has a zone account."), "info")
    else:
        jobs.enqueue(portal_jobs.send_setup_link, *issued)
        flash(_("The invitation has been sent to %(address)s.", address=customer.primary_email), "ok")
    return redirect(url_for("portal.staff_customer", customer_id=customer_id), 303)


@bp.post("/agent/customers/<int:customer_id>/portal/links/<int:link_id>/revoke")
@roles_required(*STAFF)
def staff_revoke_link(customer_id: int, link_id: int):
    _staff_customer_or_404(customer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_status_link(customer_id, link_id, current_user)
    except services.PortalError:
        abort(404)
    flash(_("The private link no longer works."), "ok")
    return redirect(url_for("portal.staff_customer", customer_id=customer_id), 303)


@bp.route("/admin/portal", methods=["GET", "POST"])
@roles_required("manager", "admin")
def staff_settings():
    form = RequireTotpForm()
    if form.validate_on_submit():
        services.set_require_totp(bool(form.require_totp.data), current_user)
        flash(_("Customer zone settings saved."), "ok")
        return redirect(url_for("portal.staff_settings"), 303)
    form.require_totp.data = services.settings().require_totp
    db.session.commit()
    return render_template("portal/staff_settings.html", form=form)


@bp.app_template_filter("portal_notify_label")
def notify_label(value: str) -> str:
    return str(NOTIFY_LABELS.get(value, value))
