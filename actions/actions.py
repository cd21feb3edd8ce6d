"""Safar's custom actions: answer from the knowledge base, hand off, crisis protocol, settings, feedback.

Every action first runs the crisis safety net on the message, whatever intent Rasa chose, so a
person at risk is never answered from the knowledge base or sent a menu. Each action emits one
structured message (`{"safar": {...}}`) that the bot reads: the route, the passages used, and a
handoff payload the bot turns into a ticket. Reply texts live in the domain.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from insights.question_log import LoggedQuestion
from actions.services import Services, get_services
from actions.turn import Turn
from crisis.messages import crisis_reply, gentle_line
from retrieval.language import detect_language
from retrieval.retriever import SearchResult
from core.vocabulary import COUNTRIES, LANGUAGES, country_name

log = logging.getLogger(__name__)

Events = list[EventType]

# Why a question went to a trainer; the handoff queue groups and prioritises by these.
ASKED_FOR_PERSON = "asked_for_person"
CASE_SPECIFIC = "case_specific"
BELOW_GATE = "below_confidence_gate"
RATED_UNHELPFUL = "rated_unhelpful"
CRISIS = "crisis"
TECHNICAL_FAILURE = "technical_failure"
SUGGESTIONS_DECLINED = "suggestions_declined"


def emit(dispatcher: CollectingDispatcher, turn: Turn, route: str, *, passages: list[dict[str, Any]] | None = None,
         handoff: dict[str, Any] | None = None, logged_text: str | None = None, **extra: Any) -> None:
    """Send the structured message that tells the bot (and `safar ask`) what happened."""
    dispatcher.utter_message(json_message={"safar": {
        "route": route, "intent": turn.intent, "confidence": round(turn.confidence, 4),
        "country": turn.country, "language": turn.language, "passages": passages or [],
        "handoff": handoff, "logged_text": logged_text, **extra,
    }})


def handoff_payload(turn: Turn, reason: str) -> dict[str, Any]:
    """What the bot needs to open a ticket."""
    return {"reason": reason, "priority": "urgent" if reason == CRISIS else "normal", "question": turn.text,
            "country": turn.country, "language": turn.language}


def run_crisis(dispatcher: CollectingDispatcher, turn: Turn, services: Services, detected_by: str) -> Events:
    """Calm words and the local emergency contacts at once, then an urgent ticket. No menu, no retrieval."""
    for text in crisis_reply(services.contacts, turn.language):
        dispatcher.utter_message(text=text)
    emit(dispatcher, turn, "crisis", handoff=handoff_payload(turn, CRISIS), detected_by=detected_by)
    return [SlotSet("awaiting", None)]


async def run_handoff(dispatcher: CollectingDispatcher, turn: Turn, services: Services, reason: str) -> Events:
    """Tell the user a trainer will answer and about when; the bot opens the ticket."""
    hours = await asyncio.to_thread(services.wait_hours)
    logged = None
    if reason == CASE_SPECIFIC:
        # The message is itself the question (about the person's own case): log it as handed off.
        logged = await log_question(services, turn, "handoff", [], handoff_reason=reason)
    elif reason in (BELOW_GATE, RATED_UNHELPFUL, ASKED_FOR_PERSON, SUGGESTIONS_DECLINED):
        # "Yes, a trainer please" after a weak or unhelpful answer: the question before this message needed one.
        await asyncio.to_thread(services.question_log.record_handoff, turn.sender, reason)
    dispatcher.utter_message(response="utter_handoff", hours=hours)
    # A trainer answers in hours: a message the reader leans to crisis on gets the emergency number now.
    gentle = reason == CASE_SPECIFIC and turn.crisis == "unsure"
    add_gentle_line(dispatcher, turn, services, gentle)
    emit(dispatcher, turn, "handoff", handoff=handoff_payload(turn, reason), logged_text=logged, gentle=gentle)
    return [SlotSet("awaiting", None)]


async def log_question(services: Services, turn: Turn, route: str, passages: list[dict[str, Any]], *,
                       topic: str | None = None, gate: float | None = None,
                       handoff_reason: str | None = None) -> str | None:
    """Write the question to the anonymised log (off the event loop); the stored text, or None."""
    return await asyncio.to_thread(services.question_log.record, LoggedQuestion(
        turn.sender, turn.text, turn.country, turn.language, turn.intent, turn.confidence, route, passages,
        topic=topic, gate=gate, handoff_reason=handoff_reason, source=turn.source))


class SafarAction(Action, ABC):
    """Base: crisis safety net first, then `act`; any failure still gives a reply and a handoff."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Events:
        """Rasa-sdk entry point."""
        turn = Turn.from_tracker(tracker)
        try:
            services = get_services()
            if domain and not services.responses:
                services.responses = domain.get("responses") or {}
            turn = replace(turn, crisis=services.crisis.assess(turn.text))
            if turn.crisis == "crisis" and self.name() != "action_crisis":
                return run_crisis(dispatcher, turn, services, detected_by="safety_net")
            return await self.act(dispatcher, turn, services)
        except Exception as exc:  # noqa: BLE001 - the user must get a reply whatever failed
            # The type only: exception texts can carry the user's words.
            log.error("%s failed with %s; handing the question to a trainer", self.name(), type(exc).__name__)
            dispatcher.utter_message(response="utter_technical_problem")
            emit(dispatcher, turn, "handoff", handoff=handoff_payload(turn, TECHNICAL_FAILURE))
            return []

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        """The action's own work."""


