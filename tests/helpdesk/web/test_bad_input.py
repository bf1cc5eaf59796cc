"""No input a user can type produces a 500."""
from __future__ import annotations

import pytest

from helpdesk.web.auth import issue_api_token
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from tests.helpdesk.intake.test_contact_form import form_data

NASTY = ["\x00", "a\x00b" * 50, "🙂" * 300, "<script>alert(1)</script>", "' OR 1=1 --", "x" * 20000,
         "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "%s%n%x", "../../etc/passwd"]


@pytest.mark.parametrize("value", NASTY)
def test_contact_form_survives_nasty_text(client, value):
    data = form_data(client, name=value[:200] or "x", subject=value[:200], description=value + " opis sprawy")
    response = client.post("/contact", data=data)
    assert response.status_code in (302, 422)
    for ticket in db.session.scalars(db.select(Ticket)):
        assert "\x00" not in ticket.subject


@pytest.mark.parametrize("value", NASTY)
def test_api_survives_nasty_text(client, make_staff, value):
    token = issue_api_token(make_staff(teams=["obsluga-klienta"]), "t")
    response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"},
                           json={"subject": value[:300] or "x", "text": value[:10000] or "x"})
    assert response.status_code in (201, 422)
    for path in (f"/api/v1/tickets?status={value[:50]}", f"/api/v1/tickets?limit={value[:50]}"):
        assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code < 500


@pytest.mark.parametrize("path", ["/agent/tickets/99999999999999999999", "/api/v1/tickets/-1", "/%00", "/agent/?view=%00"])
def test_odd_paths_are_not_500(client, make_staff, path):
    from tests.conftest import login

    make_staff("a@kontakt.test", teams=["obsluga-klienta"])
    login(client, "a@kontakt.test")
    assert client.get(path).status_code < 500


def test_ids_beyond_the_database_range_are_404_everywhere(client, make_staff):
    from tests.conftest import login

    make_staff("root@kontakt.test", role="admin")
    login(client, "root@kontakt.test")
    huge = 2**40
    for path in (f"/agent/tickets/{huge}", f"/api/v1/tickets/{huge}", f"/admin/agents/{huge}",
                 f"/admin/mail/mailboxes/{huge}"):
        assert client.get(path).status_code == 404, path
