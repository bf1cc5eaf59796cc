"""Staff authentication: argon2 password hashes, sessions, API tokens and roles."""
from __future__ import annotations

import hashlib
import secrets
from functools import wraps
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.core.extensions import db, login_manager
from helpdesk.models import ApiToken, User
from helpdesk.models.types import utcnow

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash (an unknown login) False after the same work."""
    if password_hash is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with older argon2 parameters: store a new one at the next login."""
    return _hasher.check_needs_rehash(password_hash)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; the same work either way."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if not check_password(user.password_hash if user else None, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def issue_api_token(user: User, name: str) -> str:
    """Create a token for the user and return it; only its hash is kept."""
    token = "kt_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    db.session.commit()
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_from_bearer() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalar(db.select(ApiToken).filter_by(token_hash=_token_hash(header[7:].strip())))
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


def roles_required(*roles: str):
    """Allow the view only to logged-in staff with one of the roles (403 otherwise).

    The roles stay on the view (``allowed_roles``), so navigation shows a link only to those
    it will answer (see `may_open`) and a test can walk every endpoint.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def may_open(endpoint: str, user=None) -> bool:
    """Whether ``user`` (the logged-in one by default) gets past the role check of ``endpoint``:
    the one answer navigation asks before it shows a link."""
    user = current_user if user is None else user
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    roles = getattr(view, "allowed_roles", None)
    if roles is None:
        return True
    return bool(user and user.is_authenticated and user.has_role(*roles))


def passive(view):
    """Mark a view the page calls by itself (a heartbeat, a poll): not activity of the user,
    so it does not keep their presence "available"."""
    view.passive = True
    return view


def is_passive_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "passive", False))


def safe_next(target: str | None, within: str = "/") -> str | None:
    """Only a path of this site (under ``within``), so a login page can't be used to send someone elsewhere.

    Printable ASCII only (a browser drops tabs and newlines, so "/\t/evil.example" would
    lead to //evil.example, and a newline cannot go in a Location header), one leading
    slash, no backslash, no scheme or host."""
    if not target or not target.startswith(within) or target.startswith("//"):
        return None
    if not all("!" <= ch <= "~" for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None


STAFF = ("agent", "lead", "manager", "admin")
LEADS = ("lead", "manager", "admin")


def init_app(app) -> None:
    login_manager.login_view = "web.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The session's member of staff, while the account is active and the session is of
        its current version (see User.get_id); None ends the session."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
            return None  # a session from before versions, or not one we wrote
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user


def end_sessions(user_id: int) -> None:
    """End every session of the member of staff, on every device (see User.session_version)."""
    db.session.get(User, user_id).end_sessions()
    db.session.commit()


def login_attempt_limits():
    """The staff login's limits on failed attempts (decorate the view with these): per account,
    by the e-mail typed whether it exists or not, and per client address."""
    from flask_limiter.util import get_remote_address

    from helpdesk.core.extensions import limiter

    def failed(response) -> bool:  # a login that worked redirects; a refused one shows the form again
        return response.status_code != 302

    def account() -> str:
        return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]

    def message() -> str:
        return str(_l("Too many failed login attempts. Wait a few minutes and try again."))

    def decorate(view):
        for key, setting in ((account, "LOGIN_LIMIT_PER_ACCOUNT"), (get_remote_address, "LOGIN_LIMIT_PER_ADDRESS")):
            view = limiter.limit(lambda setting=setting: current_app.config[setting], key_func=key, methods=["POST"],
                                 deduct_when=failed, error_message=message, scope=setting.lower())(view)
        return view

    return decorate


__all__ = ["authenticate", "hash_password", "issue_api_token", "login_user", "roles_required", "user_from_bearer"]
