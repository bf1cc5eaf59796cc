"""The periodic sweep runs every registered sweep, even when one fails."""
from __future__ import annotations

from helpdesk.core import periodic


def test_sweep_runs_every_registered_sweep_despite_a_failure(app, monkeypatch):
    ran = []

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.extensions, "kontakt_sweeps", [broken, lambda: ran.append("second")])
    periodic.sweep()
    assert ran == ["second"]


def test_admin_area_is_for_administrators_only(client, make_staff):
    from tests.conftest import login

    make_staff("lead@kontakt.test", role="lead")
    login(client, "lead@kontakt.test")
    assert client.get("/admin/").status_code == 403
    client.post("/agent/logout", data={})
    make_staff("root@kontakt.test", role="admin")
    other = client.application.test_client()
    login(other, "root@kontakt.test")
    assert other.get("/admin/").status_code == 200
