"""The contact form, hardened: honeypot, minimum fill time, rate limits on Redis, errors that keep
what was typed, and help articles offered as a step before sending (the page without JavaScript)."""
from __future__ import annotations

import io
import re
import time

import pytest
from itsdangerous import TimestampSigner

from helpdesk.intake import guard as contact_guard
from helpdesk.core.extensions import db, limiter
from helpdesk.models import RawContact, Ticket
from helpdesk.models.kb import KbContactVisit
from tests.helpdesk.kb.conftest import shipped  # noqa: F401 (a fixture)
from tests.helpdesk.intake.test_contact_form import PDF, form_data


def stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(RawContact))


class _Earlier(TimestampSigner):
    """Signs as if the form had been shown a minute ago (instead of waiting in the test)."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 60


def shown_a_minute_ago(app, submission_id: str) -> str:
    return _Earlier(app.config["SECRET_KEY"], salt=contact_guard._SALT).sign(submission_id).decode()


@pytest.fixture
def min_fill_time(app):
    app.config["CONTACT_MIN_FILL_SECONDS"] = 3
    yield
    app.config["CONTACT_MIN_FILL_SECONDS"] = 0


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(client):
    response = client.post("/contact", data=form_data(client, website="http://spam.example"))
    assert response.status_code == 400 and "automaty" in response.get_data(as_text=True)
    assert stored() == 0


def test_a_form_sent_faster_than_a_person_types_comes_back_with_everything_kept(app, client, min_fill_time):
    data = form_data(client)
    response = client.post("/contact", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Sprawdź swoje zgłoszenie i wyślij je ponownie." in page
    assert 'value="Nie widzę mojej wpłaty"' in page and stored() == 0
    # The same form a minute after it was first shown goes through.
    data["started"] = shown_a_minute_ago(app, data["submission_id"])
    assert client.post("/contact", data=data).status_code == 302 and stored() == 1


def test_a_stamp_of_another_form_or_a_forged_one_does_not_count(app, client, min_fill_time):
    data = form_data(client)
    for started in ("", "forged.stamp", shown_a_minute_ago(app, "0" * 32)):
        assert client.post("/contact", data=dict(data, started=started)).status_code == 422
    assert stored() == 0


def test_errors_come_first_focused_and_say_the_files_must_be_chosen_again(client):
    data = form_data(client, email="not-an-address")
    data["attachments"] = [(io.BytesIO(PDF), "potwierdzenie.pdf")]
    page = client.post("/contact", data=data, content_type="multipart/form-data").get_data(as_text=True)
    main = page[page.index("<main>"):]
    assert main.index('id="error-summary"') < main.index("<h1>")
    assert re.search(r'<div class="error-summary" id="error-summary" tabindex="-1" autofocus', page)
    assert '<a href="#email">Adres e-mail: To nie jest poprawny adres e-mail.</a>' in page
    assert "wybierz je ponownie (potwierdzenie.pdf)" in page
    assert 'value="Nie widzę mojej wpłaty"' in page and stored() == 0


@pytest.fixture
def rate_limited(app, redis_url):
    """The rate limits switched on, stored in this run's Redis database, small enough to reach."""
    app.config.update(CONTACT_RATE_LIMITS=True, RATELIMIT_STORAGE_URI=redis_url,
                      CONTACT_RATE_LIMIT_IP="3 per minute", CONTACT_RATE_LIMIT_EMAIL="2 per hour")
    limiter.init_app(app)  # again: the storage from the configuration now (the hooks are there already)
    limiter.reset()
    assert type(limiter.storage).__name__ == "RedisStorage"
    yield
    limiter.reset()
    app.config.update(CONTACT_RATE_LIMITS=False, RATELIMIT_STORAGE_URI="memory://")
    limiter.init_app(app)


def post_from(client, address: str, **fields):
    return client.post("/contact", data=form_data(client, **fields), environ_base={"REMOTE_ADDR": address})


def test_one_address_is_limited_with_a_polish_429_and_others_are_not(client, rate_limited):
    for n in range(3):
        assert post_from(client, "127.0.0.2", email=f"klient{n}@example.pl").status_code == 302
    refused = post_from(client, "127.0.0.2", email="klient9@example.pl")
    assert refused.status_code == 429 and "Odczekaj kilka minut" in refused.get_data(as_text=True)
    assert stored() == 3
    assert post_from(client, "127.0.0.3", email="ktos@example.pl").status_code == 302  # another customer
    assert stored() == 4


def test_one_e_mail_address_is_limited_from_any_address(client, rate_limited):
    for address in ("127.0.0.4", "127.0.0.5"):
        assert post_from(client, address, email="Jan@Example.pl").status_code == 302
    assert post_from(client, "127.0.0.6", email="jan@example.pl ").status_code == 429
    assert stored() == 2


def test_a_customer_is_offered_articles_before_sending_and_can_send_anyway(client, shipped):
    data = form_data(client, category="technical-support", subject="Nie mogę się zalogować",
                     description="Po kilku próbach konto jest zablokowane i nie pamiętam hasła.")
    step = client.post("/contact", data=data)
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and stored() == 0
    assert "Te artykuły mogą odpowiedzieć na Twoje pytanie" in page
    assert f'?kontakt={data["submission_id"]}' in page and "Konto zablokowane — jak je odblokować" in page
    assert 'name="suggestions_shown" type="hidden" value="1"' in page
    visit = db.session.scalars(db.select(KbContactVisit)).one()
    assert visit.visit_key == data["submission_id"] and visit.outcome is None

    sent = client.post("/contact", data=dict(data, suggestions_shown="1"), follow_redirects=True)
    assert "KT-" in sent.get_data(as_text=True) and stored() == 1
    db.session.expire_all()
    assert db.session.get(KbContactVisit, visit.id).outcome == "submitted"  # not a deflected contact


def test_a_customer_with_attachments_is_not_held_up_by_suggestions(client, shipped):
    data = form_data(client, subject="Nie mogę się zalogować", description="Konto zablokowane, zrzut ekranu w załączniku.")
    data["attachments"] = [(io.BytesIO(PDF), "blad.pdf")]
    assert client.post("/contact", data=data, content_type="multipart/form-data").status_code == 302
    assert db.session.scalar(db.select(Ticket.subject)) == "Nie mogę się zalogować"


def test_suggestions_are_limited_per_address_too(app, client, rate_limited):
    app.config["KB_SUGGESTIONS_RATE_LIMIT"] = "2 per minute"
    try:
        answers = [client.get("/pomoc/podpowiedzi?subject=haslo", environ_base={"REMOTE_ADDR": "127.0.0.7"}).status_code
                   for _ in range(3)]
    finally:
        app.config["KB_SUGGESTIONS_RATE_LIMIT"] = "120 per minute"
    assert answers == [200, 200, 429]
