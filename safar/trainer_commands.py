"""`safar trainer queue|show|claim|answer|close|reassign`: the handoff queue for trainers at a terminal."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy is imported only when a command runs, so `safar --help` stays instant
    from sqlalchemy.orm import Session, sessionmaker

    from storage.models import Ticket

# handoff.queue.STATUSES, repeated here for the same reason (a test keeps them equal).
STATUS_CHOICES = ("open", "claimed", "answered", "closed")


def _settings():  # noqa: ANN202 - imported lazily so `safar --help` stays instant
    from core.settings import get_settings

    return get_settings()


@contextmanager
def _database() -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured database, migrated to head first."""
    from storage.db import check_connection, make_engine, make_sessionmaker
    from storage.migrate import upgrade_to_head

    engine = make_engine(_settings().resolved_database_url())
    try:
        check_connection(engine)
        upgrade_to_head(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def _trainer(args: argparse.Namespace) -> int:
    """The --trainer-id, refused unless it is in SAFAR_TRAINER_IDS (as in the trainers' group)."""
    from handoff.queue import ensure_trainer

    settings = _settings()
    ensure_trainer(args.trainer_id, [*settings.trainer_ids, *settings.coordinator_ids])
    return args.trainer_id


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def ticket_json(ticket: Ticket, *, turns: bool = False) -> dict[str, Any]:
    """A ticket as JSON-ready data, without the migrant's chat id or pseudonym."""
    data: dict[str, Any] = {
        "id": ticket.id, "status": ticket.status, "priority": ticket.priority, "reason": ticket.reason,
        "country": ticket.country, "language": ticket.language, "question": ticket.question,
        "claimed_by": ticket.claimed_by, "created_at": _iso(ticket.created_at), "claimed_at": _iso(ticket.claimed_at),
        "answered_at": _iso(ticket.answered_at), "closed_at": _iso(ticket.closed_at),
        "reopened_at": _iso(ticket.reopened_at), "posted": ticket.posted_message_id is not None,
        "reassigned": ticket.reassigned or 0,
    }
    if turns:
        data["turns"] = [
            {"at": _iso(t.at), "sender": t.sender, "text": t.text,
             **({"delivered": t.delivered_at is not None} if t.sender == "trainer" else {}),
             **({"media": t.media_kind} if t.media_kind else {})}
            for t in ticket.turns
        ]
    return data


def cmd_queue(args: argparse.Namespace) -> int:
    """List tickets, urgent first, then oldest."""
    from handoff.queue import queue

    with _database() as factory, factory.begin() as session:
        tickets = queue(session=session, status=args.status)
    if args.json:
        print(json.dumps({"tickets": [ticket_json(t) for t in tickets]}, ensure_ascii=False, indent=1))
        return 0
    if not tickets:
        print("The queue is empty.")
        return 0
    now = datetime.now(timezone.utc)
    for t in tickets:
        owner = f"trainer {t.claimed_by}" if t.claimed_by is not None else "-"
        where = f"{t.country or '?'}/{t.language or '?'}"
        print(f"#{t.id:<5} {t.priority.upper() if t.priority == 'urgent' else t.priority:<7} {t.status:<9} "
              f"{where:<6} {t.reason:<22} {_age(now - t.created_at):>7}  {owner:<18} {_one_line(t.question, 60)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """One ticket with its conversation."""
    from handoff.queue import get_ticket

    with _database() as factory, factory.begin() as session:
        ticket = get_ticket(session=session, ticket_id=args.ticket)
        data = ticket_json(ticket, turns=True)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    owner = f"claimed by trainer {ticket.claimed_by}" if ticket.claimed_by is not None else "unclaimed"
    print(f"Ticket {ticket.id} · {ticket.priority.upper()} · {ticket.status} · {owner} · "
          f"{ticket.country or '?'}/{ticket.language or '?'} · reason: {ticket.reason}")
    steps = [("opened", ticket.created_at), ("claimed", ticket.claimed_at), ("answered", ticket.answered_at),
             ("reopened", ticket.reopened_at), ("closed", ticket.closed_at)]
    print("; ".join(f"{name} {when:%Y-%m-%d %H:%M} UTC" for name, when in steps if when is not None))
    print(f"Question: {ticket.question}")
    for turn in ticket.turns:
        pending = " (not delivered yet)" if turn.sender == "trainer" and turn.delivered_at is None else ""
        if turn.media_kind:
            pending += " (listen or look in the trainers' group)"
        print(f"  [{turn.at:%Y-%m-%d %H:%M}] {turn.sender}: {turn.text}{pending}")
    return 0


def cmd_claim(args: argparse.Namespace) -> int:
    """Take a ticket; fails with who has it when another trainer was first."""
    from handoff.errors import AlreadyClaimed
    from handoff.queue import claim

    trainer = _trainer(args)
    with _database() as factory, factory.begin() as session:
        result = claim(session=session, ticket_id=args.ticket, trainer_id=trainer)
    if result.won:
        print(f"Claimed ticket {args.ticket}.")
    elif result.already_yours:
        print(f"Ticket {args.ticket} is already yours.")
    else:
        raise AlreadyClaimed(args.ticket, result.owner)
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    """Store the claiming trainer's answer; the bot relays it to the migrant."""
    from handoff.queue import answer

    trainer = _trainer(args)
    text = " ".join(args.text)
    with _database() as factory, factory.begin() as session:
        answer(session=session, ticket_id=args.ticket, trainer_id=trainer, text=text)
    print(f"Answer stored on ticket {args.ticket}; the bot relays it to the migrant.")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    """Close a ticket (the migrant is back with the bot and is told so); a coordinator may close any."""
    from handoff.queue import close

    trainer = _trainer(args)
    with _database() as factory, factory.begin() as session:
        close(session=session, ticket_id=args.ticket, trainer_id=trainer,
              coordinator=trainer in _settings().coordinator_ids)
    print(f"Closed ticket {args.ticket}; the bot tells the migrant.")
    return 0


def cmd_reassign(args: argparse.Namespace) -> int:
    """A coordinator gives a ticket to another trainer, or puts it back in the queue."""
    from handoff.errors import NotACoordinator
    from handoff.queue import ensure_trainer, reassign

    settings = _settings()
    if args.coordinator_id not in settings.coordinator_ids:
        raise NotACoordinator(args.coordinator_id)
    if args.to is not None:
        ensure_trainer(args.to, [*settings.trainer_ids, *settings.coordinator_ids])
    with _database() as factory, factory.begin() as session:
        reassign(session=session, ticket_id=args.ticket, to=args.to)
    where = f"to trainer {args.to}" if args.to is not None else "back to the queue (posted again in the group)"
    print(f"Moved ticket {args.ticket} {where}; the bot tells the migrant.")
    return 0


def register(sub: Any) -> None:
    """Add the `trainer` command group to the main parser."""
    trainer = sub.add_parser("trainer", help="the handoff queue: queue, show, claim, answer, close, reassign").add_subparsers(
        dest="trainer_command", metavar="ACTION", required=True
    )
    p = trainer.add_parser("queue", help="tickets, urgent first, then oldest (default: all but closed)")
    p.add_argument("--status", choices=STATUS_CHOICES, help="only tickets in this status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_queue)

    p = trainer.add_parser("show", help="one ticket with its conversation")
    p.add_argument("ticket", type=int, metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    for name, func, help_text in (
        ("claim", cmd_claim, "take a ticket (one owner: tells you who has it when someone was first)"),
        ("answer", cmd_answer, "answer a ticket you claimed; the bot relays it to the migrant"),
        ("close", cmd_close, "close a ticket (yours, or any open one; a coordinator: any)"),
    ):
        p = trainer.add_parser(name, help=help_text)
        p.add_argument("ticket", type=int, metavar="N")
        p.add_argument("--trainer-id", type=int, required=True, help="your Telegram user id (in SAFAR_TRAINER_IDS)")
        if name == "answer":
            p.add_argument("text", nargs="+", help="the answer (words are joined with spaces)")
        p.set_defaults(func=func)

    p = trainer.add_parser("reassign", help="(coordinators) give a ticket to another trainer, or put it back in the queue")
    p.add_argument("ticket", type=int, metavar="N")
    p.add_argument("--coordinator-id", type=int, required=True, help="your Telegram user id (in SAFAR_COORDINATOR_IDS)")
    p.add_argument("--to", type=int, metavar="TRAINER_ID", help="the trainer who takes it (default: back to the queue)")
    p.set_defaults(func=cmd_reassign)
