"""The customer zone's service functions: private links, accounts and passwords, logins and
lockout, two-step verification, sessions, the security log, and a customer's own requests.

Secrets (links, reset tokens, session ids) are random or HMAC-derived, never stored: only
their SHA-256 is. Functions that own a transaction commit; receivers (``on_*``) never do.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
from flask import current_app
from sqlalchemy.exc import IntegrityError

from channels import InboundAttachment
from channels.identity import normalise_email, normalise_phone
from channels.webform import FormSubmission, to_contact, to_payload
from helpdesk.web.helpers import public_url
from helpdesk.audit import services as audit
from helpdesk.core.crypto import InvalidToken, seal, unseal
from helpdesk.core.extensions import db, insert_ignoring_conflicts
from helpdesk.intake import services as intake
from helpdesk.mail.services.inbound import reopen_allowed
from helpdesk.mail.services.outbound import goes_by_mail
from helpdesk.models import Attachment, Customer, CustomerEmail, CustomerPhone, Message, RawContact, Ticket, User
from helpdesk.models.portal import (NOTIFY_CHOICES, PortalAccount, PortalLoginThrottle, PortalNotice,
                                    PortalSecurityEvent, PortalSession, PortalSettings, PortalToken)
from helpdesk.models.types import utcnow
from helpdesk.tickets import services as ticket_service
from helpdesk.web.auth import check_password, hash_password, needs_rehash

WARSAW = ZoneInfo("Europe/Warsaw")
PORTAL_SOURCE = "customer-zone"  # the source of raw contacts written in the zone
RECOVERY_CODES = 10
TOTP_PURPOSE = "kontakt customer zone totp keys"
CUSTOMER_NUMBER_BASE = 20_000_000


class PortalError(ValueError):
    """A request the zone refuses; the message is a key the views translate."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _derived(purpose: str) -> str:
    """An unguessable token for ``purpose`` that every retry derives alike (HMAC of SECRET_KEY)."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), f"kontakt-portal:{purpose}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


# --- customer numbers ------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def customer_number_for(customer_id: int) -> str:
    """The number a customer logs in with: nine digits, the last a check digit against typos."""
    body = str(CUSTOMER_NUMBER_BASE + customer_id)
    return body + _luhn_digit(body)


def customer_number(customer: Customer | None) -> str | None:
    """The customer's number, given now if they have none yet (inside the caller's transaction;
    the contact page, the acknowledgement job and account creation commit it). Given when
    first shown, not when intake creates the customer, so intake's busy path writes nothing more."""
    if customer is None or customer.id is None:
        return None
    if not customer.customer_number:
        customer.customer_number = customer_number_for(customer.id)
    return customer.customer_number


# --- private status links --------------------------------------------------------------


def _status_link(purpose: str, **fields) -> str | None:
    """Get or make the status link of ``purpose``; None once it has been revoked."""
    token = _derived(purpose)
    made = db.session.execute(insert_ignoring_conflicts(PortalToken.__table__, "token_hash")
                              .values(kind="status", token_hash=_digest(token), **fields)
                              .returning(PortalToken.id)).first()
    if made is None:  # made before (a reload, a retry of the mail, a concurrent request): revoked since?
        revoked = db.session.scalar(db.select(PortalToken.revoked_at).filter_by(token_hash=_digest(token)))
        if revoked is not None:
            return None
    return token


def status_url(token: str) -> str:
    return public_url("portal.status", token=token)


def status_url_for_contact(raw_id: int | None) -> str | None:
    """The private link shown on the contact form's confirmation page (commits it)."""
    raw = db.session.get(RawContact, raw_id) if raw_id else None
    if raw is None:
        return None
    token = _status_link(f"status:raw:{raw.id}", raw_contact_id=raw.id, ticket_id=raw.ticket_id)
    if raw.ticket_id:
        customer_number(db.session.get(Ticket, raw.ticket_id).customer)
    db.session.commit()
    return status_url(token) if token else None


def status_url_for_mail(ticket: Ticket) -> str | None:
    """The private link in the acknowledgement: the same on every retry of that mail.

    Part of the mail job's transaction (the job commits when it records the attempt)."""
    address = ticket.customer.primary_email if ticket.customer else None
    token = _status_link(f"status:mail:{ticket.id}", ticket_id=ticket.id, email=address,
                         customer_id=ticket.customer_id)
    return status_url(token) if token else None


