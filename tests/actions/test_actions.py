"""Custom actions with a real CollectingDispatcher, hand-built trackers and the real retriever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as A
from crisis.contacts import CrisisContacts
from crisis.detector import CrisisDetector
from insights.question_log import LoggedQuestion, NoQuestionLog
from actions.services import Services, set_services
from retrieval.retriever import Retriever


class RecordingLog(NoQuestionLog):
    """A question log that remembers what it was given (the real log comes with the insights work)."""

    def __init__(self) -> None:
        self.questions: list[LoggedQuestion] = []
        self.feedback: list[bool] = []

    def record(self, question: LoggedQuestion) -> str | None:
        self.questions.append(question)
        return None

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        self.feedback.append(helpful)


@pytest.fixture
def services(full_retriever: Retriever) -> Services:
    s = Services(retriever=full_retriever, crisis=CrisisDetector.load(), contacts=CrisisContacts.load("sample"),
                 question_log=RecordingLog(), handoff_hours=24)
    set_services(s)
    return s


def tracker(text: str, intent: str, *, country: str | None = "CA", language: str = "en",
            entities: list[dict[str, Any]] | None = None, slots: dict[str, Any] | None = None,
            confidence: float = 0.95) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
              "metadata": {"country": country, "language": language}}
    return Tracker("u_test", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action: A.SafarAction, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    facts = [m["custom"]["safar"] for m in dispatcher.messages if m.get("custom", {}).get("safar")]
    assert len(facts) == 1, "every action emits exactly one structured message"
    return dispatcher.messages, events, facts[0]


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages if m.get("response")]


def test_answer_above_the_gate(services: Services) -> None:
    messages, events, facts = run(A.ActionAnswer(), tracker("how do I get my provincial health insurance card", "ask_info"))
    assert facts["route"] == "answer"
    assert facts["passages"][0]["id"].startswith("CA/en/health_care/")
    text = next(m["text"] for m in messages if m.get("text"))
    assert "Health care" in text or "health" in text.lower()
    assert responses(messages) == ["utter_source", "utter_sample_content", "utter_ask_helpful"]  # sample content says so
    assert SlotSet("awaiting", "helpful") in events
    assert services.question_log.questions[0].route == "answer"  # type: ignore[attr-defined]


def test_below_the_gate_hands_off(services: Services) -> None:
    messages, _, facts = run(A.ActionAnswer(), tracker("which internet company is cheapest in Regina", "ask_info"))
    assert facts["route"] == "handoff"
    assert facts["handoff"]["reason"] == A.BELOW_GATE and facts["handoff"]["priority"] == "normal"
    assert responses(messages) == ["utter_no_good_answer"]


def test_answer_in_english_says_so(services: Services) -> None:
    messages, _, facts = run(A.ActionAnswer(), tracker("how do I find a flat to rent", "ask_info", country="DE", language="fr"))
    assert facts["route"] == "answer" and facts["answer_language"] == "en"
    assert responses(messages)[0] == "utter_answer_in_english"


def test_answer_needs_a_destination(services: Services) -> None:
    messages, _, facts = run(A.ActionAnswer(), tracker("how do I find a flat", "ask_info", country=None))
    assert facts["route"] == "clarify" and responses(messages) == ["utter_ask_country"]
    assert len(messages[0]["buttons"]) == 5


def test_crisis_intent(services: Services) -> None:
    messages, events, facts = run(A.ActionCrisis(), tracker("I want to end my life", "crisis", country="NO"))
    assert facts["route"] == "crisis" and facts["handoff"]["priority"] == "urgent"
    texts = [m["text"] for m in messages if m.get("text")]
    assert texts[0].startswith("I am very sorry") and texts[2].startswith("I am passing this to a trainer")
    assert "911" in texts[1]  # the sample programme location's emergency number


def test_a_weak_crisis_intent_with_a_crisis_phrase_is_the_full_protocol(services: Services) -> None:
    # Found by the routing set: "kill myself" classified crisis at 0.42 must not be treated as a weak guess.
    _, _, facts = run(A.ActionCrisis(), tracker("kill myself", "crisis", confidence=0.42))
    assert facts["route"] == "crisis" and facts["detected_by"] == "safety_net"


def test_a_weak_crisis_guess_answers_the_question_with_one_gentle_line(services: Services) -> None:
    # "Crisis" at 0.55 on an ordinary question and no crisis phrase: not the whole protocol.
    messages, _, facts = run(A.ActionCrisis(), tracker("how do I find childcare while I work", "crisis",
                                                       confidence=0.55))
    assert facts["route"] in {"answer", "clarify"} and facts["handoff"] is None
    gentle = [m["text"] for m in messages if (m.get("text") or "").startswith("If you or someone near you")]
    assert len(gentle) == 1 and "911" in gentle[0]
    assert not any(m.get("buttons") for m in messages)  # no menu for a person at risk


@pytest.mark.parametrize("action, intent, text", [
    (A.ActionAnswer(), "ask_info", "my boss took my passport and I cannot leave the farm"),
    (A.ActionOutOfScope(), "out_of_scope", "i dont want to live anymore"),
    (A.ActionSmalltalk(), "greet", "hi, my husband beats me"),
    (A.ActionHandoff(), "personal_case", "they took my passport"),
])
def test_safety_net_overrides_any_intent(services: Services, action: A.SafarAction, intent: str, text: str) -> None:
    _, _, facts = run(action, tracker(text, intent))
    assert facts["route"] == "crisis" and facts["detected_by"] == "safety_net"


def test_ordinary_questions_do_not_trip_the_safety_net(services: Services) -> None:
    for text in ("what is the emergency number in canada", "is health care free", "how long does my passport take"):
        assert not services.crisis.matches(text), text


def test_handoff_reasons(services: Services) -> None:
    _, _, own = run(A.ActionHandoff(), tracker("when is my flight, case 123-45", "personal_case"))
    _, _, person = run(A.ActionHandoff(), tracker("can I talk to a real person", "request_human"))
    assert own["handoff"]["reason"] == A.CASE_SPECIFIC and person["handoff"]["reason"] == A.ASKED_FOR_PERSON
    assert own["handoff"]["question"] == "when is my flight, case 123-45"


def test_set_country_and_language(services: Services) -> None:
    messages, events, facts = run(A.ActionSetCountry(), tracker("going to germany", "choose_country",
                                                                entities=[{"entity": "country", "value": "DE"}]))
    assert SlotSet("country", "DE") in events and facts["set"] == {"country": "DE"}
    assert messages[0]["country_name"] == "Germany"
    _, events, _ = run(A.ActionSetLanguage(), tracker("en français svp", "choose_language",
                                                       entities=[{"entity": "language", "value": "fr"}]))
    assert SlotSet("language", "fr") in events
    messages, events, facts = run(A.ActionSetCountry(), tracker("change country", "choose_country"))
    assert facts["route"] == "clarify" and not events and len(messages[0]["buttons"]) == 5


def test_yes_no_depends_on_what_was_asked(services: Services) -> None:
    _, _, helpful = run(A.ActionYesNo(), tracker("yes", "affirm", slots={"awaiting": "helpful"}))
    assert helpful["feedback"] == "helpful"
    _, events, unhelpful = run(A.ActionYesNo(), tracker("no", "deny", slots={"awaiting": "helpful"}))
    assert unhelpful["feedback"] == "unhelpful" and SlotSet("awaiting", "trainer_after_unhelpful") in events
    _, _, handoff = run(A.ActionYesNo(), tracker("yes", "affirm", slots={"awaiting": "trainer_after_unhelpful"}))
    assert handoff["route"] == "handoff" and handoff["handoff"]["reason"] == A.RATED_UNHELPFUL
    assert services.question_log.feedback == [True, False]  # type: ignore[attr-defined]


def test_failure_inside_an_action_still_replies_and_hands_off(services: Services) -> None:
    class BrokenRetriever:
        def search(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("index file unreadable")

    services.retriever = BrokenRetriever()  # type: ignore[assignment]
    messages, _, facts = run(A.ActionAnswer(), tracker("how do I rent a flat", "ask_info"))
    assert responses(messages) == ["utter_technical_problem"]
    assert facts["route"] == "handoff" and facts["handoff"]["reason"] == A.TECHNICAL_FAILURE


def test_unsure_classifier_with_crisis_as_best_guess_adds_the_emergency_number(services: Services) -> None:
    t = tracker("is it dangerous to work at night in a warehouse", "nlu_fallback", confidence=0.4)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4},
                                          {"name": "crisis", "confidence": 0.33}, {"name": "ask_info", "confidence": 0.3}]
    messages, _, facts = run(A.ActionFallback(), t)
    assert facts["route"] != "crisis"
    assert sum("911" in (m.get("text") or "") for m in messages) == 1


def test_unsure_classifier_tries_the_knowledge_base(services: Services) -> None:
    t = tracker("health card provincial how get", "nlu_fallback", confidence=0.4)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_info", "confidence": 0.35}]
    _, _, facts = run(A.ActionFallback(), t)
    assert facts["route"] in {"answer", "clarify"}
    assert facts["route"] == "answer" or not facts["passages"]


def test_handoff_tells_the_wait_from_the_queue(services: Services) -> None:
    services.expected_wait_hours = lambda: 3
    messages, _, _ = run(A.ActionHandoff(), tracker("can I talk to a real person", "request_human"))
    assert messages[0]["response"] == "utter_handoff" and messages[0]["hours"] == 3

    def broken() -> int:
        raise OSError("database gone")

    services.expected_wait_hours = broken
    messages, _, facts = run(A.ActionHandoff(), tracker("can I talk to a real person", "request_human"))
    assert messages[0]["hours"] == 24 and facts["route"] == "handoff"  # the setting, and still a handoff


@pytest.mark.parametrize("action, intent", [
    (A.ActionAnswer(), "ask_info"),
    (A.ActionOutOfScope(), "out_of_scope"),
    (A.ActionHandoff(), "personal_case"),
])
def test_the_reader_leaning_to_crisis_adds_the_emergency_number(services: Services, action: A.SafarAction,
                                                                intent: str) -> None:
    """No pattern fires and the reader is unsure (0.4-0.8): the usual reply, plus one line with the number."""
    from crisis.classifier import reader_for
    from core.settings import Settings

    services.crisis = CrisisDetector.load(reader=reader_for(Settings()))
    text = "i feel so tired of everything here"
    assert services.crisis.unsure(text) and not services.crisis.matches(text)
    messages, _, facts = run(action, tracker(text, intent))
    assert facts["route"] != "crisis" and facts["gentle"] is True
    gentle = [m["text"] for m in messages if (m.get("text") or "").startswith("If you or someone near you")]
    assert len(gentle) == 1 and "911" in gentle[0]
    # An ordinary question gets no such line.
    messages, _, facts = run(action, tracker("how do i rent a flat", intent))
    assert not facts.get("gentle") and not any((m.get("text") or "").startswith("If you or someone") for m in messages)
