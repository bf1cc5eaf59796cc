"""The CTI webhook: Zammad-style events in, stored as received, calls derived in any order, dead letters."""
from __future__ import annotations

import json
import random
from datetime import timedelta

from channels.phone import sign
from helpdesk.core.extensions import db
from helpdesk.models import RawContact, Ticket
from helpdesk.models.phone import Call, Callback, PhoneEvent
from helpdesk.phone import jobs as phone_jobs
from helpdesk.phone import services
from tests.conftest import csrf_token_from, login
from tests.helpdesk.phone.conftest import CALLER, LINE_660, TOKEN, Pbx, local

MONDAY_10 = local(2025, 12, 1, 10, 0)


def call_of(call_id: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(db.select(Call).filter_by(call_id=call_id))


def count(model, **where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**where))


def test_a_form_encoded_answered_call_is_stored_as_received_and_logged(pbx, make_staff):
    agent = make_staff("anna@kontakt.test", name="Anna Nowak")
    services.set_agent_phone(None, agent.id, extension="101", number="")
    first = pbx.post(event="newCall", callId="c1", from_="0 501-234-567", to="660 600 700", direction="in",
                     **{"user[]": ["101", "nobody"]}, queue="bok", timestamp=MONDAY_10)
    assert first.status_code == 200 and first.get_json() == {}
    stored = db.session.scalar(db.select(PhoneEvent).filter_by(call_id="c1"))
    assert stored.payload.startswith(b"event=newCall&callId=c1&from=0+501-234-567")
    assert stored.media_type == "application/x-www-form-urlencoded" and stored.status == "processed"
    pbx.post(event="answer", callId="c1", from_=CALLER, to=LINE_660, direction="in", user="101",
             answeringNumber="101", timestamp=MONDAY_10 + timedelta(seconds=18))
    pbx.post(event="hangup", callId="c1", from_=CALLER, to=LINE_660, direction="in", cause="normalClearing",
             timestamp=MONDAY_10 + timedelta(seconds=258))
    call = call_of("c1")
    assert (call.caller, call.line_number, call.line.name, call.queue) == (CALLER, LINE_660,
                                                                          "Infolinia 660 600 700", "bok")
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.agent_id) == ("answered", 18, 240, agent.id)
    assert call.offered_agent_ids == [agent.id] and call.offered_at == MONDAY_10
    assert call.ticket_id is None and count(Ticket) == 0  # an answered call is logged by the agent


def test_json_events_and_a_call_offered_to_several_users(pbx, make_staff):
    anna, jan = make_staff(name="Anna Nowak"), make_staff("jan@kontakt.test", name="Jan Kowal")
    answer = pbx.post(as_json=True, event="newCall", callId="j1", **{"from": CALLER}, to=LINE_660, direction="in",
                      user=["Anna Nowak", "jan@kontakt.test"], timestamp=MONDAY_10.isoformat())
    assert answer.status_code == 200 and answer.get_json() == {}
    assert call_of("j1").offered_agent_ids == [anna.id, jan.id] and call_of("j1").state == "ringing"


def test_a_missed_call_becomes_one_callback_ticket_whatever_the_order_and_repeats(pbx):
    events = [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=75), {"cause": "cancel"})]
    events = events + events  # every event delivered twice
    random.Random(3).shuffle(events)
    pbx.call("m1", [e for e in events if e[0] == "hangup"][:1])  # the hangup first
    pbx.call("m1", events)
    call = call_of("m1")
    assert (call.outcome, call.wait_seconds) == ("abandoned", 75)
    assert count(Ticket) == 1 and count(RawContact, channel="phone") == 1 and count(PhoneEvent, call_id="m1") == 5
    ticket = db.session.get(Ticket, call.ticket_id)
    assert ticket.channel == "phone" and ticket.team.slug == "obsluga-klienta" and ticket.line == LINE_660
    assert ticket.subject == "Nieodebrane połączenie z +48 501 234 567"
    assert ticket.customer.phones[0].number == CALLER
    callback = db.session.scalar(db.select(Callback).filter_by(ticket_id=ticket.id))
    assert (callback.number, callback.status, callback.missed_calls) == (CALLER, "open", 1)


