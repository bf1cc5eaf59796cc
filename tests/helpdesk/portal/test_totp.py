"""Two-step verification: enrolment with a QR code, codes at login (each once), recovery codes,
and staff requiring it for every customer."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from helpdesk.core.extensions import db
from helpdesk.models.portal import PortalAccount
from helpdesk.models.types import utcnow
from tests.conftest import csrf_token_from
from tests.conftest import login as staff_login
from tests.helpdesk.portal.conftest import PASSWORD, post_form, zone_login


def enrol(client) -> tuple[str, list[str]]:
    """Turn TOTP on through the pages; (the secret, the recovery codes)."""
    page = client.get("/portal/security/totp").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, inline
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page).group(1)
    # the token of this very page: every showing of it makes a new secret
    response = client.post("/portal/security/totp", data={"csrf_token": csrf_token_from(page),
                                                          "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>(\d{5}-\d{5})</code>", response.get_data(as_text=True))
    assert response.status_code == 200 and len(codes) == 10
    return secret, codes


def code_after(secret: str, seconds: int) -> str:
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=seconds))


def test_enrol_then_log_in_with_a_code_that_works_once(app, client, make_customer):
    customer, _, account = make_customer()
    zone_login(client, customer.customer_number)
    wrong = post_form(client, "/portal/security/totp", "/portal/security/totp", {"code": "000000"})
    assert wrong.status_code == 422 and "Kod jest nieprawidłowy" in wrong.get_data(as_text=True)
    secret, _ = enrol(client)
    assert "Weryfikacja dwuetapowa" in client.get("/portal/security").get_data(as_text=True)

    browser = app.test_client()
    response = zone_login(browser, customer.customer_number)
    assert response.headers["Location"].endswith("/portal/login/code")
    assert browser.get("/portal/requests").headers["Location"].endswith("/portal/login/code")
    bad = post_form(browser, "/portal/login/code", "/portal/login/code", {"code": "123456"})
    assert bad.status_code == 401
    code = code_after(secret, 30)  # the enrolment used this step's code
    assert post_form(browser, "/portal/login/code", "/portal/login/code", {"code": code}).status_code == 303
    assert browser.get("/portal/requests").status_code == 200

    replay = app.test_client()
    zone_login(replay, customer.customer_number)
    again = post_form(replay, "/portal/login/code", "/portal/login/code", {"code": code})
    assert again.status_code == 401  # a code is accepted once
    log = client.get("/portal/security").get_data(as_text=True)
    assert "włączenie weryfikacji dwuetapowej" in log and "błędny kod drugiego etapu" in log


def test_a_recovery_code_replaces_the_app_once(app, client, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    _, codes = enrol(client)
    for attempt, expected in ((1, 303), (2, 401)):
        browser = app.test_client()
        zone_login(browser, customer.customer_number)
        response = post_form(browser, "/portal/login/code", "/portal/login/code", {"code": codes[0]})
        assert response.status_code == expected, attempt
    db.session.expire_all()
    assert len(db.session.scalars(db.select(PortalAccount)).one().recovery_codes) == 9


def test_turning_it_off_needs_the_password_and_a_code(app, client, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    secret, _ = enrol(client)
    post_form(client, "/portal/security", "/portal/security/totp/disable",
              {"off-password": "wrong password", "off-code": code_after(secret, 30)})
    db.session.expire_all()
    assert db.session.scalars(db.select(PortalAccount)).one().totp_enabled
    post_form(client, "/portal/security", "/portal/security/totp/disable",
              {"off-password": PASSWORD, "off-code": code_after(secret, 30)})
    db.session.expire_all()
    assert not db.session.scalars(db.select(PortalAccount)).one().totp_enabled


def test_staff_can_require_it_for_every_customer(app, client, make_customer, make_staff):
    customer, _, _ = make_customer()
    manager = make_staff(role="manager")
    staff = app.test_client()
    staff_login(staff, manager.email)
    post_form(staff, "/admin/portal", "/admin/portal", {"require_totp": "y"})
    agent = make_staff(role="agent")
    other = app.test_client()
    staff_login(other, agent.email)
    assert other.get("/admin/portal").status_code == 403  # not for agents

    response = zone_login(client, customer.customer_number)
    assert response.headers["Location"].endswith("/portal/security/totp")
    assert client.get("/portal/requests").headers["Location"].endswith("/portal/security/totp")
    required = client.get("/portal/security/totp").get_data(as_text=True)
    assert "wymaga weryfikacji dwuetapowej" in required
    enrol(client)
    assert client.get("/portal/requests").status_code == 200
    page = client.get("/portal/security").get_data(as_text=True)
    assert "Wyłącz weryfikację dwuetapową" not in page


def test_wrong_codes_count_with_wrong_passwords_and_a_password_does_not_reset_them(app, client, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    enrol(client)
    browser = app.test_client()
    for attempt in range(4):
        zone_login(browser, customer.customer_number)  # the right password each time
        wrong = post_form(browser, "/portal/login/code", "/portal/login/code", {"code": "99999-99999"})
        assert wrong.status_code == 401, attempt
    zone_login(browser, customer.customer_number)
    locked = post_form(browser, "/portal/login/code", "/portal/login/code", {"code": "99999-99999"})
    assert "zablokowane jeszcze przez 15 min" in locked.get_data(as_text=True)
    assert browser.get("/portal/requests").status_code == 302  # the session ended
    right = zone_login(app.test_client(), customer.customer_number)
    assert "zablokowane" in right.get_data(as_text=True)  # until the lock ends, or staff lift it