@dataclass(frozen=True)
class StatusLink:
    link: PortalToken
    ticket: Ticket | None  # None: the contact is stored and its ticket not opened yet


def follow_status_link(token: str) -> StatusLink | None:
    """What a private link shows, or None for an unknown or revoked one."""
    link = db.session.scalar(db.select(PortalToken).filter_by(token_hash=_digest(token or ""), kind="status"))
    if link is None or link.revoked_at is not None:
        return None
    if link.ticket_id is None and link.raw_contact_id is not None:
        raw = db.session.get(RawContact, link.raw_contact_id)
        if raw is not None and raw.ticket_id is not None:
            link.ticket_id = raw.ticket_id
            db.session.commit()
    ticket = db.session.get(Ticket, link.ticket_id) if link.ticket_id else None
    return StatusLink(link, ticket)


def _links_of_customer(customer_id: int):
    """A select of the private links to the customer's tickets, also those made on the
    confirmation page before the ticket was opened (they name the raw contact)."""
    ticket_ids = db.select(Ticket.id).where(Ticket.customer_id == customer_id)
    raw_ids = db.select(RawContact.id).where(RawContact.ticket_id.in_(ticket_ids))
    return db.select(PortalToken).where(PortalToken.kind == "status", PortalToken.ticket_id.in_(ticket_ids)
                                        | PortalToken.raw_contact_id.in_(raw_ids))


def status_links_of(customer_id: int) -> list[PortalToken]:
    """The customer's private links (all of their tickets), newest first, for staff."""
    return db.session.scalars(_links_of_customer(customer_id).order_by(PortalToken.id.desc())).all()


def revoke_status_link(customer_id: int, link_id: int, actor: User) -> None:
    link = db.session.scalar(_links_of_customer(customer_id).where(PortalToken.id == link_id))
    if link is None:
        raise PortalError("no-such-link")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record(actor, "portal-link", link.id, "revoke")
    db.session.commit()


# --- one-time tokens (setup, reset, new address) ----------------------------------------


def _issue(kind: str, lifetime: timedelta, **fields) -> tuple[PortalToken, str]:
    token = secrets.token_urlsafe(32)
    row = PortalToken(kind=kind, token_hash=_digest(token), expires_at=utcnow() + lifetime, **fields)
    db.session.add(row)
    db.session.flush()
    return row, token


def _usable(token: str, kind: str, *, lock: bool = False) -> PortalToken | None:
    query = db.select(PortalToken).filter_by(token_hash=_digest(token or ""), kind=kind)
    if lock:
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None or row.used_at or row.revoked_at or (row.expires_at and row.expires_at <= utcnow()):
        return None
    return row


def usable_token(token: str, kind: str) -> PortalToken | None:
    """The token's row while it can still be used (not used, revoked nor expired)."""
    return _usable(token, kind)


# --- passwords -------------------------------------------------------------------------


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *hints: str) -> str | None:
    """"too-short", "too-common" (a well-known or easily guessed password), or None."""
    from zxcvbn import zxcvbn

    if len(password or "") < current_app.config["PORTAL_PASSWORD_MIN_LENGTH"]:
        return "too-short"
    if password.lower() in _common_passwords():
        return "too-common"
    inputs = [part for hint in hints if hint for part in [hint, *hint.replace("@", " ").split()]]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < 2:
        return "too-common"
    return None


# --- the security log ------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Who is asking: the browser's address and user agent, for the security log."""
    ip: str = ""
    user_agent: str = ""


def log_event(account: PortalAccount, kind: str, client: Client = Client(), **data) -> None:
    """Add an entry to the customer's security log, inside the caller's transaction."""
    db.session.add(PortalSecurityEvent(account_id=account.id, kind=kind, ip=client.ip[:45],
                                       user_agent=client.user_agent[:300], data=data))


def security_log(account: PortalAccount, limit: int = 200) -> list[PortalSecurityEvent]:
    return db.session.scalars(db.select(PortalSecurityEvent).filter_by(account_id=account.id)
                              .order_by(PortalSecurityEvent.id.desc()).limit(limit)).all()