def test_a_hangup_before_its_new_call_is_corrected_when_the_new_call_comes(pbx):
    pbx.call("o1", [("hangup", MONDAY_10 + timedelta(seconds=4), {"cause": "cancel"})])
    assert call_of("o1").outcome == "short_abandon" and count(Ticket) == 0  # as far as we know yet
    pbx.call("o1", [("newCall", MONDAY_10 - timedelta(seconds=40), {})])
    assert call_of("o1").outcome == "abandoned" and call_of("o1").wait_seconds == 44
    assert count(Ticket) == 1


def test_short_abandons_answered_and_forwarded_calls_open_no_callback(pbx):
    pbx.call("s1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=3), {"cause": "cancel"})])
    pbx.call("f1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=9), {"cause": "forwarded"})])
    pbx.call("a1", [("newCall", MONDAY_10, {}), ("answer", MONDAY_10 + timedelta(seconds=5), {}),
                    ("hangup", MONDAY_10 + timedelta(seconds=60), {})])
    assert [call_of(c).outcome for c in ("s1", "f1", "a1")] == ["short_abandon", "forwarded", "answered"]
    assert count(Ticket) == 0


def test_an_answer_that_never_comes_and_an_unknown_call_id(pbx):
    pbx.call("n1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=30),
                                                 {"cause": "noAnswer"})])
    assert call_of("n1").outcome == "no_answer" and call_of("n1").ticket_id is not None
    answer = pbx.post(event="answer", callId="never-seen", timestamp=MONDAY_10)  # no numbers at all
    assert answer.status_code == 200 and call_of("never-seen").state == "talking"


def test_further_missed_calls_while_the_callback_is_open_are_attempts_on_it(pbx):
    for n in range(3):
        start = MONDAY_10 + timedelta(minutes=10 * n)
        pbx.call(f"r{n}", [("newCall", start, {}), ("hangup", start + timedelta(seconds=50), {"cause": "cancel"})])
    assert count(Ticket) == 1
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert len(ticket.messages) == 3 and {call_of(f"r{n}").ticket_id for n in range(3)} == {ticket.id}
    assert db.session.scalar(db.select(Callback)).missed_calls == 3
    other = pbx.call("x1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=50),
                                                         {"cause": "busy"})], caller="+48600100200")
    assert all(a.status_code == 200 for a in other) and count(Ticket) == 2


def test_a_blocked_number_is_rejected_and_never_called_back(pbx, app):
    services.block_number(None, "501 234 567", "nuisance calls")
    answer = pbx.call("b1", [("newCall", MONDAY_10, {})])[0]
    assert answer.get_json() == {"action": "reject", "reason": "busy"}
    pbx.call("b1", [("hangup", MONDAY_10 + timedelta(seconds=1), {"cause": "busy"})])
    assert call_of("b1").outcome == "rejected" and count(Ticket) == 0


