"""No account enumeration: login, reset and registration answer alike for an address that has an
account and one that has not, in the same time within a few milliseconds over repeated tries.

The mail-sending work runs in RQ jobs (on the real Redis), as in production, so the page's
own time is what a visitor can measure.
"""
from __future__ import annotations

import statistics
import time
import uuid

import pytest
from argon2 import PasswordHasher

from helpdesk.core import jobs
from helpdesk.core.extensions import limiter
from tests.conftest import csrf_token_from
from tests.helpdesk.portal.conftest import mails, zone_login

TRIES = 25
# The median of the differences of interleaved pairs of tries: the machine's load (shared with
# other work) falls on both kinds of try alike.
MAX_DIFFERENCE_MS = 5.0


@pytest.fixture
def on_rq(app, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-portal-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    try:
        yield
    finally:
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def timed_posts(client, path: str, fields_for: dict[str, dict]) -> dict[str, list[float]]:
    """POST each kind's fields to ``path`` TRIES times, interleaved; milliseconds per kind."""
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    times = {kind: [] for kind in fields_for}
    for n in range(TRIES + 2):
        for kind, fields in fields_for.items():
            data = {"csrf_token": token, **{k: v.format(n=n) for k, v in fields.items()}}
            started = time.perf_counter()
            response = client.post(path, data=data)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code in (200, 401), response.status_code
            if n >= 2:  # the first tries warm caches
                times[kind].append(elapsed)
    return times


def assert_alike(times: dict[str, list[float]]) -> None:
    difference = statistics.median(a - b for a, b in zip(times["account"], times["none"]))
    medians = {kind: round(statistics.median(values), 1) for kind, values in times.items()}
    print(f"median ms {medians}, median paired difference {difference:.2f} ms")
    assert abs(difference) <= MAX_DIFFERENCE_MS, (difference, medians)


class CountingHasher(PasswordHasher):
    """argon2 with light parameters, counting verifications (see the test below)."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)


def test_a_wrong_password_costs_the_same_with_or_without_an_account(app, client, make_customer, monkeypatch):
    """Both answers run one argon2 verification with the same parameters (counted here); with
    light parameters, so that the load of the shared machine on argon2 does not drown what
    else a request does, the rest of the two paths is timed."""
    from helpdesk.web import auth

    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    monkeypatch.setattr(auth, "_DUMMY_HASH", hasher.hash("a dummy"))
    monkeypatch.setitem(app.config, "PORTAL_LOCKOUT_FAILURES", 1000)  # measure the ordinary path
    monkeypatch.setitem(app.config, "PORTAL_LOGIN_IP_LIMIT", "1000 per minute")
    make_customer("ewa@example.pl")
    for login in ("ewa@example.pl", "nikt@example.pl"):
        hasher.verified = 0
        zone_login(client, login, "wrong password")
        assert hasher.verified == 1, login
    times = timed_posts(client, "/portal/login", {
        "account": {"login": "ewa@example.pl", "password": "wrong password {n}"},
        "none": {"login": "nikt{n}@example.pl", "password": "wrong password {n}"}})
    assert_alike(times)


def test_reset_and_registration_cost_the_same_and_mail_only_the_account(app, client, make_customer, on_rq, smtp,
                                                                         monkeypatch):
    make_customer("ewa@example.pl")
    make_customer("jan@example.pl", account=False, name="Jan Kowalski")
    smtp.received.clear()
    limiter.enabled = False  # this test makes more requests than a visitor may
    try:
        assert_alike(timed_posts(client, "/portal/password/forgot", {
            "account": {"login": "ewa@example.pl"}, "none": {"login": "nikt{n}@example.pl"}}))
        assert_alike(timed_posts(client, "/portal/register", {
            "account": {"email": "jan@example.pl"}, "none": {"email": "nikt{n}@example.pl"}}))
    finally:
        limiter.enabled = True
    jobs.run_worker(burst=True, with_scheduler=False)
    assert {m["To"] for m in mails(smtp)} == {"ewa@example.pl", "jan@example.pl"}