class ActionCrisis(SafarAction):
    """Intent `crisis`."""

    def name(self) -> str:
        return "action_crisis"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        if turn.crisis == "crisis":
            return run_crisis(dispatcher, turn, services, detected_by="safety_net")
        if turn.confidence >= services.crisis_confident:
            return run_crisis(dispatcher, turn, services, detected_by="intent")
        # A weak guess and no crisis phrase (the net ran first): an ordinary question, most likely.
        # Answer it, and add one gentle line with the emergency number rather than the whole protocol.
        return await answer_from_knowledge_base(dispatcher, turn, services, on_miss="clarify", gentle=True)


class ActionSmalltalk(SafarAction):
    """Greeting, goodbye, thanks, what the bot is: replies from the domain."""

    RESPONSES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
                 "bot_capabilities": "utter_capabilities"}

    def name(self) -> str:
        return "action_smalltalk"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        dispatcher.utter_message(response=self.RESPONSES.get(turn.intent, "utter_capabilities"))
        emit(dispatcher, turn, "smalltalk")
        return []


class ActionOutOfScope(SafarAction):
    """Say briefly what Safar is for; never retrieve something unrelated."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        # Retrieval has a vote: a message the knowledge base answers confidently is not out of scope.
        result = await search(services, turn)
        if result is not None and result.outcome == "answer":
            return await answer_from_knowledge_base(dispatcher, turn, services, on_miss="handoff", result=result)
        dispatcher.utter_message(response="utter_out_of_scope")
        gentle = turn.crisis == "unsure"
        add_gentle_line(dispatcher, turn, services, gentle)
        emit(dispatcher, turn, "out_of_scope", gentle=gentle)
        return []


def add_gentle_line(dispatcher: CollectingDispatcher, turn: Turn, services: Services, gentle: bool) -> None:
    """One line with the emergency number for the programme location, when `gentle` (the reader leans to crisis)."""
    if gentle:
        dispatcher.utter_message(text=gentle_line(services.contacts, turn.language))


def passage_facts(hits: list[Any]) -> list[dict[str, Any]]:
    """Passages as the structured message and the question log carry them."""
    return [{"id": h.passage.id, "country": h.passage.country, "topic": h.passage.topic,
             "language": h.passage.language, "score": round(h.score, 6)} for h in hits]


def send_passage(dispatcher: CollectingDispatcher, passage: Any, turn: Turn, services: Services, *,
                 in_english: bool = False, gentle: bool = False) -> None:
    """The passage, its source, a line while it is sample content, and "did this help?"."""
    if in_english:
        dispatcher.utter_message(response="utter_answer_in_english")
    # One newline: Rasa's REST channel turns every blank line into a separate message.
    dispatcher.utter_message(text=f"{passage.title} — {passage.heading}\n{passage.text}")
    dispatcher.utter_message(response="utter_source", url=passage.source)
    if passage.status != "reviewed":
        dispatcher.utter_message(response="utter_sample_content")
    add_gentle_line(dispatcher, turn, services, gentle)
    dispatcher.utter_message(response="utter_ask_helpful")


async def search(services: Services, turn: Turn) -> SearchResult | None:
    """The knowledge base for the person's destination, in the language the message is written in."""
    if services.retriever is None or turn.country is None:
        return None
    language = detect_language(turn.text, turn.language)
    # Encoding and FAISS are CPU work: keep them off the event loop.
    return await asyncio.to_thread(services.retriever.search, turn.text, turn.country, language, 3)