def test_a_malformed_event_gets_400_with_the_reason_and_waits_in_the_dead_letters(pbx, client, make_staff):
    answer = pbx.post(event="ring", callId="d1")
    assert answer.status_code == 400 and "event: must be one of" in answer.get_json()["message"]
    garbage = pbx.client.post(f"/api/v1/cti/{TOKEN}", data=b"{oops", content_type="application/json")
    assert garbage.status_code == 400 and "not valid JSON" in garbage.get_json()["message"]
    dead = services.dead_letters()
    assert [e.payload for e in dead] == [b"{oops", b"event=ring&callId=d1"]
    admin = make_staff(role="admin")
    login(client, admin.email)
    page = client.get("/admin/phone/dead-letters").get_data(as_text=True)
    assert "event: must be one of" in page and "{oops" in page
    replayed = client.post(f"/admin/phone/dead-letters/{dead[1].id}/replay",
                           data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "Nadal odrzucone" in replayed.get_data(as_text=True)  # still malformed: still a dead letter


def test_a_body_too_large_for_an_event_is_refused_unstored(pbx):
    answer = pbx.client.post(f"/api/v1/cti/{TOKEN}", data=b"event=hangup&callId=x&pad=" + b"y" * 70000,
                             content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413 and count(PhoneEvent) == 0
    answer = pbx.client.post(f"/api/v1/cti/{TOKEN}", data=b"event=hangup&callId=x&pad=" + b"y" * 20000,
                             content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and count(PhoneEvent, status="dead") == 1


def test_the_webhook_answers_in_front_of_flask_as_an_api_does(pbx):
    """The webhook is answered before Flask's request cycle: it still sends the security
    headers, refuses another method with 405, and leaves other paths to the app."""
    answer = pbx.post(event="newCall", callId="h1", from_=CALLER, to=LINE_660)
    assert answer.status_code == 200 and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"] == "application/json" and "Set-Cookie" not in answer.headers
    got = pbx.client.get(f"/api/v1/cti/{TOKEN}")
    assert got.status_code == 405 and got.headers["Allow"] == "POST" and count(PhoneEvent) == 1
    assert pbx.client.post(f"/api/v1/cti/{TOKEN}/more", data=b"event=newCall").status_code == 404


def test_with_the_database_unreachable_the_event_is_refused_with_503_to_be_sent_again(app, pbx, monkeypatch):
    from sqlalchemy import create_engine

    from helpdesk.core.extensions import _Autocommit

    # A real refusal: the webhook's connections go to a port where no database listens.
    unreachable = create_engine(db.engine.url.set(host="127.0.0.1", port=1))
    monkeypatch.setitem(app.extensions, "kontakt_autocommit", _Autocommit(unreachable))
    answer = pbx.post(event="newCall", callId="u1", from_=CALLER, to=LINE_660)
    assert answer.status_code == 503 and "send it again" in answer.get_json()["message"]
    monkeypatch.setitem(app.extensions, "kontakt_autocommit", _Autocommit(db.engine))
    assert pbx.post(event="newCall", callId="u1", from_=CALLER, to=LINE_660).status_code == 200
    assert count(PhoneEvent) == 1


def test_a_chunked_body_is_read_no_further_than_an_event_can_be(pbx):
    """Without a length (chunked), the body is read up to the limit: too long is refused unstored,
    short enough is stored whole."""
    import io

    def post(body: bytes):
        return pbx.client.post(f"/api/v1/cti/{TOKEN}", input_stream=io.BytesIO(body),
                               content_type="application/x-www-form-urlencoded",
                               headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})

    assert post(b"event=hangup&callId=x&pad=" + b"y" * 70000).status_code == 413 and count(PhoneEvent) == 0
    body = f"event=newCall&callId=c1&from={CALLER}&to={LINE_660}".encode()
    assert post(body).status_code == 200
    assert db.session.scalars(db.select(PhoneEvent.payload)).one() == body


def test_a_dead_letter_from_a_parser_failure_is_replayed_into_its_call(pbx, client, make_staff, monkeypatch):
    # A mock, as nothing real makes the parser fail: the parser failing on one event (a bug later fixed).
    real = services.parse_event
    monkeypatch.setattr(services, "parse_event", lambda *a: (_ for _ in ()).throw(KeyError("bug")))
    answer = pbx.call("p1", [("newCall", MONDAY_10, {})])[0]
    assert answer.status_code == 400 and "KeyError" in answer.get_json()["message"]
    monkeypatch.setattr(services, "parse_event", real)
    assert call_of("p1") is None
    admin = make_staff(role="admin")
    login(client, admin.email)
    token = csrf_token_from(client.get("/admin/phone/dead-letters").get_data(as_text=True))
    event_id = services.dead_letters()[0].id
    client.post(f"/admin/phone/dead-letters/{event_id}/replay", data={"csrf_token": token})
    assert call_of("p1").state == "ringing" and services.dead_letters() == []


def test_tokens_per_pbx_rotated_by_an_admin_and_the_fixed_one(app, client, make_staff, monkeypatch):
    assert Pbx(client, "wrong").post(event="newCall", callId="t", to=LINE_660).status_code == 401
    admin = make_staff(role="admin")
    login(client, admin.email)
    page = client.get("/admin/phone/pbxes").get_data(as_text=True)
    created = client.post("/admin/phone/pbxes", data={"csrf_token": csrf_token_from(page), "name": "Centrala"})
    html = created.get_data(as_text=True)
    token = html.split("/api/v1/cti/")[1].split("<")[0]
    assert Pbx(client, token).post(event="newCall", callId="t1", to=LINE_660).status_code == 200
    pbx_row = db.session.scalars(db.select(services.Pbx)).one()
    assert pbx_row.token_hash == services.token_hash(token) and token not in str(pbx_row.__dict__)
    rotated = client.post(f"/admin/phone/pbxes/{pbx_row.id}/rotate", data={"csrf_token": csrf_token_from(html)})
    new_token = rotated.get_data(as_text=True).split("/api/v1/cti/")[1].split("<")[0]
    assert Pbx(client, token).post(event="newCall", callId="t2", to=LINE_660).status_code == 401
    assert Pbx(client, new_token).post(event="newCall", callId="t3", to=LINE_660).status_code == 200
    assert Pbx(client, TOKEN).post(event="newCall", callId="t4", to=LINE_660).status_code == 401
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    assert Pbx(client, TOKEN).post(event="newCall", callId="t5", to=LINE_660).status_code == 200


def test_a_signature_is_checked_when_sent_and_when_required(app, client):
    pbx_row, token = services.create_pbx(None, "Signing PBX", require_signature=True)
    secret = services.signing_secret(services.token_hash(token))
    body = b"event=newCall&callId=s1&to=660600700"
    post = lambda headers: client.post(f"/api/v1/cti/{token}", data=body,  # noqa: E731
                                       content_type="application/x-www-form-urlencoded", headers=headers)
    assert post({}).status_code == 401 and "header is missing" in post({}).get_json()["message"]
    assert post({"X-Kontakt-Signature": sign(b"guess", body)}).status_code == 401
    assert post({"X-Kontakt-Signature": sign(secret, body)}).status_code == 200
    services.update_pbx(None, pbx_row.id, require_signature=False, active=True)
    assert post({}).status_code == 200
    assert post({"X-Kontakt-Signature": "sha256=00"}).status_code == 401  # sent, so checked
    assert count(PhoneEvent) == 2


def test_an_event_is_stored_after_the_database_dropped_the_webhooks_connection(app, pbx):
    import threading

    from sqlalchemy import text

    assert pbx.post(event="newCall", callId="d1", from_=CALLER, to=LINE_660).status_code == 200
    # A web thread that has ended gave its connection back to the pool, where it dies too.
    other = threading.Thread(target=lambda: pbx.post(event="ringing", callId="d1", from_=CALLER, to=LINE_660))
    other.start()
    other.join()
    # The database ends every other session (a restart, a failover, an idle timeout): the
    # webhook's pooled connection is dead, and it finds out only by using it.
    db.session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.commit()
    answer = pbx.post(event="hangup", callId="d1", from_=CALLER, to=LINE_660, cause="cancel")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert count(PhoneEvent) == 3 and call_of("d1").state == "ended"


def test_events_of_a_pbx_name_it_and_a_refused_token_stores_nothing(app, client):
    pbx_row, token = services.create_pbx(None, "Centrala")
    assert Pbx(client, token).post(event="newCall", callId="p1", to=LINE_660).status_code == 200
    services.update_pbx(None, pbx_row.id, require_signature=False, active=False)
    answer = Pbx(client, token).post(event="newCall", callId="p2", to=LINE_660)
    assert answer.status_code == 401 and answer.get_json()["message"] == "Unknown CTI token."
    assert [e.pbx_id for e in db.session.scalars(db.select(PhoneEvent))] == [pbx_row.id]


def test_events_are_processed_by_an_rq_worker(app, pbx, redis_url, monkeypatch):
    import uuid

    from helpdesk.core import jobs

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    try:
        pbx.call("q1", [("hangup", MONDAY_10 + timedelta(seconds=70), {"cause": "cancel"}),
                        ("newCall", MONDAY_10, {})])
        assert count(PhoneEvent, status="received") == 2 and call_of("q1") is None
        assert jobs.queue().count == 1  # one run for the burst
        jobs.run_worker(burst=True, with_scheduler=False)
        call = call_of("q1")
        assert call.outcome == "abandoned" and call.ticket_id is not None
        assert count(PhoneEvent, status="processed") == 2
    finally:
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def test_a_batch_of_missed_calls_gives_each_number_one_callback_through_a_worker(app, pbx, redis_url, monkeypatch):
    import uuid

    from helpdesk.core import jobs

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    other = "+48600100200"
    try:
        for n, caller in enumerate([CALLER, other, CALLER, CALLER]):
            start = MONDAY_10 + timedelta(minutes=n)
            pbx.call(f"b{n}", [("newCall", start, {}), ("hangup", start + timedelta(seconds=45), {"cause": "cancel"})],
                     caller=caller)
        pbx.call("b9", [("newCall", MONDAY_10, {}), ("answer", MONDAY_10 + timedelta(seconds=5), {"user": "101"}),
                        ("hangup", MONDAY_10 + timedelta(minutes=3), {"cause": "normalClearing"})], caller=other)
        assert count(PhoneEvent, status="received") == 11 and count(Ticket) == 0
        jobs.run_worker(burst=True, with_scheduler=False)
        assert count(Ticket) == 2 and count(RawContact) == 4
        mine = call_of("b0").ticket_id
        assert {call_of(f"b{n}").ticket_id for n in (0, 2, 3)} == {mine} and call_of("b1").ticket_id not in (mine, None)
        assert call_of("b9").ticket_id is None
        callbacks = {c.number: c for c in db.session.scalars(db.select(Callback))}
        assert callbacks[CALLER].missed_calls == 3 and callbacks[other].missed_calls == 1
        assert len(db.session.get(Ticket, mine).messages) == 3
        # Run again (a retried job, the sweep): nothing more.
        db.session.execute(db.update(Call).where(Call.call_id == "b1").values(callback_done=False))
        db.session.commit()
        assert services.open_callbacks([call_of(f"b{n}").id for n in range(4)]) == {"b1": call_of("b1").ticket_id}
        assert count(Ticket) == 2 and count(Callback) == 2 and callbacks[other].missed_calls == 1
    finally:
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def test_the_sweep_opens_a_callback_a_crash_left_unopened(pbx, monkeypatch):
    # A mock, as nothing real crashes on cue: intake failing once while the callback is opened.
    from helpdesk.intake import services as intake

    real = intake.receive_many

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(intake, "receive_many", crash)
    pbx.call("k1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=60), {"cause": "cancel"})])
    assert call_of("k1").ticket_id is None and not call_of("k1").callback_done
    monkeypatch.setattr(intake, "receive_many", real)
    phone_jobs.sweep()
    assert call_of("k1").callback_done and count(Ticket) == 1
    phone_jobs.sweep()
    assert count(Ticket) == 1 and json.loads(db.session.scalars(db.select(RawContact)).one().payload)["call_id"] == "k1"

