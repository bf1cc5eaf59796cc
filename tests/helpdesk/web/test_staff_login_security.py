"""Staff login: attempts limited per account and per address, sessions ended on the server side,
the cookie's Secure flag, security headers on every answer, and `next` kept to this site."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpdesk import REPO_ROOT
from helpdesk.core.config import finish
from helpdesk.staff.services import change_password, set_active
from tests.conftest import csrf_token_from, login

LIMIT_MESSAGE = "Zbyt wiele nieudanych prób logowania. Odczekaj kilka minut i spróbuj ponownie."


@pytest.fixture
def low_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "5 per 15 minutes")


def test_wrong_passwords_for_one_account_lock_it_for_a_while_with_a_polish_message(client, make_staff, low_limits):
    make_staff("anna@kontakt.test")
    for _ in range(3):
        assert login(client, "anna@kontakt.test", "wrong").status_code == 200
    refused = login(client, "anna@kontakt.test")  # even the right password, for now
    assert refused.status_code == 429 and LIMIT_MESSAGE in refused.get_data(as_text=True)
    assert client.get("/agent/").status_code == 302  # not logged in
    # An address nobody has is limited the same way (no hint which accounts exist).
    for _ in range(3):
        login(client, "nobody@kontakt.test", "wrong")
    assert login(client, "nobody@kontakt.test", "wrong").status_code == 429


def test_a_login_that_works_does_not_count(client, make_staff, low_limits):
    make_staff("anna@kontakt.test")
    for _ in range(6):
        assert login(client, "anna@kontakt.test").status_code == 302
        client.post("/agent/logout", data={"csrf_token": csrf_token_from(client.get("/agent/").get_data(as_text=True))})


def test_one_address_trying_many_accounts_is_limited(client, make_staff, low_limits):
    make_staff("anna@kontakt.test")
    for n in range(5):
        assert login(client, f"guess{n}@kontakt.test", "wrong").status_code == 200
    assert login(client, "anna@kontakt.test").status_code == 429


def test_limits_are_counted_in_redis_when_there_is_one():
    config = {"REDIS_URL": "redis://127.0.0.1:6379/5", "TESTING": True}
    finish(config)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"
    config = {"REDIS_URL": None, "TESTING": True}
    finish(config)
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def logged_in_cookie(client, email: str) -> str:
    assert login(client, email).status_code == 302
    return client.get_cookie("session").value


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, client, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    copied = logged_in_cookie(client, "anna@kontakt.test")
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="localhost")
    assert thief.get("/agent/").status_code == 200  # the copy works while the session lives
    token = csrf_token_from(client.get("/agent/").get_data(as_text=True))
    assert client.post("/agent/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/agent/").status_code == 302  # to the login page
    assert thief.get("/api/v1/tickets").status_code == 401


@pytest.mark.parametrize("change", ["password", "deactivation"])
def test_a_new_password_or_deactivation_ends_the_sessions(app, client, make_staff, change):
    user = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    logged_in_cookie(client, "anna@kontakt.test")
    assert client.get("/agent/").status_code == 200
    if change == "password":
        change_password(user.id, "a new long passphrase")
    else:
        set_active(user.id, False)
    assert client.get("/agent/").status_code == 302
    if change == "password":  # the new password works, the old one does not
        assert login(client, "anna@kontakt.test").status_code == 200
        assert login(client, "anna@kontakt.test", "a new long passphrase").status_code == 302


def test_session_cookie_is_secure_outside_the_demo_and_the_tests():
    for settings, secure in (({}, True), ({"KONTAKT_DEMO": True}, False), ({"TESTING": True}, False),
                             ({"KONTAKT_DEMO": True, "SESSION_COOKIE_SECURE": True}, True),
                             ({"SESSION_COOKIE_SECURE": False}, False)):
        config = {"SESSION_COOKIE_SECURE": None, **settings}
        finish(config)
        assert config["SESSION_COOKIE_SECURE"] is secure and config["REMEMBER_COOKIE_SECURE"] is secure, settings


@pytest.mark.parametrize("path", ["/contact", "/agent/login", "/api/v1/openapi.json", "/nowhere"])
def test_every_answer_has_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_style():
    """What the Content-Security-Policy would block: scripts and styles belong in static files."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    offenders = [f"{path.relative_to(REPO_ROOT)}: {match.group(0)}" for path in (REPO_ROOT / "templates").rglob("*.html")
                 for match in inline.finditer(path.read_text())]
    assert offenders == []


@pytest.mark.parametrize("target", ["/%0a/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/%0d%0aSet-Cookie:x=1", "javascript:alert(1)",
                                    "/%20/evil.example", "%2F%2Fevil.example"])
def test_next_after_login_never_leads_off_the_site(client, make_staff, target):
    make_staff("anna@kontakt.test")
    page = client.get("/agent/login")
    response = client.post(f"/agent/login?next={target}", data={
        "email": "anna@kontakt.test", "password": "correct horse", "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/"


def test_next_after_login_keeps_a_path_of_this_site(client, make_staff):
    make_staff("anna@kontakt.test")
    page = client.get("/agent/login")
    response = client.post("/agent/login?next=/agent/%3Fview%3Dmine", data={
        "email": "anna@kontakt.test", "password": "correct horse", "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/agent/?view=mine"


def test_login_form_is_the_only_place_next_is_read_unchecked():
    """Every `next` the client sent is read through web.auth.safe_next (a page that only
    passes its own path on as `next` reads nothing)."""
    reads_next = re.compile(r"""request\.(args|form|values)\.get\(["']next["']\)|\.next\.data(?!\s*=)""")
    sources = [p for p in (REPO_ROOT / "helpdesk").rglob("*.py") if "next" in p.read_text()]
    found = 0
    for path in sources:
        for line in path.read_text().splitlines():
            if reads_next.search(line):
                found += 1
                assert "safe_next(" in line, f"{Path(path).name}: {line.strip()}"
    assert found >= 2  # the staff login and the customer zone's login at least
