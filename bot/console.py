"""A local console chat on the same conversation code as the bot (used when no token is set)."""

from __future__ import annotations

from core.vocabulary import COUNTRIES, LANGUAGES

import asyncio
from collections.abc import Callable
import sys

from bot.conversation import Conversation, UserMessage
from bot.rasa_client import RasaClient, Reply

HELP = f"Type a message. Commands: /country {'|'.join(COUNTRIES)}, /language {'|'.join(LANGUAGES)}, /quit."


def render(replies: list[Reply]) -> str:
    """Console rendering of Rasa's replies: text, then buttons as numbered choices."""
    lines: list[str] = []
    for reply in replies:
        if reply.text:
            lines.append(f"safar> {reply.text}")
        for i, button in enumerate(reply.buttons, 1):
            lines.append(f"        [{i}] {button.title}")
    return "\n".join(lines) if lines else "safar> (no reply)"


async def chat(rasa_url: str, *, country: str | None, language: str | None, timeout: float, retries: int,
               token: str | None = None, safety_line: Callable[[str | None], str] | None = None) -> None:
    """Read lines from stdin, send each through Rasa, print the replies, until /quit or EOF."""
    client = RasaClient(rasa_url, timeout=timeout, retries=retries, token=token)
    conversation = Conversation(client, safety_line=safety_line)
    last_buttons: list[str] = []
    print(HELP)
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            line = line.strip()
            if not line:
                continue
            if line in {"/quit", "/exit"}:
                break
            if line.startswith("/country"):
                country = (line.split(maxsplit=1)[1:] or [""])[0].upper() or None
                print(f"safar> destination set to {country}")
                continue
            if line.startswith("/language"):
                language = (line.split(maxsplit=1)[1:] or [""])[0].lower() or None
                print(f"safar> language set to {language}")
                continue
            if line.isdigit() and 0 < int(line) <= len(last_buttons):
                line = last_buttons[int(line) - 1]
            replies = await conversation.handle(UserMessage(sender="console-user", text=line, country=country, language=language))
            last_buttons = [b.payload for r in replies for b in r.buttons]
            print(render(replies), flush=True)
    finally:
        await client.close()
    print("Bye.", file=sys.stderr)