# --- accounts --------------------------------------------------------------------------


def settings() -> PortalSettings:
    """The zone's settings row (made on first use)."""
    row = db.session.get(PortalSettings, 1)
    if row is None:
        row = PortalSettings(id=1, require_totp=False)
        db.session.add(row)
        db.session.flush()
    return row


def set_require_totp(value: bool, actor: User) -> None:
    row = settings()
    if row.require_totp != value:
        row.require_totp, row.updated_at = value, utcnow()
        audit.record(actor, "portal-settings", 1, "update", require_totp=value)
    db.session.commit()


def account_of_customer(customer_id: int) -> PortalAccount | None:
    return db.session.scalar(db.select(PortalAccount).filter_by(customer_id=customer_id))


def _customer_by_address(address: str) -> Customer | None:
    row = db.session.scalar(db.select(CustomerEmail).filter_by(address=normalise_email(address)))
    return row.customer if row else None


def issue_setup(customer: Customer, address: str, actor: User | None = None) -> tuple[int, str] | None:
    """A single-use link creating the zone account for ``address`` (which clicking it confirms).

    (token id, token) for the mail job, or None when the customer already has an account. Commits."""
    address = normalise_email(address)
    if account_of_customer(customer.id) is not None or address not in {e.address for e in customer.emails}:
        db.session.rollback()
        return None
    row, token = _issue("setup", timedelta(hours=current_app.config["PORTAL_SETUP_HOURS"]),
                        customer_id=customer.id, email=address, created_by_user_id=actor.id if actor else None)
    if actor is not None:
        audit.record(actor, "customer", customer.id, "portal-invite", email=address)
    db.session.commit()
    return row.id, token


def setup_from_status_link(token: str) -> tuple[int, str, bool] | None:
    """"Create an account" on a private link: (setup token id, token, whether to mail it).

    A link that came by mail proves the address, so its setup page opens at once; the
    confirmation page's link does not, so the setup link goes to the address by mail."""
    found = follow_status_link(token)
    if found is None or found.ticket is None or found.ticket.customer is None:
        return None
    customer = found.ticket.customer
    address = found.link.email or customer.primary_email
    issued = issue_setup(customer, address) if address else None
    if issued is None:
        return None
    return issued[0], issued[1], found.link.email is None


def register(address: str) -> tuple[int, str] | None:
    """Registration by address (the job side): a setup link only for an address that has
    requests with us and no account yet; the page says the same either way."""
    customer = _customer_by_address(address)
    if customer is None or db.session.scalar(db.select(Ticket.id).filter_by(customer_id=customer.id).limit(1)) is None:
        return None
    return issue_setup(customer, address)


def complete_setup(token: str, password: str, client: Client = Client()) -> PortalAccount:
    """Create the account from a setup link (once); the link's address is the login. Commits."""
    row = _usable(token, "setup", lock=True)
    if row is None:
        raise PortalError("link-invalid")
    customer = db.session.get(Customer, row.customer_id)
    problem = password_problem(password, row.email, customer.customer_number or "", customer.name)
    if problem:
        raise PortalError(problem)
    if account_of_customer(customer.id) is not None or db.session.scalar(
            db.select(PortalAccount).filter_by(email=row.email)) is not None:
        raise PortalError("account-exists")
    customer_number(customer)
    account = PortalAccount(customer_id=customer.id, email=row.email, password_hash=hash_password(password),
                            recovery_codes=[], notify="every")
    db.session.add(account)
    row.used_at = utcnow()
    db.session.flush()
    log_event(account, "account-created", client)
    db.session.commit()
    return account


def create_account(customer: Customer, password: str) -> PortalAccount:
    """An account without the mailed link, for the demo data and test fixtures (no password rules)."""
    customer_number(customer)
    account = PortalAccount(customer_id=customer.id, email=customer.primary_email,
                            password_hash=hash_password(password), recovery_codes=[], notify="every")
    db.session.add(account)
    db.session.commit()
    return account


# --- logging in and the lockout --------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """"ok" (a session was started), "failed" or "locked" (then ``locked_until``)."""
    status: str
    session_token: str | None = None
    stage: str | None = None
    locked_until: datetime | None = None
    lock_started: bool = False  # this failure locked the account: tell its owner
    account_id: int | None = None


