"""The handoff queue's domain errors; each message is one line an operator or trainer can act on.

Messages name tickets and trainers by id only, never the migrant or their words.
"""

from __future__ import annotations


class HandoffError(Exception):
    """Base of the queue's refusals; the bot and the command line turn it into one line."""


class TicketNotFound(HandoffError):
    """No ticket has this id (or it was deleted with /forget)."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"there is no ticket {ticket_id}")
        self.ticket_id = ticket_id


class AlreadyClaimed(HandoffError):
    """Another trainer owns the ticket (raised where a lost claim is a failure, e.g. the command line)."""

    def __init__(self, ticket_id: int, owner: int | None) -> None:
        super().__init__(f"ticket {ticket_id} is already claimed by trainer {owner}")
        self.ticket_id = ticket_id
        self.owner = owner


class NotClaimed(HandoffError):
    """The ticket is still open: someone must claim it before answering."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is not claimed yet; claim it first")
        self.ticket_id = ticket_id


class NotYourTicket(HandoffError):
    """Only the trainer who claimed a ticket may answer or close it."""

    def __init__(self, ticket_id: int, owner: int | None) -> None:
        super().__init__(f"ticket {ticket_id} belongs to trainer {owner}; only they can do that")
        self.ticket_id = ticket_id
        self.owner = owner


class TicketClosed(HandoffError):
    """The ticket is closed; nothing more can happen on it."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is closed")
        self.ticket_id = ticket_id


class NotATrainer(HandoffError):
    """The id is not in SAFAR_TRAINER_IDS, so it may not act on tickets."""

    def __init__(self, trainer_id: int) -> None:
        super().__init__(f"{trainer_id} is not a trainer: add it to SAFAR_TRAINER_IDS to let it act on tickets")
        self.trainer_id = trainer_id


class NotACoordinator(HandoffError):
    """The id is not in SAFAR_COORDINATOR_IDS, so it may not reassign tickets."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"{user_id} is not a coordinator: add it to SAFAR_COORDINATOR_IDS to let it reassign tickets")
        self.user_id = user_id


class NotOverdue(HandoffError):
    """A claimed ticket can be taken over only once its trainer has been silent past the reply time."""

    def __init__(self, ticket_id: int, owner: int | None) -> None:
        super().__init__(f"ticket {ticket_id} is not waiting past the reply time; trainer {owner} still has it")
        self.ticket_id = ticket_id
        self.owner = owner


class InvalidTicketData(HandoffError, ValueError):
    """A reason, priority, sender or text the queue does not accept."""