async def answer_from_knowledge_base(dispatcher: CollectingDispatcher, turn: Turn, services: Services,
                                     *, on_miss: str, gentle: bool = False,
                                     result: SearchResult | None = None) -> Events:
    """Answer when confident; offer the plausible passages as choices when unsure; else `on_miss`."""
    if turn.country is None:
        dispatcher.utter_message(response="utter_ask_country", buttons=country_buttons())
        emit(dispatcher, turn, "clarify", reason="no_destination")
        return [SlotSet("awaiting", None)]
    # The bot's reader leaning to crisis without being sure: the answer comes with the emergency number.
    gentle = gentle or turn.crisis == "unsure"
    result = result or await search(services, turn)
    nearest = {"topic": result.hits[0].passage.topic if result and result.hits else None,
               "gate": round(result.confidence, 4) if result else None}
    gate = round(result.confidence, 4) if result else None
    if result is not None and result.outcome == "answer":
        best = result.hits[0].passage
        passages = passage_facts(result.hits[:1])
        logged = await log_question(services, turn, "answer", passages, **nearest)
        send_passage(dispatcher, best, turn, services, in_english=result.fell_back_from is not None, gentle=gentle)
        emit(dispatcher, turn, "answer", passages=passages, logged_text=logged,
             source=best.source, answer_language=result.language, gate=gate, gentle=gentle)
        return [SlotSet("awaiting", "helpful"), SlotSet("last_passage", best.id), SlotSet("offered", None)]
    if result is not None and result.outcome == "suggest":
        choices = result.choices()
        passages = passage_facts(choices)
        logged = await log_question(services, turn, "suggest", passages, **nearest)
        buttons = [{"title": clip_title(h.passage.heading), "payload": f'/choose_passage{{"choice":"{i}"}}'}
                   for i, h in enumerate(choices, 1)]
        buttons.append({"title": none_title(services, turn.language), "payload": "/none_of_these"})
        dispatcher.utter_message(response="utter_suggest", buttons=buttons)
        add_gentle_line(dispatcher, turn, services, gentle)
        emit(dispatcher, turn, "suggest", passages=passages, logged_text=logged, gate=gate, gentle=gentle)
        return [SlotSet("awaiting", None), SlotSet("offered", [h.passage.id for h in choices]),
                SlotSet("asked", turn.text)]
    route = "clarify" if on_miss == "clarify" else "handoff"
    logged = await log_question(services, turn, route, [], handoff_reason=BELOW_GATE if route == "handoff" else None,
                                **nearest)
    add_gentle_line(dispatcher, turn, services, gentle)
    if on_miss == "clarify":
        dispatcher.utter_message(response="utter_clarify")
        emit(dispatcher, turn, "clarify", logged_text=logged, gentle=gentle)
        return [SlotSet("awaiting", "trainer")]
    dispatcher.utter_message(response="utter_no_good_answer")
    emit(dispatcher, turn, "handoff", logged_text=logged, handoff=handoff_payload(turn, BELOW_GATE), gate=gate,
         gentle=gentle)
    return [SlotSet("awaiting", None)]


