"""Bot pieces without Rasa: translations, text cleaning, deep links, webhook secret."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pydantic import SecretStr

from bot.conversation import clean
from bot.i18n import LOCALES, RLM, gettext, supported
from bot.links import deep_link, write_qr
from core.settings import REPO_ROOT, Settings
from tests.support.fake_telegram import FakeTelegram

_PLACEHOLDER = re.compile(r"\{\w+\}")
_COMMAND = re.compile(r"/[a-z]+")


def msgids() -> list[str]:
    with open(LOCALES / "messages.pot", "rb") as fh:
        return [str(m.id) for m in read_po(fh) if m.id]


@pytest.mark.parametrize("language", ["fr", "ar", "fa", "uk"])
def test_every_text_is_translated_with_its_placeholders_and_commands(language: str) -> None:
    with open(LOCALES / f"{language}.po", "rb") as fh:
        catalogue = {str(m.id): str(m.string) for m in read_po(fh) if m.id}
    for msgid in msgids():
        translated = catalogue.get(msgid, "")
        assert translated, (language, msgid)
        assert sorted(_PLACEHOLDER.findall(translated)) == sorted(_PLACEHOLDER.findall(msgid)), (language, msgid)
        assert set(_COMMAND.findall(translated)) >= set(_COMMAND.findall(msgid)), (language, msgid)


def test_gettext_fills_placeholders_falls_back_and_marks_rtl() -> None:
    assert gettext("en", "Your destination is now {country}.", country="Canada") == "Your destination is now Canada."
    assert gettext("xx", "Nothing was deleted.") == "Nothing was deleted."
    assert gettext("fr", "Nothing was deleted.") != "Nothing was deleted."
    arabic = gettext("ar", "Your destination is now {country}.", country="كندا")
    assert arabic.startswith(RLM) and "كندا" in arabic
    assert supported("fr-CA") == "fr" and supported("prs") == "fa" and supported("de") is None


def test_clean_drops_control_and_bidi_override_characters() -> None:
    assert clean("how\x00 do I\u202e rent\x1b a flat\n") == "how do I rent a flat"
    assert clean("line one\nline two\tend") == "line one\nline two\tend"


def test_deep_links_and_qr(tmp_path: Path) -> None:
    assert deep_link("@safar_bot", "ca", "FR") == "https://t.me/safar_bot?start=CA-fr"
    assert deep_link("safar_bot", "NO") == "https://t.me/safar_bot?start=NO"
    with pytest.raises(ValueError, match="unknown country 'FR'"):
        deep_link("safar_bot", "FR")
    png = tmp_path / "link.png"
    write_qr("https://t.me/safar_bot?start=CA-en", png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 200


def test_webhook_requires_the_secret_token(tmp_path: Path) -> None:
    from bot.app import build_application
    from storage.db import make_engine
    from storage.migrate import upgrade_to_head

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def run() -> None:
        fake = FakeTelegram()
        await fake.start()
        settings = Settings(_env_file=None, telegram_token=SecretStr(fake.token), telegram_api_url=fake.base_url,
                            var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'w.db'}")
        engine = make_engine(settings.resolved_database_url())
        upgrade_to_head(engine)
        engine.dispose()
        app = build_application(settings)
        async with app:
            await app.post_init(app)
            await app.start()
            await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                            secret_token="s3cret-token", webhook_url="https://example.invalid/telegram")
            try:
                assert fake.sent("setWebhook")[0]["secret_token"] == "s3cret-token"
                update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"},
                          "from": fake.user(77), "text": "/start",
                          "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}

                def post(secret: str | None) -> int:
                    headers = {"Content-Type": "application/json"}
                    if secret:
                        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
                    req = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", json.dumps(update).encode(), headers)
                    try:
                        with urllib.request.urlopen(req, timeout=5) as resp:
                            return resp.status
                    except urllib.error.HTTPError as exc:
                        return exc.code

                assert await asyncio.to_thread(post, None) == 403
                assert await asyncio.to_thread(post, "wrong") == 403
                await asyncio.sleep(0.3)
                assert fake.sent("sendMessage", 77) == []  # nothing processed without the secret
                assert await asyncio.to_thread(post, "s3cret-token") == 200
                await fake.wait_for(2, chat_id=77)  # welcome and privacy notice
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)
        await fake.stop()

    asyncio.run(run())


def test_an_empty_answer_from_rasa_becomes_an_honest_reply_and_a_ticket() -> None:
    """Rasa answers 200 and [] when its action server is down: the person must still hear something."""
    import asyncio

    from aiohttp import web

    from bot.conversation import Conversation, UserMessage
    from bot.rasa_client import RasaClient

    async def scenario() -> list:
        app = web.Application()

        async def empty(request: web.Request) -> web.Response:
            return web.json_response([])

        app.router.add_post("/webhooks/rest/webhook", empty)
        app.router.add_post("/conversations/{sender}/tracker/events", empty)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        client = RasaClient(f"http://127.0.0.1:{port}", timeout=5, retries=0)
        try:
            return await Conversation(client, safety_line=lambda lang: f"emergency line in {lang}").handle(
                UserMessage("p1", "how do I rent a flat", "CA", "en"))
        finally:
            await client.close()
            await runner.cleanup()

    replies = asyncio.run(scenario())
    assert len(replies) == 1 and "trainer will see your question" in replies[0].text
    assert replies[0].text.endswith("\n\nemergency line in en")
    assert replies[0].custom["safar"]["handoff"]["reason"] == "technical_failure"


def _literal_msgids(call_names: set[str]) -> set[str]:
    """The English texts passed as literals to these functions anywhere in the bot's code."""
    import ast

    found: set[str] = set()
    for path in (REPO_ROOT / "bot").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in call_names:
                continue
            for arg in node.args[:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def test_every_text_in_the_code_is_in_its_catalogue() -> None:
    """A text added to the code but not to the catalogue would reach people in English only."""
    migrant = _literal_msgids({"gettext"})
    assert migrant and migrant <= set(msgids()), sorted(migrant - set(msgids()))
    with open(LOCALES / "desk" / "messages.pot", "rb") as fh:
        desk_ids = {str(m.id) for m in read_po(fh) if m.id}
    desk = _literal_msgids({"desk_gettext", "_t", "_"}) - {""}
    assert desk and desk <= desk_ids, sorted(desk - desk_ids)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_desk_text_is_translated(language: str) -> None:
    from core.vocabulary import HANDOFF_REASONS

    with open(LOCALES / "desk" / f"{language}.po", "rb") as fh:
        catalogue = {str(m.id): str(m.string) for m in read_po(fh) if m.id}
    with open(LOCALES / "desk" / "messages.pot", "rb") as fh:
        ids = [str(m.id) for m in read_po(fh) if m.id]
    reasons = {label[0].lower() + label[1:] for reason, label in HANDOFF_REASONS.items() if reason != "crisis"}
    assert reasons <= set(ids)  # every handoff reason can be shown in the desk language
    for msgid in ids:
        assert catalogue.get(msgid), (language, msgid)
        assert sorted(_PLACEHOLDER.findall(catalogue[msgid])) == sorted(_PLACEHOLDER.findall(msgid)), (language, msgid)
