"""What trainers read in their group: ticket posts and their buttons, in the desk language.

Never the migrant's name or Telegram id: a ticket shows its number, destination, language, reason
and the person's words (which the retention and /forget redact later).
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import desk_gettext as _
from bot.texts import TELEGRAM_LIMIT, clip
from core.vocabulary import HANDOFF_REASONS, URGENT
from handoff.errors import (AlreadyClaimed, HandoffError, NotClaimed, NotOverdue, NotYourTicket, TicketClosed,
                            TicketNotFound)
from storage.models import Ticket

REDACTED = "🗑 Ticket #{ticket}: deleted. The person asked for their data to be deleted, or the retention period ended."
STATUS_LABELS = {"open": "open", "claimed": "claimed", "answered": "answered", "closed": "closed"}


def reason_label(language: str, reason: str) -> str:
    """A handoff reason as trainers read it; a crisis in capitals."""
    if reason == "crisis":
        return _(language, "CRISIS")
    label = HANDOFF_REASONS.get(reason, reason)
    return _(language, label[0].lower() + label[1:])


def ticket_text(ticket: Ticket, language: str = "en", *, reminder: bool = False,
                overdue_hours: int | None = None) -> str:
    """The trainers' view of a ticket: no name, no Telegram id of the migrant."""
    head = _(language, "🆘 URGENT") if ticket.priority == URGENT else _(language, "❓ Question")
    if reminder:
        head = _(language, "⏰ Still waiting:") + " " + head
    # Telegram takes 4096 characters per message: long texts are cut here, and stay whole in the
    # ticket (`safar trainer show N`).
    status = _(language, STATUS_LABELS.get(ticket.status, ticket.status))
    lines = [f"{head} #{ticket.id} · {ticket.country or '?'} · {ticket.language or '?'} · "
             f"{reason_label(language, ticket.reason)} · {status}", "", clip(ticket.question, 1500)]
    turns = [t for t in ticket.turns if t.sender != "bot"][-5:] if ticket.turns else []
    if turns:
        lines += ["", _(language, "Since then:")] + [
            f"{_(language, 'migrant') if t.sender == 'migrant' else _(language, 'trainer')}: {clip(t.text, 400)}"
            for t in turns]
    if ticket.claimed_by:
        lines += ["", _(language, "Claimed by trainer {trainer}", trainer=ticket.claimed_by)]
    if overdue_hours is not None:
        lines += ["", _(language, "⏰ No reply for {hours} h. Any trainer can take this ticket over.",
                        hours=overdue_hours)]
    lines += ["", _(language, "Reply to this message to answer (or /answer N text).")]
    return clip("\n".join(lines), TELEGRAM_LIMIT)


def ticket_buttons(ticket_id: int, language: str = "en", *, take_over: bool = False) -> InlineKeyboardMarkup:
    """Claim (or Take over), Close, Return to bot, Add to knowledge base."""
    first = (InlineKeyboardButton(_(language, "Take over"), callback_data=f"safar:t:take:{ticket_id}") if take_over
             else InlineKeyboardButton(_(language, "Claim"), callback_data=f"safar:t:claim:{ticket_id}"))
    return InlineKeyboardMarkup([
        [first, InlineKeyboardButton(_(language, "Close"), callback_data=f"safar:t:close:{ticket_id}")],
        [InlineKeyboardButton(_(language, "Return to bot"), callback_data=f"safar:t:return:{ticket_id}"),
         InlineKeyboardButton(_(language, "Add to knowledge base"), callback_data=f"safar:t:draft:{ticket_id}")],
    ])


def hours_between(start: datetime, end: datetime) -> int:
    """Whole hours from `start` to `end` (at least zero)."""
    return max(0, int((end - start).total_seconds() // 3600))


def refusal(language: str, exc: HandoffError) -> str:
    """The queue's refusal as one line in the desk language (the English message when it has no translation)."""
    ticket = getattr(exc, "ticket_id", None)
    owner = getattr(exc, "owner", None)
    if isinstance(exc, TicketNotFound):
        return _(language, "There is no ticket {ticket}.", ticket=ticket)
    if isinstance(exc, NotClaimed):
        return _(language, "Ticket {ticket} is not claimed yet; claim it first.", ticket=ticket)
    if isinstance(exc, NotYourTicket):
        return _(language, "Ticket {ticket} belongs to trainer {owner}; only they can do that.", ticket=ticket, owner=owner)
    if isinstance(exc, AlreadyClaimed):
        return _(language, "Trainer {trainer} already has this ticket.", trainer=owner)
    if isinstance(exc, TicketClosed):
        return _(language, "Ticket {ticket} is closed.", ticket=ticket)
    if isinstance(exc, NotOverdue):
        return _(language, "Ticket {ticket} is not waiting past the reply time; trainer {owner} still has it.",
                 ticket=ticket, owner=owner)
    return str(exc)