def find_account(login: str) -> PortalAccount | None:
    """The account behind a customer number or an e-mail address."""
    login = (login or "").strip()
    if "@" in login:
        return db.session.scalar(db.select(PortalAccount).filter_by(email=normalise_email(login)))
    digits = "".join(ch for ch in login if ch.isdigit())
    if not digits or len(digits) > 32:
        return None
    return db.session.scalar(db.select(PortalAccount).join(Customer, Customer.id == PortalAccount.customer_id)
                             .where(Customer.customer_number == digits))


def _throttle_key(account: PortalAccount | None, login: str) -> str:
    if account is not None:
        return f"account:{account.id}"
    return "login:" + _digest(normalise_email(login))[:48]


def _throttle(key: str) -> PortalLoginThrottle:
    row = db.session.get(PortalLoginThrottle, key, with_for_update=True, populate_existing=True)
    if row is None:
        try:
            with db.session.begin_nested():
                row = PortalLoginThrottle(key=key, failures=0, window_started_at=utcnow())
                db.session.add(row)
        except IntegrityError:
            row = db.session.get(PortalLoginThrottle, key, with_for_update=True, populate_existing=True)
    return row


def lock_state(account: PortalAccount) -> datetime | None:
    """Until when the account is locked, or None."""
    row = db.session.get(PortalLoginThrottle, _throttle_key(account, ""))
    if row is None or row.locked_until is None or row.locked_until <= utcnow():
        return None
    return row.locked_until


def login(login_name: str, password: str, client: Client = Client()) -> LoginResult:
    """Check a login; the same work and the same answers whether or not the account exists.

    PORTAL_LOCKOUT_FAILURES failures within PORTAL_LOCKOUT_WINDOW_MINUTES lock the account
    (or the unknown login name) for PORTAL_LOCKOUT_MINUTES; a success clears the count.
    """
    account = find_account(login_name)
    throttle = _throttle(_throttle_key(account, login_name))
    now = utcnow()
    if throttle.locked_until is not None and throttle.locked_until > now:
        check_password(None, password)  # the same cost as a real try
        db.session.commit()
        return LoginResult("locked", locked_until=throttle.locked_until)
    if check_password(account.password_hash if account else None, password):
        stage = "totp" if account.totp_enabled else ("enrol" if settings().require_totp else "full")
        if stage != "totp":  # with a second step to come, its failures count on
            db.session.delete(throttle)
        if needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.last_login_at = now
        log_event(account, "login", client)
        token = _start_session(account, stage, client)
        db.session.commit()
        return LoginResult("ok", session_token=token, stage=stage, account_id=account.id)
    until = _count_failure(throttle, account, "login-failed", client)
    db.session.commit()
    if until is not None:
        return LoginResult("locked", locked_until=until, lock_started=account is not None,
                           account_id=account.id if account else None)
    return LoginResult("failed")


def _count_failure(throttle: PortalLoginThrottle, account: PortalAccount | None, kind: str,
                   client: Client) -> datetime | None:
    """Count one failed try (a password, or a second-step code) in the caller's transaction;
    until when the login is now locked, when this try locked it."""
    config = current_app.config
    now = utcnow()
    if throttle.window_started_at <= now - timedelta(minutes=config["PORTAL_LOCKOUT_WINDOW_MINUTES"]) or \
            throttle.locked_until is not None:
        throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= config["PORTAL_LOCKOUT_FAILURES"]:
        throttle.locked_until = now + timedelta(minutes=config["PORTAL_LOCKOUT_MINUTES"])
    if account is not None:
        log_event(account, kind, client)
        if throttle.locked_until is not None:
            log_event(account, "locked", client, until=throttle.locked_until.isoformat())
    return throttle.locked_until


def unlock(account_id: int, actor: User) -> None:
    """Staff lift a lockout from the customer's page."""
    account = db.session.get(PortalAccount, account_id)
    if account is None:
        raise PortalError("no-such-account")
    db.session.execute(db.delete(PortalLoginThrottle).filter_by(key=_throttle_key(account, "")))
    log_event(account, "unlocked", by="staff")
    audit.record(actor, "customer", account.customer_id, "portal-unlock")
    db.session.commit()


