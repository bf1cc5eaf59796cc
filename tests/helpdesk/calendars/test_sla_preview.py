"""Before a calendar exception is saved, the admin sees how the SLA deadlines of open tickets would move."""
from __future__ import annotations

from datetime import date

from helpdesk.core.extensions import db
from helpdesk.models.sla import SlaClock
from helpdesk.calendars import services as calendars
from tests.conftest import csrf_token_from, login
from tests.helpdesk.tickets.test_workspace import open_ticket


def test_preview_counts_the_tickets_that_would_move_and_saves_nothing(client, make_staff):
    ticket = open_ticket("payment-problems")  # an e-mail: first response within 24 h on working-days
    due_before = {c.name: c.due_at for c in db.session.scalars(db.select(SlaClock).filter_by(ticket_id=ticket.id))}
    make_staff("root@kontakt.test", role="admin")
    login(client, "root@kontakt.test")
    page = client.get("/admin/calendars/working-days").get_data(as_text=True)
    today = ticket.created_at.date()
    form = {"csrf_token": csrf_token_from(page), "title": "Inwentaryzacja", "start": today.isoformat(),
            "end": date.fromordinal(today.toordinal() + 14).isoformat(), "mode": "closed", "hours": ""}
    preview = client.post("/admin/calendars/working-days/exceptions", data={**form, "action": "preview"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="sla-impact"' in text
    assert "1 otwartych zgłoszeń" in text or "1 open tickets" in text
    assert calendars.find("working-days").data.get("exceptions", []) == []
    db.session.expire_all()
    assert {c.name: c.due_at for c in db.session.scalars(db.select(SlaClock).filter_by(ticket_id=ticket.id))} \
        == due_before
    saved = client.post("/admin/calendars/working-days/exceptions", data={**form, "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert [e["name"] for e in calendars.find("working-days").data["exceptions"]] == ["Inwentaryzacja"]
    moved = {c.name: c.due_at for c in db.session.scalars(db.select(SlaClock).filter_by(ticket_id=ticket.id))}
    assert all(moved[name] > due_before[name] for name in due_before if due_before[name])
