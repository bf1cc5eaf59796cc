"""The public help pages, the editors' screens and the agents' article links, through the test client."""
from __future__ import annotations

import re

import pytest

from helpdesk.core.extensions import db
from helpdesk.kb import services
from helpdesk.models import AuditEntry
from helpdesk.models.kb import KbRevision, KbTranslation
from tests.conftest import csrf_token_from, login


def test_help_index_lists_articles_by_category_in_the_page_language(client, shipped):
    page = client.get("/pomoc/").get_data(as_text=True)
    assert "Nie pamiętam hasła — jak ustawić nowe" in page and "Wsparcie techniczne" in page
    assert 'rel="canonical"' in page
    english = client.get("/pomoc/?lang=en").get_data(as_text=True)
    assert "I forgot my password: how to set a new one" in english and "Nie pamiętam hasła" not in english


def test_search_page_finds_without_diacritics_and_is_not_indexed(client, shipped):
    page = client.get("/pomoc/?q=zablokowane+konto").get_data(as_text=True)
    assert "Konto zablokowane — jak je odblokować" in page and 'name="robots" content="noindex"' in page
    assert "Nic nie znaleziono" in client.get("/pomoc/?q=xyzzy").get_data(as_text=True)


def test_article_page_is_indexable_and_links_its_other_language(client, shipped):
    slug = services.search("haslo", "pl")[0].slug
    page = client.get(f"/pomoc/{slug}").get_data(as_text=True)
    assert "<h1>Nie pamiętam hasła — jak ustawić nowe</h1>" in page
    assert '<meta name="description" content="Nowe hasło ustawisz sam' in page
    assert 'hreflang="en"' in page and "I forgot my password" in page
    assert client.get("/pomoc/no-such-article").status_code == 404
    sitemap = client.get("/pomoc/sitemap.xml").get_data(as_text=True)
    assert f"/pomoc/{slug}</loc>" in sitemap and sitemap.count("<url>") == 15


def test_helpline_article_shows_the_hours_from_the_calendar(client, shipped):
    slug = services.search("infolinia godziny", "pl")[0].slug
    page = client.get(f"/pomoc/{slug}").get_data(as_text=True)
    assert "[[opening-hours]]" not in page
    assert 'class="opening-hours"' in page and "22:00" in page


def test_markdown_is_rendered_and_sanitised(client, write_article):
    translation = write_article("Test", "**Ważne** <script>alert(1)</script> [x](javascript:alert(2)) "
                                        "[bank](https://bank.example.pl)")
    page = client.get(f"/pomoc/{translation.slug}").get_data(as_text=True)
    assert "<strong>Ważne</strong>" in page and "<script>alert(1)" not in page and 'href="javascript:' not in page
    assert '<a href="https://bank.example.pl" rel="noopener noreferrer">bank</a>' in page


def test_was_this_helpful_counts_once_per_visitor(client, shipped):
    translation = db.session.scalars(db.select(KbTranslation).filter_by(language="pl")).first()
    page = client.get(f"/pomoc/{translation.slug}").get_data(as_text=True)
    token = csrf_token_from(page)
    for _ in range(2):
        client.post(f"/pomoc/{translation.slug}/ocena", data={"csrf_token": token, "helpful": "yes"})
    db.session.refresh(translation)
    assert (translation.helpful_yes, translation.helpful_no) == (1, 0)
    assert client.post(f"/pomoc/{translation.slug}/ocena", data={"helpful": "yes"}).status_code == 400  # no CSRF


def test_editor_previews_saves_publishes_and_keeps_history(client, make_staff):
    lead = make_staff(role="lead")
    login(client, lead.email)
    page = client.get("/admin/pomoc/nowy").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "title": "Zwrot nadpłaty", "category": "payment-problems",
            "keywords": "nadpłata, zwrot", "body": "Nadpłatę **zwracamy** w ciągu 7 dni."}
    preview = client.post("/admin/pomoc/nowy", data=dict(data, action="preview")).get_data(as_text=True)
    assert "<strong>zwracamy</strong>" in preview and db.session.scalar(db.select(KbTranslation)) is None

    saved = client.post("/admin/pomoc/nowy", data=dict(data, action="save"))
    translation = db.session.scalars(db.select(KbTranslation)).one()
    assert saved.status_code == 302 and translation.status == "draft"
    assert client.get(f"/pomoc/{translation.slug}").status_code == 404  # a draft is not public
    url = f"/admin/pomoc/{translation.article_id}/pl"
    client.post(url, data=dict(data, body="Nadpłatę zwracamy w ciągu 5 dni roboczych.", action="publish"))
    db.session.expire_all()
    assert db.session.get(KbTranslation, translation.id).status == "published"
    assert "5 dni roboczych" in client.get(f"/pomoc/{translation.slug}").get_data(as_text=True)
    actions = db.session.scalars(db.select(KbRevision.action).order_by(KbRevision.number)).all()
    assert actions == ["saved", "saved", "published"]
    old = client.get(f"{url}?revision=1").get_data(as_text=True)
    assert "w ciągu 7 dni" in old  # an earlier version loaded back into the editor
    client.post(url, data=dict(data, action="withdraw"))
    db.session.expire_all()
    assert db.session.get(KbTranslation, translation.id).status == "draft"
    assert {e.action for e in db.session.scalars(db.select(AuditEntry).filter_by(entity="kb_article"))} == \
        {"publish", "unpublish"}