# --- password reset --------------------------------------------------------------------


def request_reset(login_name: str) -> tuple[int, str] | None:
    """(The job side of "Zapomniałem hasła".) A single-use reset link for the account behind
    the login, replacing earlier unused ones; None when there is no such account."""
    account = find_account(login_name)
    if account is None:
        return None
    now = utcnow()
    db.session.execute(db.update(PortalToken).where(PortalToken.kind == "reset", PortalToken.account_id == account.id,
                                                    PortalToken.used_at.is_(None)).values(revoked_at=now))
    row, token = _issue("reset", timedelta(minutes=current_app.config["PORTAL_RESET_MINUTES"]),
                        account_id=account.id, email=account.email)
    log_event(account, "reset-requested")
    db.session.commit()
    return row.id, token


def reset_password(token: str, password: str, client: Client = Client()) -> PortalAccount:
    """Set a new password from a reset link (once): clears the lockout, ends every session."""
    row = _usable(token, "reset", lock=True)
    if row is None:
        raise PortalError("link-invalid")
    account = db.session.get(PortalAccount, row.account_id)
    problem = password_problem(password, account.email, account.customer.customer_number or "")
    if problem:
        raise PortalError(problem)
    account.password_hash = hash_password(password)
    row.used_at = utcnow()
    db.session.execute(db.delete(PortalLoginThrottle).filter_by(key=_throttle_key(account, "")))
    _end_sessions(account)
    log_event(account, "password-reset", client)
    db.session.commit()
    return account


def change_password(account: PortalAccount, current: str, new: str, client: Client, keep_session_id: int) -> None:
    if not check_password(account.password_hash, current):
        raise PortalError("wrong-password")
    problem = password_problem(new, account.email, account.customer.customer_number or "")
    if problem:
        raise PortalError(problem)
    account.password_hash = hash_password(new)
    _end_sessions(account, keep=keep_session_id)
    log_event(account, "password-changed", client)
    db.session.commit()


# --- sessions --------------------------------------------------------------------------


def _start_session(account: PortalAccount, stage: str, client: Client) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(PortalSession(account_id=account.id, token_hash=_digest(token), stage=stage,
                                 ip=client.ip[:45], user_agent=client.user_agent[:300]))
    return token