def clip_title(heading: str, limit: int = 60) -> str:
    """A passage heading short enough for a button."""
    return heading if len(heading) <= limit else heading[: limit - 1].rstrip() + "…"


def none_title(services: Services, language: str) -> str:
    """"None of these — ask a trainer" in the person's language, from the domain's responses."""
    variants = services.responses.get("utter_none_of_these") or []
    for v in variants:
        conditions = v.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return str(v.get("text"))
    fallback = next((v for v in variants if not v.get("condition")), None)
    return str(fallback.get("text")) if fallback else "None of these — ask a trainer"


class ActionAnswer(SafarAction):
    """Intent `ask_info`: the knowledge base, gated; below the gate the question goes to a trainer."""

    def name(self) -> str:
        return "action_answer"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        return await answer_from_knowledge_base(dispatcher, turn, services, on_miss="handoff")


class ActionFallback(SafarAction):
    """NLU was unsure: try the knowledge base before asking the user to say more."""

    def name(self) -> str:
        return "action_fallback"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        # Unsure, with crisis as the best guess and no crisis phrase: answer, with one gentle line.
        return await answer_from_knowledge_base(dispatcher, turn, services, on_miss="clarify",
                                                gentle=turn.best_guess == "crisis")


class ActionHandoff(SafarAction):
    """Intents `request_human` and `personal_case`."""

    def name(self) -> str:
        return "action_handoff"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        reason = CASE_SPECIFIC if turn.intent == "personal_case" else ASKED_FOR_PERSON
        return await run_handoff(dispatcher, turn, services, reason)


def country_buttons() -> list[dict[str, str]]:
    """One button per destination."""
    return [{"title": country_name(c, "en"), "payload": f'/choose_country{{"country":"{c}"}}'} for c in COUNTRIES]


class ActionSetCountry(SafarAction):
    """Intent `choose_country`: set the destination from the entity, or ask with buttons."""

    def name(self) -> str:
        return "action_set_country"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        chosen = turn.entities.get("country")
        if chosen not in COUNTRIES:
            dispatcher.utter_message(response="utter_ask_country", buttons=country_buttons())
            emit(dispatcher, turn, "clarify", reason="unknown_country")
            return []
        dispatcher.utter_message(response="utter_country_set", country_name=country_name(chosen, turn.language))
        emit(dispatcher, turn, "smalltalk", set={"country": chosen})
        return [SlotSet("country", chosen)]


class ActionSetLanguage(SafarAction):
    """Intent `choose_language`: confirm in the new language (the slot is not set yet when Rasa renders)."""

    def name(self) -> str:
        return "action_set_language"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        chosen = turn.entities.get("language")
        if chosen not in LANGUAGES:
            dispatcher.utter_message(response="utter_ask_language", buttons=[
                {"title": title, "payload": f'/choose_language{{"language":"{code}"}}'}
                for code, title in (("en", "English"), ("fr", "Français"), ("ar", "العربية"), ("fa", "دری / فارسی"), ("uk", "Українська"))
            ])
            emit(dispatcher, turn, "clarify", reason="unknown_language")
            return []
        dispatcher.utter_message(response=f"utter_language_set_{chosen}")
        emit(dispatcher, turn, "smalltalk", set={"language": chosen})
        return [SlotSet("language", chosen)]


class ActionFeedback(SafarAction):
    """Intents `feedback_positive` / `feedback_negative`: record it; unhelpful offers a trainer."""

    def name(self) -> str:
        return "action_feedback"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        return await record_feedback(dispatcher, turn, services, helpful=turn.intent == "feedback_positive")


