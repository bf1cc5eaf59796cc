"""How staff read the phone channel's codes: outcomes, states, attempt outcomes."""
from flask_babel import lazy_gettext as _l

OUTCOME_LABELS = {
    "answered": _l("answered"), "abandoned": _l("abandoned"), "short_abandon": _l("short abandon"),
    "busy": _l("busy"), "no_answer": _l("no answer"), "forwarded": _l("forwarded"),
    "out_of_hours": _l("out of hours"), "rejected": _l("rejected (blocked number)"), "failed": _l("failed"),
}
STATE_LABELS = {"ringing": _l("ringing"), "talking": _l("in progress"), "ended": _l("ended")}
DIRECTION_LABELS = {"in": _l("inbound"), "out": _l("outbound")}
ATTEMPT_LABELS = {
    "reached": _l("customer reached"), "no_answer": _l("no answer"), "busy": _l("busy"),
    "voicemail": _l("voicemail"), "wrong_number": _l("wrong number"),
}
