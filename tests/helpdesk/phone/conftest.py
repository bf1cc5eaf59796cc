"""Phone fixtures: the CTI webhook driven as a PBX drives it (Zammad-style form or JSON posts)."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

TOKEN = "test-cti-token"
WARSAW = ZoneInfo("Europe/Warsaw")
LINE_660 = "+48660600700"
CALLER = "+48501234567"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


class Pbx:
    """Posts CTI events to the webhook like a PBX configured for Zammad."""

    def __init__(self, client, token: str = TOKEN):
        self.client, self.token = client, token

    def post(self, *, as_json: bool = False, headers: dict | None = None, **fields):
        fields = {("from" if k == "from_" else k): v for k, v in fields.items()}
        if isinstance(fields.get("timestamp"), datetime):
            fields["timestamp"] = fields["timestamp"].isoformat()
        if as_json:
            body, media_type = json.dumps(fields).encode(), "application/json"
        else:
            body, media_type = urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded"
        return self.client.post(f"/api/v1/cti/{self.token}", data=body, content_type=media_type,
                                headers=headers or {})

    def call(self, call_id: str, events: list[tuple[str, datetime, dict]], *, caller: str = CALLER,
             line: str = LINE_660):
        """Post a call's events in the order given: (event, instant, extra fields)."""
        answers = []
        for kind, at, extra in events:
            answers.append(self.post(event=kind, callId=call_id, from_=caller, to=line, direction="in",
                                     timestamp=at, **extra))
        return answers


@pytest.fixture
def pbx(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    return Pbx(client)
