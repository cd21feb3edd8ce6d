"""A fake Telegram Bot API server on loopback: real HTTP, real JSON shapes, recorded calls.

The real python-telegram-bot client inside the real bot talks to it; tests inject updates and
read what the bot sent. Only the methods the bot uses are implemented.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Safar", "username": "safar_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """Start with `await fake.start()`; the bot's base URL is `fake.base_url`."""

    token: str = "123456:TEST-TOKEN"
    calls: list[Call] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _runner: web.AppRunner | None = None
    port: int = 0
    # Injected failures, per method, consumed one per call: "flood" (429) or "bad_gateway" (502).
    _faults: dict[str, list[str]] = field(default_factory=dict)
    faulted: list[Call] = field(default_factory=list)
    _webhook: asyncio.Task[None] | None = None
    _arrived: asyncio.Event | None = None
    _confirmed: int = 0  # getUpdates with offset N confirms every update below N, as Telegram does
    queued_at: dict[int, float] = field(default_factory=dict)  # update_id -> time.monotonic() when queued

    @property
    def base_url(self) -> str:
        """What SAFAR_TELEGRAM_API_URL is set to (the token is appended by the client)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Shut the server down."""
        if self._webhook is not None:
            self._webhook.cancel()
        if self._runner:
            await self._runner.cleanup()

    def fail_next(self, method: str, times: int, fault: str) -> None:
        """Make the next `times` calls of `method` fail: "flood" (429, retry after 1 s), "bad_gateway" (502)
        or "bad_request" (400, as for a message that no longer exists)."""
        self._faults.setdefault(method, []).extend([fault] * times)

    def deliver_to(self, url: str, secret: str | None = None) -> None:
        """Webhook mode: POST every queued update to `url`, in order, retrying until it answers 200 (as Telegram does)."""
        import aiohttp

        async def push() -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            sent = 0
            async with aiohttp.ClientSession() as session:
                while True:
                    if sent >= len(self._updates):
                        await asyncio.sleep(0.01)
                        continue
                    update = self._updates[sent]
                    try:
                        async with session.post(url, json=update, headers=headers) as resp:
                            if resp.status == 200:
                                sent += 1
                                continue
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.5)

        self._webhook = asyncio.get_running_loop().create_task(push())

    # -- what tests do -------------------------------------------------------------------
    def user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": language}

    def send_text(self, user_id: int, text: str, language: str = "en") -> None:
        """Queue a private text message from a user."""
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": {"id": user_id, "type": "private"}, "from": self.user(user_id, language),
                                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._queue({"update_id": next(self._update_ids), "message": message})

    def send_photo(self, user_id: int) -> None:
        """Queue a photo without caption."""
        self.send_media(user_id, "photo")

    def send_media(self, chat_id: int, kind: str, *, from_id: int | None = None, caption: str | None = None,
                   file_size: int = 12_000, reply_to: int | None = None) -> int:
        """Queue a voice note, photo, sticker, location... in a private chat (chat_id > 0) or a group;
        returns its message id."""
        items: dict[str, Any] = {
            "voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 7, "file_size": file_size},
            "audio": {"file_id": "a1", "file_unique_id": "ua1", "duration": 30, "file_size": file_size},
            "video_note": {"file_id": "n1", "file_unique_id": "un1", "length": 240, "duration": 5, "file_size": file_size},
            "video": {"file_id": "d1", "file_unique_id": "ud1", "width": 640, "height": 480, "duration": 9,
                      "file_size": file_size},
            "photo": [{"file_id": "p0", "file_unique_id": "up0", "width": 90, "height": 90, "file_size": 900},
                      {"file_id": "p1", "file_unique_id": "up1", "width": 800, "height": 800, "file_size": file_size}],
            "document": {"file_id": "f1", "file_unique_id": "uf1", "file_name": "letter.pdf", "file_size": file_size},
            "sticker": {"file_id": "s1", "file_unique_id": "us1", "type": "regular", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False},
            "location": {"latitude": 52.52, "longitude": 13.40},
        }
        user = from_id if from_id is not None else chat_id
        chat = ({"id": chat_id, "type": "private"} if chat_id > 0
                else {"id": chat_id, "type": "supergroup", "title": "Trainers"})
        message_id = next(self._message_ids)
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                                   "from": self.user(user), kind: items[kind]}
        if caption is not None:
            message["caption"] = caption
        if reply_to is not None:
            message["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()), "from": BOT_USER,
                                           "chat": chat, "text": "ticket"}
        self._queue({"update_id": next(self._update_ids), "message": message})
        return message_id

    def edit_text(self, user_id: int, text: str) -> None:
        """Queue an edited message."""
        self._queue({"update_id": next(self._update_ids), "edited_message": {
            "message_id": next(self._message_ids), "date": int(time.time()), "edit_date": int(time.time()),
            "chat": {"id": user_id, "type": "private"}, "from": self.user(user_id), "text": text}})

    def texts(self, chat_id: int) -> list[str]:
        """Texts the bot sent to one chat, in order."""
        return [str(p.get("text", "")) for p in self.sent("sendMessage", chat_id)]

    def send_group_text(self, chat_id: int, user_id: int, text: str, reply_to: int | None = None) -> None:
        """Queue a message in a group, optionally replying to one of the bot's messages."""
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": {"id": chat_id, "type": "supergroup", "title": "Trainers"},
                                   "from": self.user(user_id), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()), "from": BOT_USER,
                                           "chat": message["chat"], "text": "ticket"}
        self._queue({"update_id": next(self._update_ids), "message": message})

    def join_group(self, chat_id: int, user_id: int, first_name: str = "Visitor") -> None:
        """Queue a service message: a user joined a group."""
        member = {**self.user(user_id), "first_name": first_name}
        self._queue({"update_id": next(self._update_ids), "message": {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "Trainers"}, "from": member,
            "new_chat_members": [member]}})

    def press_in_group(self, chat_id: int, user_id: int, data: str, message_id: int) -> str:
        """Queue a button press on one of the bot's messages in a group."""
        qid = f"cb{next(self._message_ids)}"
        message = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "supergroup", "title": "Trainers"}, "text": "ticket"}
        self._queue({"update_id": next(self._update_ids), "callback_query": {
            "id": qid, "from": self.user(user_id), "chat_instance": str(chat_id), "data": data, "message": message}})
        return qid

    def press(self, user_id: int, data: str) -> str:
        """Queue a button press; returns the callback query id."""
        qid = f"cb{next(self._message_ids)}"
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": user_id, "type": "private"}, "from": BOT_USER, "text": "..."}
        self._queue({"update_id": next(self._update_ids), "callback_query": {
            "id": qid, "from": self.user(user_id), "chat_instance": str(user_id), "data": data, "message": message}})
        return qid

    def _queue(self, update: dict[str, Any]) -> None:
        self.queued_at[update["update_id"]] = time.monotonic()
        self._updates.append(update)
        if self._arrived is not None:
            self._arrived.set()  # wake a waiting getUpdates at once, as Telegram's long polling does

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of the calls of one method (to one chat)."""
        return [c.params for c in self.calls if c.method == method
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    async def wait_for(self, count: int, method: str = "sendMessage", chat_id: int | None = None,
                       timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until the bot made at least `count` such calls."""
        deadline = time.monotonic() + timeout
        while len(self.sent(method, chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} calls, got {self.sent(method, chat_id)}")
            await asyncio.sleep(0.05)
        return self.sent(method, chat_id)

    # -- the Bot API ---------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {}
            for key, value in (await request.post()).items():
                # python-telegram-bot sends non-string values JSON-encoded.
                try:
                    params[key] = json.loads(value) if isinstance(value, str) else value
                except ValueError:
                    params[key] = value
        faults = self._faults.get(method)
        if faults:
            fault = faults.pop(0)
            self.faulted.append(Call(method, params))
            if fault == "bad_request":
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Bad Request: message to copy not found"}, status=400)
            if fault == "flood":
                return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                          "parameters": {"retry_after": 1}}, status=429)
            return web.Response(status=502, text="Bad Gateway")
        params["_at"] = time.monotonic()  # when the call arrived, for latency measurements
        self.calls.append(Call(method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": True, "result": True})
        return web.json_response({"ok": True, "result": await handler(params)})

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        self._confirmed = max(self._confirmed, int(params.get("offset") or 0))
        offset = self._confirmed
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        if self._arrived is None:
            self._arrived = asyncio.Event()
        while True:
            self._arrived.clear()
            # Update ids are consecutive from 1, so the unconfirmed ones start at index offset - 1.
            pending = self._updates[max(0, offset - 1):] if offset else list(self._updates)
            pending = [u for u in pending if u["update_id"] >= offset][:100]
            if pending or time.monotonic() >= deadline:
                return pending
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        chat = {"id": chat_id, "type": "private"} if chat_id > 0 else {"id": chat_id, "type": "supergroup", "title": "Trainers"}
        message_id = next(self._message_ids)
        params["_message_id"] = message_id  # so tests can reply to or press buttons on this message
        return {"message_id": message_id, "date": int(time.time()), "from": BOT_USER, "chat": chat,
                "text": str(params.get("text", ""))}

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return {"message_id": int(params.get("message_id") or 0), "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(params.get("chat_id") or 0), "type": "supergroup", "title": "Trainers"},
                "text": str(params.get("text", ""))}

    async def _m_copyMessage(self, params: dict[str, Any]) -> Any:
        message_id = next(self._message_ids)
        params["_message_id"] = message_id
        return {"message_id": message_id}
