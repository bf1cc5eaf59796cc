"""Routing administration: rule set drafts with validation, preview and publish; teams; agents;
the audit trail; the `helpdesk routing simulate` command."""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from routing import RuleSetError
from routing.defaults import default_rules
from helpdesk.routing import services as routing_service
from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry, Team, Ticket, TicketEvent, User
from helpdesk.models.routing import RuleSetVersion
from helpdesk.models.types import utcnow
from tests.conftest import csrf_token_from, login
from tests.helpdesk.routing.test_jobs import contact


@pytest.fixture
def admin(client, make_staff):
    user = make_staff("admin@kontakt.test", role="admin", name="Ada Admin")
    login(client, "admin@kontakt.test")
    return user


def audit(entity: str) -> list[AuditEntry]:
    return db.session.scalars(db.select(AuditEntry).filter_by(entity=entity).order_by(AuditEntry.id)).all()


def save_rules(client, data, mode: str = "all"):
    page = client.get("/admin/routing").get_data(as_text=True)
    return client.post("/admin/routing", data={"mode": mode, "rules_json": json.dumps(data),
                                               "csrf_token": csrf_token_from(page)})


def test_the_default_rules_are_seeded_once_and_valid(app):
    first = routing_service.ensure_default_rules()
    again = routing_service.ensure_default_rules()
    assert first.id == again.id and first.state == "live" and first.rules == default_rules()
    assert routing_service.validate(first.rules) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(RuleSetVersion)) == 1


