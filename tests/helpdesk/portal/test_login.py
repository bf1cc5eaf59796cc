"""Logging in to the customer zone: customer number or e-mail, cookies, lockout, limits, sessions."""
from __future__ import annotations

import re
from datetime import timedelta

from helpdesk.core.extensions import db
from helpdesk.models.portal import PortalSecurityEvent, PortalSession
from tests.conftest import login as staff_login
from tests.helpdesk.portal.conftest import PASSWORD, body, mails, post_form, zone_cookie, zone_login


def kinds(account) -> list[str]:
    return list(db.session.scalars(db.select(PortalSecurityEvent.kind).filter_by(account_id=account.id)
                                   .order_by(PortalSecurityEvent.id)))


def test_log_in_with_the_customer_number_or_the_e_mail_address(app, make_customer):
    customer, tickets, account = make_customer()
    by_number = app.test_client()
    response = zone_login(by_number, f" {customer.customer_number} ")
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/requests")
    page = by_number.get("/portal/requests").get_data(as_text=True)
    assert tickets[0].number in page and customer.customer_number in page

    by_email = app.test_client()
    assert zone_login(by_email, "Ewa.Nowak@Example.pl").status_code == 303
    assert by_email.get("/portal/requests").status_code == 200
    assert kinds(account) == ["login", "login"]


def test_the_zone_cookie_is_httponly_samesite_secure_and_new_at_every_login(app, client, make_customer):
    customer, _, _ = make_customer()
    first = zone_cookie(zone_login(client, customer.customer_number))
    assert "HttpOnly" in first and "SameSite=Lax" in first and "Path=/portal" in first and "Secure" in first
    old_value = first.split(";")[0].split("=", 1)[1]
    post_form(client, "/portal/requests", "/portal/logout", {})
    second = zone_cookie(zone_login(client, customer.customer_number))
    assert second.split(";")[0].split("=", 1)[1] != old_value
    replay = app.test_client()
    replay.set_cookie("kontakt_zone", old_value, path="/portal")
    assert replay.get("/portal/requests").status_code == 302  # the old id is dead