def session_for(token: str | None) -> PortalSession | None:
    """The live session behind a cookie: not ended, not idle past PORTAL_IDLE_MINUTES, not
    older than PORTAL_SESSION_HOURS. Touches its last-seen time (commits)."""
    if not token:
        return None
    row = db.session.scalar(db.select(PortalSession).filter_by(token_hash=_digest(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    config = current_app.config
    if now - row.last_seen_at > timedelta(minutes=config["PORTAL_IDLE_MINUTES"]) or \
            now - row.created_at > timedelta(hours=config["PORTAL_SESSION_HOURS"]):
        row.ended_at = now
        db.session.commit()
        return None
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
        db.session.commit()
    return row


def end_session(row: PortalSession) -> None:
    row.ended_at = utcnow()
    db.session.commit()


def _end_sessions(account: PortalAccount, keep: int | None = None) -> None:
    query = db.update(PortalSession).where(PortalSession.account_id == account.id, PortalSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(PortalSession.id != keep)
    db.session.execute(query.values(ended_at=utcnow()))


def log_out_everywhere(account: PortalAccount, client: Client) -> None:
    _end_sessions(account)
    log_event(account, "logout-everywhere", client)
    db.session.commit()


# --- two-step verification -------------------------------------------------------------


def begin_totp(account: PortalAccount) -> str:
    """A new secret to enrol (not in use until confirmed with a code); its otpauth:// URI."""
    if account.totp_enabled:
        raise PortalError("totp-already-on")
    account.totp_secret = seal(pyotp.random_base32(), TOTP_PURPOSE)
    db.session.commit()
    return totp_uri(account)


def totp_uri(account: PortalAccount) -> str:
    return pyotp.TOTP(totp_key(account)).provisioning_uri(name=account.email, issuer_name="Kontakt")


def totp_key(account: PortalAccount) -> str:
    """The account's TOTP key in the clear (for the app to be set up, and to check codes)."""
    return unseal(account.totp_secret, TOTP_PURPOSE)


def _totp_step(account: PortalAccount, code: str) -> int | None:
    """The time step the code belongs to (this one or a neighbour), or None; a code is used once."""
    code = "".join((code or "").split())
    if not (account.totp_secret and code.isdigit() and len(code) == 6):
        return None
    try:
        totp = pyotp.TOTP(totp_key(account))
    except InvalidToken:  # sealed under another SECRET_KEY: no code can match
        return None
    now = utcnow()
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=30 * offset)
        if hmac.compare_digest(totp.at(at), code):
            step = totp.timecode(at)
            if account.totp_last_step is not None and step <= account.totp_last_step:
                return None
            return step
    return None


def _new_recovery_codes(account: PortalAccount) -> list[str]:
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(RECOVERY_CODES)]
    codes = [f"{c[:5]}-{c[5:]}" for c in codes]
    account.recovery_codes = [_digest(c) for c in codes]
    return codes


def confirm_totp(account: PortalAccount, code: str, client: Client) -> list[str]:
    """Turn two-step verification on with a first code; the one-time recovery codes (shown once)."""
    if account.totp_enabled:
        raise PortalError("totp-already-on")
    step = _totp_step(account, code)
    if step is None:
        raise PortalError("wrong-code")
    account.totp_last_step = step
    account.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(account)
    log_event(account, "totp-enabled", client)
    db.session.commit()
    return codes


def second_step(session_row: PortalSession, code: str, client: Client) -> LoginResult:
    """Pass the second step with a current code or an unused recovery code: "ok", "failed",
    or "locked" (wrong codes count with wrong passwords; the lock ends the session)."""
    account = session_row.account
    throttle = _throttle(_throttle_key(account, ""))
    if throttle.locked_until is not None and throttle.locked_until > utcnow():
        session_row.ended_at = utcnow()
        db.session.commit()
        return LoginResult("locked", locked_until=throttle.locked_until)
    step = _totp_step(account, code)
    digest = _digest("".join((code or "").split()))
    if step is not None:
        account.totp_last_step = step
        log_event(account, "totp-passed", client)
    elif digest in (account.recovery_codes or []):
        account.recovery_codes = [c for c in account.recovery_codes if c != digest]
        log_event(account, "recovery-code-used", client, left=len(account.recovery_codes))
    else:
        until = _count_failure(throttle, account, "totp-failed", client)
        if until is not None:
            session_row.ended_at = utcnow()
        db.session.commit()
        if until is not None:
            return LoginResult("locked", locked_until=until, lock_started=True, account_id=account.id)
        return LoginResult("failed")
    db.session.delete(throttle)
    session_row.stage = "full"
    db.session.commit()
    return LoginResult("ok", stage="full", account_id=account.id)


def enrolled(session_row: PortalSession) -> None:
    """A session that had to set up two-step verification has now done so."""
    session_row.stage = "full"
    db.session.commit()


def disable_totp(account: PortalAccount, password: str, code: str, client: Client) -> None:
    if settings().require_totp:
        raise PortalError("totp-required")
    if not check_password(account.password_hash, password) or _totp_step(account, code) is None:
        raise PortalError("wrong-password-or-code")
    account.totp_secret = account.totp_enabled_at = account.totp_last_step = None
    account.recovery_codes = []
    log_event(account, "totp-disabled", client)
    db.session.commit()


def renew_recovery_codes(account: PortalAccount, client: Client) -> list[str]:
    if not account.totp_enabled:
        raise PortalError("totp-off")
    codes = _new_recovery_codes(account)
    log_event(account, "recovery-codes-renewed", client)
    db.session.commit()
    return codes


# --- contact details and preferences ---------------------------------------------------


def request_email_change(account: PortalAccount, address: str) -> tuple[int, str] | None:
    """A confirmation link for a new address, mailed to that address; nothing changes until it
    is followed. None when the address is the current one."""
    address = normalise_email(address)
    if address == account.email:
        return None
    row, token = _issue("email", timedelta(hours=24), account_id=account.id, email=address)
    db.session.commit()
    return row.id, token


def confirm_email_change(token: str, client: Client = Client()) -> PortalAccount:
    """The new address replaces the old one, as login and for our mail (once)."""
    row = _usable(token, "email", lock=True)
    if row is None:
        raise PortalError("link-invalid")
    account = db.session.get(PortalAccount, row.account_id)
    customer = account.customer
    holder = _customer_by_address(row.email)
    if (holder is not None and holder.id != customer.id) or db.session.scalar(
            db.select(PortalAccount).where(PortalAccount.email == row.email, PortalAccount.id != account.id)):
        raise PortalError("address-taken")
    old = account.email
    for item in list(customer.emails):
        if item.address in (old, row.email):
            customer.emails.remove(item)
    db.session.flush()
    customer.emails.insert(0, CustomerEmail(address=row.email))
    account.email = row.email
    row.used_at = utcnow()
    log_event(account, "email-changed", client, old=old, new=row.email)
    db.session.commit()
    return account


def add_phone(account: PortalAccount, number: str) -> None:
    phone = normalise_phone(number or "")
    if phone is None:
        raise PortalError("bad-phone")
    holder = db.session.scalar(db.select(CustomerPhone).filter_by(number=phone))
    if holder is not None and holder.customer_id != account.customer_id:
        raise PortalError("phone-taken")
    if holder is None:
        account.customer.phones.append(CustomerPhone(number=phone))
    db.session.commit()


def remove_phone(account: PortalAccount, phone_id: int) -> None:
    phone = db.session.get(CustomerPhone, phone_id)
    if phone is None or phone.customer_id != account.customer_id:
        raise PortalError("no-such-phone")
    db.session.delete(phone)
    db.session.commit()


def set_notify(account: PortalAccount, choice: str) -> None:
    if choice not in NOTIFY_CHOICES:
        raise PortalError("bad-choice")
    account.notify = choice
    db.session.commit()


# --- my requests -----------------------------------------------------------------------


def my_tickets(account: PortalAccount) -> list[Ticket]:
    return db.session.scalars(db.select(Ticket).filter_by(customer_id=account.customer_id)
                              .order_by(Ticket.created_at.desc()).limit(500)).all()


def my_ticket(account: PortalAccount, ticket_id: int) -> Ticket | None:
    """The customer's own ticket, or None (for another's as for a missing one)."""
    ticket = db.session.get(Ticket, ticket_id)
    return ticket if ticket is not None and ticket.customer_id == account.customer_id else None


def timeline(ticket: Ticket) -> list[Message]:
    """The public conversation: the customer's messages and our public replies, never notes."""
    return [m for m in ticket.messages if not m.internal]


def attachment_on(ticket: Ticket, attachment_id: int) -> Attachment | None:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.message.ticket_id != ticket.id or attachment.message.internal:
        return None
    return attachment


def can_reply(ticket: Ticket) -> bool:
    return reopen_allowed(ticket)


def waiting_for(ticket: Ticket) -> str:
    """What the request waits for: "us" (with the expected answer time), "you" (our last
    question), "reopen" (solved: a reply reopens it) or "nothing" (closed for good)."""
    if ticket.status == "waiting":
        return "you"
    if ticket.status in ("new", "open"):
        return "us"
    return "reopen" if reopen_allowed(ticket) else "nothing"


def last_public_reply(ticket: Ticket) -> Message | None:
    replies = [m for m in ticket.messages if m.direction == "out" and not m.internal]
    return replies[-1] if replies else None


def add_reply(ticket: Ticket, text: str, attachments: list[InboundAttachment], submission_id: str) -> Ticket:
    """The customer's reply from the zone or a private link: stored first as a raw contact,
    then put on the ticket as an inbound message by intake (a solved ticket reopens).
    The same submission id twice adds it once."""
    if not can_reply(ticket):
        raise PortalError("closed-for-replies")
    customer = ticket.customer
    submission = FormSubmission(
        name=customer.name if customer else "", email=(customer.primary_email or "") if customer else "",
        category=ticket.form_category or "", subject=f"Re: {ticket.subject}", description=text,
        phone=customer.phones[0].number if customer and customer.phones else "", language=ticket.language,
        attachments=attachments)
    received_at = utcnow()
    raw, created = intake.store_raw(channel="webform", source=PORTAL_SOURCE,
                                    payload=to_payload(submission, received_at), media_type="application/json",
                                    dedup_key=f"portal:{ticket.id}:{submission_id or uuid.uuid4().hex}")
    if not created and raw.status != "received":
        return ticket
    return intake.receive(raw.id, to_contact(submission, received_at), thread_to=ticket)


def close_request(ticket: Ticket) -> None:
    if ticket.status != "closed":
        ticket_service.change_status(ticket.id, None, "closed")


def reopen_request(ticket: Ticket) -> None:
    if ticket.status not in ("solved", "closed") or not reopen_allowed(ticket):
        raise PortalError("cannot-reopen")
    ticket_service.change_status(ticket.id, None, "open")


# --- notifications ---------------------------------------------------------------------


def _account_of_ticket(ticket: Ticket) -> PortalAccount | None:
    return account_of_customer(ticket.customer_id) if ticket.customer_id else None


def on_message_added(message: Message) -> None:
    """Receiver (message_added): a reply for a customer who asked for status changes only is
    not mailed (it is in the zone); for a digest it waits for the digest.

    Whichever receiver runs first, mail's mark_queued queues only a message with no delivery
    status yet, so "in-zone" set here stays."""
    if not goes_by_mail(message) or message.delivery_status not in (None, "queued"):
        return
    account = _account_of_ticket(message.ticket)
    if account is None or account.notify == "every":
        return
    message.delivery_status = "in-zone"
    if account.notify == "digest":
        db.session.add(PortalNotice(account_id=account.id, ticket_id=message.ticket_id, kind="reply",
                                    data={"message_id": message.id}, digest=True))


def on_status_changed(ticket: Ticket, old: str, new: str, actor=None) -> None:
    """Receiver (status_changed): customers who chose status changes (or the digest) hear of
    waiting, solved and closed."""
    if new not in ("waiting", "solved", "closed"):
        return
    account = _account_of_ticket(ticket)
    if account is None or account.notify == "every":
        return
    db.session.add(PortalNotice(account_id=account.id, ticket_id=ticket.id, kind="status", data={"status": new},
                                digest=account.notify == "digest"))


def notices_due(ticket_id: int | None = None) -> list[int]:
    """Ids of tickets with status notices to send now (not the digest's)."""
    query = db.select(PortalNotice.ticket_id).where(PortalNotice.sent_at.is_(None),
                                                    PortalNotice.digest.is_(False)).distinct()
    if ticket_id is not None:
        query = query.where(PortalNotice.ticket_id == ticket_id)
    return list(db.session.scalars(query))


def take_notices(ticket_id: int | None = None, account_id: int | None = None,
                 digest: bool = False) -> list[PortalNotice]:
    """Unsent notices, locked for the caller who marks them sent (see mark_sent)."""
    query = db.select(PortalNotice).where(PortalNotice.sent_at.is_(None), PortalNotice.digest.is_(digest))
    if ticket_id is not None:
        query = query.where(PortalNotice.ticket_id == ticket_id)
    if account_id is not None:
        query = query.where(PortalNotice.account_id == account_id)
    return db.session.scalars(query.order_by(PortalNotice.id).with_for_update(skip_locked=True)).all()


def mark_sent(notices: list[PortalNotice], account: PortalAccount | None = None) -> None:
    now = utcnow()
    for notice in notices:
        notice.sent_at = now
    if account is not None:
        account.last_digest_at = now
    db.session.commit()


def digest_accounts_due(now: datetime | None = None) -> list[int]:
    """Accounts on the daily digest whose digest for today (PORTAL_DIGEST_HOUR, Warsaw) is due."""
    now = now or utcnow()
    local = now.astimezone(WARSAW)
    today = local.replace(hour=current_app.config["PORTAL_DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    if local < today:
        return []
    since = today.astimezone(now.tzinfo)
    pending = db.select(PortalNotice.account_id).where(PortalNotice.sent_at.is_(None), PortalNotice.digest.is_(True))
    return list(db.session.scalars(db.select(PortalAccount.id).where(
        PortalAccount.notify == "digest", PortalAccount.id.in_(pending),
        (PortalAccount.last_digest_at.is_(None)) | (PortalAccount.last_digest_at < since))))