def test_saving_an_invalid_rule_set_lists_each_error_naming_the_rule(app, client, admin):
    data = default_rules()
    data["rules"][0]["actions"]["team"] = "dzial-marzen"
    data["rules"][1]["conditions"][0]["op"] = "roughly"
    response = save_rules(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "rule &#39;sla-written&#39;: unknown team &#39;dzial-marzen&#39;" in page
    assert "rule &#39;sla-phone&#39; condition 1: unknown operator &#39;roughly&#39;" in page
    assert routing_service.draft_version() is None


def test_broken_json_is_reported_not_crashed_on(app, client, admin):
    page = client.get("/admin/routing").get_data(as_text=True)
    response = client.post("/admin/routing", data={"mode": "all", "rules_json": '{"mode": "all",',
                                                   "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422 and "JSON" in response.get_data(as_text=True)


def test_an_unknown_sla_policy_is_refused(app):
    data = default_rules()
    data["default_sla_policy"] = "platinum"
    with pytest.raises(RuleSetError) as error:
        routing_service.save_draft(data, None)
    assert error.value.errors == ["rule set: unknown default SLA policy 'platinum'"]


def test_a_draft_is_previewed_then_published_and_every_step_is_audited(app, client, admin, make_staff):
    make_staff("ewa@kontakt.test", name="Ewa Nowak", teams=["wsparcie-techniczne"],
               skills=["technical-support"], presence="available")
    contact("Nie mogę się zalogować do strefy klienta.", subject="Logowanie")
    data = default_rules()
    data["rules"] = [r for r in data["rules"] if r["id"] != "text-technical-support"]
    assert save_rules(client, data, mode="first").status_code == 302
    draft = routing_service.draft_version()
    assert draft.rules["mode"] == "first" and draft.author_user_id == admin.id
    preview = client.get("/admin/routing/preview").get_data(as_text=True)
    assert "Ewa Nowak" in preview and "Gini" in preview and "technical-support" in preview
    page = client.get("/admin/routing").get_data(as_text=True)
    client.post("/admin/routing/publish", data={"csrf_token": csrf_token_from(page)})
    live = db.session.scalar(db.select(RuleSetVersion).filter_by(state="live"))
    assert live.id == draft.id and routing_service.draft_version() is None
    assert [(a.action, a.actor_user_id) for a in audit("routing_rules")] == [("save_draft", admin.id),
                                                                          ("publish", admin.id)]
    ticket = contact("Nie mogę się zalogować do strefy klienta.", subject="Logowanie")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).routing["rules_version"] == live.version
    assert db.session.get(Ticket, ticket.id).routing["trace"]["mode"] == "first"


def test_rules_are_disabled_and_moved_from_the_list(app, client, admin):
    page = client.get("/admin/routing").get_data(as_text=True)
    token = csrf_token_from(page)
    client.post("/admin/routing/rules/sla-phone/up", data={"csrf_token": token})
    client.post("/admin/routing/rules/vip/toggle", data={"csrf_token": token})
    rules = routing_service.draft_version().rules["rules"]
    assert [r["id"] for r in rules[:2]] == ["sla-phone", "sla-written"]
    assert next(r for r in rules if r["id"] == "vip")["enabled"] is False
    assert len(audit("routing_rules")) == 2


def test_leads_may_look_but_not_change(app, client, make_staff):
    make_staff("lead@kontakt.test", role="lead")
    login(client, "lead@kontakt.test")
    page = client.get("/admin/routing")
    assert page.status_code == 200 and "sla-written" in page.get_data(as_text=True)
    response = save_rules(client, default_rules())
    assert response.status_code == 403 and routing_service.draft_version() is None
    assert client.get("/admin/agents").status_code == 200


def test_teams_are_created_and_renamed_with_audit(app, client, admin):
    page = client.get("/admin/teams").get_data(as_text=True)
    client.post("/admin/teams", data={"new-slug": "windykacja", "new-name": "Windykacja",
                                      "csrf_token": csrf_token_from(page)})
    team = db.session.scalar(db.select(Team).filter_by(slug="windykacja"))
    client.post("/admin/teams", data={"rename-team_id": str(team.id), "rename-name": "Windykacja miękka",
                                      "csrf_token": csrf_token_from(page)})
    bad = client.post("/admin/teams", data={"new-slug": "Zła Nazwa!", "new-name": "x",
                                            "csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Windykacja miękka"
    assert 'class="field has-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 3
    assert [a.action for a in audit("team")] == ["create", "rename"]


def test_an_agents_routing_data_is_edited_with_audit(app, client, admin, make_staff):
    agent = make_staff("ewa@kontakt.test", teams=["obsluga-klienta"])
    page = client.get(f"/admin/agents/{agent.id}").get_data(as_text=True)
    form = {"teams": ["wsparcie-techniczne"], "skills": ["technical-support", "complaints"],
            "languages": "pl, en", "capacity_email": "4", "capacity_webform": "6", "capacity_phone": "1",
            "shift_calendar": "contact-centre", "csrf_token": csrf_token_from(page)}
    assert client.post(f"/admin/agents/{agent.id}", data=form).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert [t.slug for t in user.teams] == ["wsparcie-techniczne"] and user.languages == ["pl", "en"]
    assert user.capacity == {"email": 4, "webform": 6, "phone": 1} and user.shift_calendar == "contact-centre"
    entry = audit("agent")[-1]
    assert entry.actor_user_id == admin.id and entry.data["capacity"]["new"]["phone"] == 1
    bad = client.post(f"/admin/agents/{agent.id}", data=form | {"shift_calendar": "nie-ma-takiego"})
    assert bad.status_code == 200 and "nie-ma-takiego" in bad.get_data(as_text=True)
    assert db.session.get(User, agent.id).shift_calendar == "contact-centre"


def test_simulate_prints_load_attainment_and_gini_and_changes_nothing(app, make_staff, tmp_path):
    make_staff("ewa@kontakt.test", name="Ewa Nowak", teams=["wsparcie-techniczne"],
               skills=["technical-support"], presence="available")
    make_staff("jan@kontakt.test", name="Jan Obsługa", teams=["obsluga-klienta"],
               skills=["payment-problems", "application-status"], presence="available")
    for text in ("Nie mogę się zalogować.", "Nie działa kod SMS przy logowaniu.",
                 "Nie zapłaciłem raty, proszę o harmonogram spłaty."):
        contact(text, subject="Sprawa")
    before = (db.session.scalar(db.select(db.func.count()).select_from(TicketEvent)),
              sorted((t.id, t.assignee_id, t.routed_at) for t in db.session.scalars(db.select(Ticket))))
    today = utcnow().astimezone(ZoneInfo("Europe/Warsaw")).date()  # the command's days are Warsaw days
    runner = app.test_cli_runner()
    result = runner.invoke(args=["routing", "simulate", "--from", str(today - timedelta(days=1)),
                                 "--to", str(today + timedelta(days=1))])
    assert result.exit_code == 0, result.output
    assert "Tickets" in result.output and ": 3," in result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines() if line.strip()}
    assert lines["technical-support"][1:3] == ["2", "2"] and lines["payment-problems"][1:3] == ["1", "1"]
    assert "Ewa Nowak" in result.output and "Gini coefficient of assignments:" in result.output
    rules = default_rules()
    rules["rules"] = [r for r in rules["rules"] if not r["id"].startswith("text-")]
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(rules), encoding="utf-8")
    result = runner.invoke(args=["routing", "simulate", "--from", str(today), "--to", str(today),
                                 "--rules", str(draft)])
    assert result.exit_code == 0 and "technical-support" not in result.output
    assert "uncategorised" in result.output
    db.session.expire_all()
    assert before == (db.session.scalar(db.select(db.func.count()).select_from(TicketEvent)),
                      sorted((t.id, t.assignee_id, t.routed_at) for t in db.session.scalars(db.select(Ticket))))


def test_simulate_rejects_an_invalid_rule_file_naming_the_problem(app, tmp_path):
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"mode": "sometimes", "default_team": "obsluga-klienta", "rules": []}))
    result = app.test_cli_runner().invoke(args=["routing", "simulate", "--from", "2026-01-01", "--to",
                                                "2026-01-31", "--rules", str(draft)])
    assert result.exit_code != 0 and "mode must be one of first, all" in result.output