async def record_feedback(dispatcher: CollectingDispatcher, turn: Turn, services: Services, *, helpful: bool) -> Events:
    """Store helpful / not helpful; after "not helpful" offer a trainer."""
    await asyncio.to_thread(services.question_log.record_feedback, turn.sender, helpful)
    if helpful:
        dispatcher.utter_message(response="utter_glad")
        emit(dispatcher, turn, "smalltalk", feedback="helpful")
        return [SlotSet("awaiting", None)]
    dispatcher.utter_message(response="utter_offer_trainer")
    emit(dispatcher, turn, "clarify", feedback="unhelpful")
    return [SlotSet("awaiting", "trainer_after_unhelpful")]


class ActionYesNo(SafarAction):
    """Intents `affirm` / `deny`: their meaning depends on what Safar last asked."""

    def name(self) -> str:
        return "action_yes_no"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        awaiting = turn.slots.get("awaiting")
        yes = turn.intent == "affirm"
        if awaiting == "helpful":
            return await record_feedback(dispatcher, turn, services, helpful=yes)
        if awaiting in ("trainer", "trainer_after_unhelpful"):
            if yes:
                reason = RATED_UNHELPFUL if awaiting == "trainer_after_unhelpful" else BELOW_GATE
                return await run_handoff(dispatcher, turn, services, reason)
            dispatcher.utter_message(response="utter_ok_anything_else")
            emit(dispatcher, turn, "smalltalk")
            return [SlotSet("awaiting", None)]
        dispatcher.utter_message(response="utter_ok_anything_else")
        emit(dispatcher, turn, "smalltalk")
        return []


class ActionSendPassage(SafarAction):
    """Intent `choose_passage` (a button): send the chosen passage of those offered, and ask for feedback."""

    def name(self) -> str:
        return "action_send_passage"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        offered = turn.slots.get("offered") or []
        try:
            chosen_id = offered[int(turn.entities.get("choice", "0")) - 1]
        except (ValueError, IndexError):
            chosen_id = None
        passage = services.retriever.passage(chosen_id) if services.retriever is not None and chosen_id else None
        if passage is None:
            # An old button (the choices changed) or a forged payload: ask again rather than guess.
            dispatcher.utter_message(response="utter_clarify")
            emit(dispatcher, turn, "clarify", reason="unknown_choice")
            return [SlotSet("awaiting", "trainer")]
        await asyncio.to_thread(services.question_log.record_choice, turn.sender, passage.id)
        # An English passage offered to someone writing in another language (found through the gloss)
        # comes with the line that says so.
        send_passage(dispatcher, passage, turn, services, in_english=passage.language == "en" and turn.language != "en")
        emit(dispatcher, turn, "answer", passages=passage_facts_of(passage), source=passage.source, chosen=True)
        return [SlotSet("awaiting", "helpful"), SlotSet("last_passage", passage.id), SlotSet("offered", None)]


def passage_facts_of(passage: Any) -> list[dict[str, Any]]:
    """One passage as the structured message carries it (no score: the person chose it)."""
    return [{"id": passage.id, "country": passage.country, "topic": passage.topic, "language": passage.language,
             "score": None}]


class ActionNoneOfThese(SafarAction):
    """Intent `none_of_these` (a button): none of the offered passages fits; a trainer sees what was offered."""

    def name(self) -> str:
        return "action_none_of_these"

    async def act(self, dispatcher: CollectingDispatcher, turn: Turn, services: Services) -> Events:
        offered = turn.slots.get("offered") or []
        asked = str(turn.slots.get("asked") or "").strip()
        lines = [asked or "(the question is in the conversation)", "", "Offered, and none fitted:"]
        for i, pid in enumerate(offered, 1):
            passage = services.retriever.passage(pid) if services.retriever is not None else None
            lines.append(f"{i}. {passage.heading if passage else ''} ({pid})")
        question_turn = Turn(turn.sender, "\n".join(lines), turn.intent, turn.confidence, turn.country, turn.language,
                             source=turn.source)
        events = await run_handoff(dispatcher, question_turn, services, SUGGESTIONS_DECLINED)
        return events + [SlotSet("offered", None), SlotSet("asked", None)]
