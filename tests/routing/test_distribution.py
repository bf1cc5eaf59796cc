from datetime import timedelta

from routing import OpenAssignment, Requeue, Roster, distribute, stale_assignments
from tests.routing.factories import TUESDAY_10, make_agent, make_ticket, shift, warsaw

MORNING = shift("morning", "06:00-14:00")
EARLY = shift("early", "06:00-09:30")
ENDED_5_MIN_AGO = shift("until-9-55", "06:00-09:55")


def waiting(ticket_id, due_hour):
    return make_ticket(ticket_id, sla_due_at=warsaw(2026, 3, 11, due_hour) if due_hour else None,
                       created_at=warsaw(2026, 3, 10, 9, ticket_id))


def test_waiting_tickets_go_out_earliest_sla_due_first_and_undated_last():
    roster = Roster([make_agent(1, capacity={"email": 2})])
    tickets = [waiting(1, None), waiting(2, 15), waiting(3, 9)]
    results = distribute(tickets, roster, TUESDAY_10)
    assert [(r.ticket_id, r.assignee_id) for r in results] == [(3, 1), (2, 1), (1, None)]
    assert results[-1].status == "queued"
    assert roster.load[1] == {}  # the caller's roster is untouched


def test_distribute_counts_each_hand_out_in_the_loads():
    roster = Roster([make_agent(1, capacity={"email": 1}), make_agent(2, capacity={"email": 2})])
    results = distribute([waiting(1, 9), waiting(2, 10), waiting(3, 11), waiting(4, 12)], roster, TUESDAY_10)
    # 1 -> agent 1 (tie, lower id); 2 -> agent 2 (agent 1 full); 3 -> agent 2; 4 waits
    assert [r.assignee_id for r in results] == [1, 2, 2, None]
    assert results[3].candidates[0].reasons == ["capacity"]


def test_distribute_spreads_equal_tickets_by_time_since_last_assignment():
    roster = Roster([make_agent(1), make_agent(2), make_agent(3)])
    results = distribute([waiting(i, 9 + i) for i in range(1, 4)], roster, TUESDAY_10)
    assert [r.assignee_id for r in results] == [1, 2, 3]


def test_pinned_waiting_tickets_are_not_moved():
    roster = Roster([make_agent(1)])
    results = distribute([make_ticket(5, pinned_agent_id=9)], roster, TUESDAY_10)
    assert (results[0].status, results[0].assignee_id) == ("pinned", 9)


def test_stale_assignments_are_requeued():
    roster = Roster([
        make_agent(1, presence="offline"),
        make_agent(2, shift=EARLY),             # shift ended 30 minutes ago
        make_agent(3, shift=ENDED_5_MIN_AGO),   # still within the grace period
        make_agent(4, shift=MORNING),
        make_agent(5, presence="away"),         # away is a break, not a reason to requeue
    ])
    assignments = [
        OpenAssignment(101, 1), OpenAssignment(102, 2), OpenAssignment(103, 3),
        OpenAssignment(104, 4), OpenAssignment(105, 5), OpenAssignment(106, 99),
        OpenAssignment(107, 1, answered=True), OpenAssignment(108, 2, pinned=True),
    ]
    assert stale_assignments(assignments, roster, TUESDAY_10, grace=timedelta(minutes=15)) == [
        Requeue(101, 1, "offline"), Requeue(102, 2, "shift_ended"), Requeue(106, 99, "not_on_roster"),
    ]
    later = stale_assignments(assignments, roster, TUESDAY_10 + timedelta(minutes=20),
                              grace=timedelta(minutes=15))
    assert Requeue(103, 3, "shift_ended") in later


def test_a_roster_has_room_only_with_an_available_agent_under_capacity():
    full = make_agent(1, capacity={"email": 1}, load={"email": 1})
    away = make_agent(2, capacity={"email": 5}, presence="away")
    assert not Roster([full, away]).has_room() and not Roster([]).has_room()
    roster = Roster([full, away, make_agent(3, capacity={"phone": 1, "email": 0})])
    assert roster.has_room()
    roster.record_assignment(3, "phone", TUESDAY_10)
    assert not roster.has_room()
