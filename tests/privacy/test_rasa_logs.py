"""Rasa's own logs never hold what people write, whatever shape the request takes (planted-data check)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.settings import Settings

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

NAME, EMAIL, PHONE = "Zarmina Haidari", "zarmina.haidari@example.org", "+93 70 555 0199"
FRAGMENTS = ("zarmina", "haidari", "example.org", "555 0199", "5550199")
PLANTED = f"my name is {NAME}, write to {EMAIL} or call {PHONE}"


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def leaks(folder: Path, offsets: dict[Path, int]) -> dict[str, list[str]]:
    """Planted fragments found in what each log file gained since `offsets`."""
    found = {}
    for path in sorted(folder.glob("*.log")):
        with path.open("rb") as fh:
            fh.seek(offsets.get(path, 0))
            text = fh.read().decode("utf-8", "replace").lower()
        hits = [f for f in FRAGMENTS if f in text]
        if hits:
            found[path.name] = hits
    return found


def test_rasa_logs_hold_no_message_text_whatever_the_input(pipeline_settings: Settings) -> None:
    logs = pipeline_settings.var_dir / "log"
    offsets = {p: p.stat().st_size for p in logs.glob("*.log")}
    rest = f"{pipeline_settings.rasa_url}/webhooks/rest/webhook"
    shapes = [
        {"sender": "planted-1", "message": PLANTED, "metadata": PLANTED},  # metadata that is not an object
        {"sender": "planted-2", "message": PLANTED, "metadata": [PLANTED, {"x": PLANTED}]},
        {"sender": "planted-3", "message": PLANTED + " " + "ب" * 200_000, "metadata": {"country": PLANTED}},
        {"sender": "planted-4", "message": {"text": PLANTED}},  # a message that is not text
        {"sender": PLANTED, "message": PLANTED, "metadata": {"language": PLANTED, "country": "CA"}},
        {"sender": "planted-6", "message": "/choose_country" + json.dumps({"country": PLANTED})},
        {"sender": "planted-7", "message": "/" + PLANTED + "{{{"},
    ]
    statuses = [_post(rest, json.dumps(body).encode()) for body in shapes]
    statuses.append(_post(rest, b'{"sender": "planted-8", "message": "' + PLANTED.encode() + b'"'))  # malformed
    statuses.append(_post(f"{pipeline_settings.rasa_url}/model/parse", json.dumps({"text": PLANTED}).encode()))
    statuses.append(_post(f"{pipeline_settings.rasa_url}/conversations/planted-9/tracker/events",
                          json.dumps([{"event": "slot", "name": "country", "value": PLANTED}, {"event": PLANTED}]).encode()))
    assert all(s in (200, 400, 404, 500) for s in statuses), statuses  # answered, one way or another
    written = sum(p.stat().st_size - offsets.get(p, 0) for p in logs.glob("*.log"))
    assert written > 0, "nothing was logged: the check would prove nothing"
    assert leaks(logs, offsets) == {}