def test_the_demo_serves_the_cookie_without_secure(app, client, make_customer, monkeypatch):
    monkeypatch.setitem(app.config, "KONTAKT_DEMO", True)
    customer, _, _ = make_customer()
    assert "Secure" not in zone_cookie(zone_login(client, customer.customer_number))


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(app, client, make_customer):
    customer, _, account = make_customer()
    wrong = zone_login(client, customer.customer_number, "not the password at all")
    unknown = zone_login(client, "nobody@example.pl", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    texts = [r.get_data(as_text=True) for r in (wrong, unknown)]
    assert all("Nieprawidłowy numer klienta, adres e-mail lub hasło." in t for t in texts)
    same = [re.sub(r'(csrf[-_]token"[^>]*(content|value)=")[^"]+', r"\1", t) for t in texts]
    assert same[0].replace(customer.customer_number, "X") == same[1].replace("nobody@example.pl", "X")
    assert kinds(account) == ["login-failed"]


def test_five_failures_lock_the_account_tell_the_owner_and_staff_unlock_it(app, client, make_customer, smtp,
                                                                           make_staff):
    customer, _, account = make_customer()
    for _ in range(4):
        assert zone_login(client, customer.customer_number, "wrong password 123").status_code == 401
    locked = zone_login(client, "ewa.nowak@example.pl", "wrong password 123")
    page = locked.get_data(as_text=True)
    assert "zablokowane jeszcze przez 15 min" in page
    # now even the right password is refused until the lock ends
    assert "zablokowane" in zone_login(client, customer.customer_number).get_data(as_text=True)
    notice = mails(smtp, "ewa.nowak@example.pl", "zablokowane")
    assert len(notice) == 1 and "5 nieudanych próbach" in body(notice[0])
    assert kinds(account)[-2:] == ["login-failed", "locked"]

    lead = make_staff(role="lead")
    staff = app.test_client()
    staff_login(staff, lead.email)
    page = staff.get(f"/agent/customers/{customer.id}").get_data(as_text=True)
    assert "Odblokuj konto" in page
    post_form(staff, f"/agent/customers/{customer.id}", f"/agent/customers/{customer.id}/portal/unlock", {})
    assert zone_login(client, customer.customer_number).status_code == 303
    assert "unlocked" in kinds(account)


def test_an_unknown_login_locks_alike_so_the_lock_tells_nothing(app, client):
    for _ in range(5):
        response = zone_login(client, "nobody@example.pl", "wrong password 123")
    assert "zablokowane jeszcze przez 15 min" in response.get_data(as_text=True)


def test_a_success_clears_the_count(app, client, make_customer):
    customer, _, _ = make_customer()
    for _ in range(4):
        zone_login(client, customer.customer_number, "wrong password 123")
    assert zone_login(app.test_client(), customer.customer_number).status_code == 303
    for _ in range(4):
        assert zone_login(client, customer.customer_number, "wrong password 123").status_code == 401
    assert zone_login(app.test_client(), customer.customer_number).status_code == 303


def test_failures_are_limited_per_ip_address(app, client, make_customer, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_LOGIN_IP_LIMIT", "3 per minute")
    customer, _, _ = make_customer()
    assert zone_login(client, customer.customer_number).status_code == 303  # a success is not counted
    other = app.test_client()
    for n in range(3):
        assert zone_login(other, f"someone{n}@example.pl", "wrong password 123").status_code == 401
    limited = zone_login(other, customer.customer_number)
    assert limited.status_code == 429 and "Zbyt wiele prób" in limited.get_data(as_text=True)
    elsewhere = app.test_client()
    assert zone_login(elsewhere, customer.customer_number,
                      environ_base={"REMOTE_ADDR": "127.0.0.9"}).status_code == 303


def test_an_idle_session_ends(app, client, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    assert client.get("/portal/requests").status_code == 200
    row = db.session.scalars(db.select(PortalSession)).one()
    row.last_seen_at -= timedelta(minutes=app.config["PORTAL_IDLE_MINUTES"] + 1)
    db.session.commit()
    response = client.get("/portal/requests")
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]
    assert 'kontakt_zone=;' in (zone_cookie(response) or "")


def test_log_out_and_log_out_everywhere(app, make_customer):
    customer, _, account = make_customer()
    phone, laptop = app.test_client(), app.test_client()
    zone_login(phone, customer.customer_number)
    zone_login(laptop, customer.customer_number)
    post_form(phone, "/portal/security", "/portal/logout-everywhere", {})
    assert laptop.get("/portal/requests").status_code == 302
    assert phone.get("/portal/requests").status_code == 302
    zone_login(laptop, customer.customer_number)
    post_form(laptop, "/portal/requests", "/portal/logout", {})
    assert laptop.get("/portal/requests").status_code == 302
    assert "logout-everywhere" in kinds(account)


def test_staff_and_customer_sessions_open_only_their_own_pages(app, make_customer, make_staff):
    customer, tickets, _ = make_customer()
    admin = make_staff(role="admin")
    staff = app.test_client()
    staff_login(staff, admin.email)
    assert staff.get(f"/agent/tickets/{tickets[0].id}").status_code == 200
    assert staff.get("/portal/requests").status_code == 302  # a staff login is no zone login
    zone = app.test_client()
    zone_login(zone, customer.customer_number)
    assert zone.get("/agent/").status_code == 302  # nor the other way round
    assert zone.get(f"/agent/tickets/{tickets[0].id}").status_code == 302
    assert zone.get(f"/agent/customers/{customer.id}").status_code == 302
    # a staff member's credentials do not log in to the zone
    assert zone_login(app.test_client(), admin.email, "correct horse").status_code == 401


def test_the_login_form_is_for_password_managers(client):
    page = client.get("/portal/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert PASSWORD not in page
