"""“Zapomniałem hasła”: the same answer for any login, a single-use link that expires, by real SMTP."""
from __future__ import annotations

import re
from datetime import timedelta

from helpdesk.core.extensions import db
from helpdesk.models.portal import PortalToken
from tests.helpdesk.portal.conftest import PASSWORD, link_in, mails, post_form, zone_login

NEW = "Zimowy poranek w Tatrach"


def ask_for_reset(client, login: str):
    return post_form(client, "/portal/password/forgot", "/portal/password/forgot", {"login": login})


def without_csrf(html: str) -> str:
    return re.sub(r'(csrf[-_]token"[^>]*(content|value)=")[^"]+', r"\1", html)


def test_the_page_answers_the_same_and_only_an_account_gets_mail(app, client, smtp, make_customer):
    customer, _, _ = make_customer()
    answers = [ask_for_reset(client, login) for login in (customer.customer_number, "nobody@example.pl", "123")]
    assert {a.status_code for a in answers} == {200}
    assert len({without_csrf(a.get_data(as_text=True)) for a in answers}) == 1
    assert "Sprawdź skrzynkę" in answers[0].get_data(as_text=True)
    resets = mails(smtp, subject="Ustaw nowe hasło")
    assert len(resets) == 1 and resets[0]["To"] == "ewa.nowak@example.pl"
    assert "60 minut" in resets[0].get_body(("plain",)).get_content()


def test_the_reset_link_works_once_for_a_visitor_and_clears_the_lockout(app, client, smtp, make_customer):
    customer, _, _ = make_customer()
    for _ in range(5):
        zone_login(client, customer.customer_number, "wrong password 123")
    logged_in = app.test_client()
    ask_for_reset(client, "ewa.nowak@example.pl")
    path = link_in(mails(smtp, subject="Ustaw nowe hasło")[0], "/portal/password/reset/")
    visitor = app.test_client()  # no session at all
    weak = post_form(visitor, path, path, {"password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert weak.status_code == 422 and "zbyt popularne" in weak.get_data(as_text=True)
    differ = post_form(visitor, path, path, {"password": NEW, "confirm": NEW + "x"})
    assert "Hasła się różnią." in differ.get_data(as_text=True)
    done = post_form(visitor, path, path, {"password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/portal/login")
    again = visitor.get(path)
    assert again.status_code == 404 and "Link nieważny" in again.get_data(as_text=True)
    assert post_form_raw(visitor, path, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 404
    assert zone_login(logged_in, customer.customer_number, PASSWORD).status_code == 401  # old password gone
    assert zone_login(app.test_client(), customer.customer_number, NEW).status_code == 303  # lock lifted


def post_form_raw(client, path, data):
    """A POST with a valid CSRF token from another zone page (the reset page itself is gone)."""
    return post_form(client, "/portal/login", path, data)


def test_a_new_request_replaces_the_earlier_link_and_links_expire(app, client, smtp, make_customer):
    make_customer()
    ask_for_reset(client, "ewa.nowak@example.pl")
    ask_for_reset(client, "ewa.nowak@example.pl")
    first, second = (link_in(m, "/portal/password/reset/") for m in mails(smtp, subject="Ustaw nowe hasło"))
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    row = db.session.scalars(db.select(PortalToken).filter_by(kind="reset", revoked_at=None)).one()
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(minutes=60)
    row.expires_at = row.created_at
    db.session.commit()
    assert client.get(second).status_code == 404


def test_a_reset_ends_every_session(app, client, smtp, make_customer):
    customer, _, _ = make_customer()
    zone_login(client, customer.customer_number)
    assert client.get("/portal/requests").status_code == 200
    ask_for_reset(app.test_client(), customer.customer_number)
    path = link_in(mails(smtp, subject="Ustaw nowe hasło")[0], "/portal/password/reset/")
    visitor = app.test_client()
    post_form(visitor, path, path, {"password": NEW, "confirm": NEW})
    assert client.get("/portal/requests").status_code == 302