def test_english_version_of_the_same_article(client, make_staff, write_article):
    polish = write_article("Zwrot nadpłaty", "Nadpłatę zwracamy w ciągu 7 dni.")
    lead = make_staff(role="admin")
    login(client, lead.email)
    url = f"/admin/pomoc/{polish.article_id}/en"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    client.post(url, data={"csrf_token": token, "title": "Overpayment refunds", "category": "",
                           "body": "We refund an overpayment within 7 days.", "action": "publish"})
    english = db.session.scalars(db.select(KbTranslation).filter_by(language="en")).one()
    assert english.article_id == polish.article_id
    page = client.get(f"/pomoc/{polish.slug}").get_data(as_text=True)
    assert f'href="/pomoc/{english.slug}" hreflang="en"' in page


@pytest.mark.parametrize("role", ["agent"])
def test_agents_cannot_edit_articles(client, make_staff, role):
    agent = make_staff(role=role)
    login(client, agent.email)
    assert client.get("/admin/pomoc/").status_code == 403
    assert client.get("/pomoc/").status_code == 200


def test_agent_finds_an_article_link_for_a_reply(client, make_staff, shipped):
    agent = make_staff()
    login(client, agent.email)
    page = client.get("/agent/pomoc/?q=haslo&language=pl").get_data(as_text=True)
    assert re.search(r'data-insert="Nie pamiętam hasła — jak ustawić nowe: http://127.0.0.1:5000/pomoc/[a-z-]+"', page)
    client.post("/agent/logout", data={"csrf_token": csrf_token_from(page)})
    assert client.get("/agent/pomoc/?q=haslo").status_code in (302, 401)


def test_a_solved_tickets_answer_becomes_a_draft_article(client, make_staff):
    from datetime import datetime, timezone

    from channels import InboundContact
    from helpdesk.intake import services as intake
    from helpdesk.models import Ticket
    from helpdesk.tickets import services as tickets
    from routing import defaults

    raw, _ = intake.store_raw(channel="email", source="test", payload=b"-", media_type="text/plain")
    ticket = intake.receive(raw.id, InboundContact(
        channel="email", received_at=datetime.now(timezone.utc), from_email="jan@example.pl",
        subject="Jak zmienić numer telefonu?", text="Chcę podać nowy numer."))
    lead = make_staff(role="lead", teams=list(defaults.TEAMS))
    tickets.reply(ticket.id, lead, "Numer zmienisz w Strefie Klienta, w ustawieniach konta.")
    tickets.reply(ticket.id, lead, "Klient to VIP, uważać.", internal=True)
    login(client, lead.email)
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Zrób z odpowiedzi szkic artykułu pomocy" not in page  # not solved yet
    refused = client.post(f"/agent/tickets/{ticket.id}/artykul", data={"csrf_token": csrf_token_from(page)},
                          follow_redirects=True)
    assert "Artykułem może zostać tylko odpowiedź w rozwiązanym zgłoszeniu." in refused.get_data(as_text=True)
    tickets.change_status(ticket.id, lead, "solved")
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Zrób z odpowiedzi szkic artykułu pomocy" in page
    made = client.post(f"/agent/tickets/{ticket.id}/artykul", data={"csrf_token": csrf_token_from(page)})
    draft = db.session.scalars(db.select(KbTranslation)).one()
    assert made.headers["Location"].endswith(f"/admin/pomoc/{draft.article_id}/pl")
    assert (draft.title, draft.status, draft.article.source_ticket_id) == ("Jak zmienić numer telefonu?", "draft",
                                                                            db.session.get(Ticket, ticket.id).id)
    assert draft.body_md == "Numer zmienisz w Strefie Klienta, w ustawieniach konta."  # the reply, not the note
    assert client.get(f"/pomoc/{draft.slug}").status_code == 404
