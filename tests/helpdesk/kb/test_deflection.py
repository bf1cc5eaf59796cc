"""Deflected contacts: a contact-form visitor who opens a suggested article and does not write, or
answers "yes, this solved it". The counts are what the reports read (kb_contact_visits)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from helpdesk.core.extensions import db
from helpdesk.kb import services
from helpdesk.models.kb import KbContactVisit, KbTranslation
from helpdesk.models.types import utcnow
from tests.conftest import csrf_token_from


def a_visit() -> str:
    return uuid.uuid4().hex


@pytest.mark.both_databases
def test_opening_a_suggestion_and_leaving_counts_after_the_grace_time(client, shipped):
    key = a_visit()
    hits = client.get(f"/pomoc/podpowiedzi?subject=haslo&description=nie+pamietam+hasla&kontakt={key}")
    slug = services.search("haslo", "pl")[0].slug
    assert f"/pomoc/{slug}?kontakt={key}" in hits.get_data(as_text=True)
    client.get(f"/pomoc/{slug}?kontakt={key}")
    visit = db.session.scalars(db.select(KbContactVisit).filter_by(visit_key=key)).one()
    assert visit.opened_at is not None and visit.outcome is None

    assert services.decide_left(utcnow()) == 0  # still within the grace time: they may come back
    later = utcnow() + timedelta(minutes=31)
    assert services.decide_left(later) == 1
    counts = services.deflection_counts(later - timedelta(hours=1), later + timedelta(seconds=1))
    assert counts == {"solved": 0, "left": 1, "submitted": 0, "deflected": 1}


@pytest.mark.both_databases
def test_yes_this_solved_it_counts_at_once_and_once(client, shipped):
    key = a_visit()
    translation = db.session.scalars(db.select(KbTranslation).filter_by(language="pl")).first()
    page = client.get(f"/pomoc/{translation.slug}?kontakt={key}").get_data(as_text=True)
    assert "Czy to rozwiązało Twój problem?" in page
    answered = client.post(f"/pomoc/{translation.slug}/ocena", data={
        "csrf_token": csrf_token_from(page), "helpful": "yes", "visit": key}, follow_redirects=True)
    assert "Nie musisz wysyłać formularza kontaktowego." in answered.get_data(as_text=True)
    now = utcnow()
    assert services.decide_left(now + timedelta(hours=1)) == 0
    assert services.deflection_counts(now - timedelta(hours=1), now + timedelta(hours=1))["solved"] == 1
    db.session.refresh(translation)
    assert translation.helpful_yes == 1


def test_a_visitor_who_writes_after_all_is_not_deflected(shipped):
    key = a_visit()
    translation = db.session.scalars(db.select(KbTranslation)).first()
    services.suggestion_opened(key, translation.id)
    sent = utcnow().replace(microsecond=0) - timedelta(seconds=5)  # when the form was stored
    services.forms_submitted({key: sent, a_visit(): sent})  # the second was never shown articles
    db.session.commit()
    assert services.decide_left(utcnow() + timedelta(hours=1)) == 0
    visit = db.session.scalars(db.select(KbContactVisit)).one()
    assert (visit.outcome, visit.submitted_at, visit.decided_at) == ("submitted", sent, sent)


def test_a_made_up_visit_key_records_nothing(client, shipped):
    translation = db.session.scalars(db.select(KbTranslation)).first()
    client.get(f"/pomoc/{translation.slug}?kontakt=../../etc")
    services.suggestions_shown("x" * 64, "pl")
    assert db.session.scalars(db.select(KbContactVisit)).all() == []
