"""Crisis detection on the labelled crisis sets (tests/data/crisis), held as floors under the measured figures.

tune.jsonl: what the phrase net and the classifier threshold were tuned on (recall 1.0, no false
alarms, by construction). holdout.jsonl: measured once, then a second round of general patterns
was written after seeing its misses (so it is no longer clean). holdout2.jsonl: written separately,
measured once, then a third round was tuned on its misses. holdout3.jsonl: the same again, before
a fourth round. holdout4.jsonl: written separately by another author after the fourth round, never
tuned on. holdout5.jsonl: written by a third author who read neither the detector nor any set; its
messages are kept unread (benchmarks/crisis.py --unread holdout5). holdout6.jsonl: the same, by a
fourth author, measured before and after the seventh round of classifier examples (which its
author did not read either), kept unread too. docs/benchmarks.md has the tables.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import pytest

from crisis.classifier import reader_for
from crisis.detector import CrisisDetector
from core.settings import REPO_ROOT, Settings

SETS = REPO_ROOT / "tests" / "data" / "crisis"
LANGUAGES = ("en", "fr", "ar", "fa", "uk")
# Floors a little under the figures measured on this machine (docs/benchmarks.md, benchmarks/crisis.py).
RECALL_FLOOR = {"tune": 1.0, "holdout": 0.96, "holdout2": 0.92, "holdout3": 0.92, "holdout4": 0.75, "holdout5": 0.83, "holdout6": 0.85}
# The bot's own detector (patterns + reader), what is left when Rasa is down: measured recall at
# least 1.0, 0.933, 0.96, 0.917, 0.708, 0.833, 0.917 per language, at most 2 false alarms (Session 8,
# after the Arabizi and Latin-letter Dari round).
BOT_RECALL_FLOOR = {"tune": 1.0, "holdout": 0.9, "holdout2": 0.92, "holdout3": 0.875, "holdout4": 0.66, "holdout5": 0.79, "holdout6": 0.875}
FALSE_ALARMS_CEILING = {"tune": 0, "holdout": 2, "holdout2": 4, "holdout3": 3, "holdout4": 3, "holdout5": 3, "holdout6": 3}  # per language, of 20-36 near-misses


def load(split: str) -> list[dict]:
    return [json.loads(line) for line in (SETS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_sets_are_well_formed() -> None:
    for split in RECALL_FLOOR:
        rows = load(split)
        assert len({r["id"] for r in rows}) == len(rows)
        for r in rows:
            assert r["language"] in LANGUAGES and r["label"] in ("crisis", "ordinary") and r["text"].strip()
            assert (r["kind"] == "near_miss") == (r["label"] == "ordinary")
        assert {r["language"] for r in rows} == set(LANGUAGES)


def test_the_net_alone_catches_every_tune_message_and_no_near_miss() -> None:
    detector = CrisisDetector.load()
    for r in load("tune"):
        assert detector.matches(r["text"]) == (r["label"] == "crisis"), r


@pytest.fixture(scope="module")
def bot_detector() -> CrisisDetector:
    """The detector the bot runs first: the phrase net and the character n-gram reader."""
    settings = Settings()
    return CrisisDetector.load(reader=reader_for(settings))


def test_the_bot_alone_reads_most_crises_without_rasa(bot_detector: CrisisDetector) -> None:
    """With Rasa down only the bot's detector reads the message: floors per set and language."""
    problems = []
    for split, floor in BOT_RECALL_FLOOR.items():
        rows = load(split)
        for lang in LANGUAGES:
            crisis = [bot_detector.matches(r["text"]) for r in rows if r["language"] == lang and r["label"] == "crisis"]
            alarms = sum(bot_detector.matches(r["text"]) for r in rows if r["language"] == lang and r["label"] != "crisis")
            if sum(crisis) / len(crisis) < floor or alarms > min(2, FALSE_ALARMS_CEILING[split]):
                problems.append(f"{split}/{lang}: recall {sum(crisis)}/{len(crisis)}, false alarms {alarms}")
    assert not problems, problems


def test_the_bots_reader_takes_no_ordinary_question_for_a_crisis(bot_detector: CrisisDetector) -> None:
    """The 1,550 labelled knowledge-base questions are ordinary: the reader alone flags at most one (measured 1)."""
    from retrieval.evaluation import load_questions

    net = CrisisDetector.load()
    flagged = [q.text for q in load_questions() if bot_detector.matches(q.text) and not net.matches(q.text)]
    assert len(flagged) <= 1, flagged


@pytest.mark.rasa
@pytest.mark.slow
def test_net_and_classifier_on_every_set(pipeline_settings: Settings, bot_detector: CrisisDetector) -> None:
    """What a person gets: the bot's detector first, else Rasa's crisis route (the same again, or a confident classifier)."""
    from safar.ask import ask_many

    detector = bot_detector
    problems = []
    for split in RECALL_FLOOR:
        rows = load(split)
        outcomes = asyncio.run(ask_many(pipeline_settings, [
            {"text": r["text"], "country": "CA", "language": r["language"]} for r in rows]))
        caught: dict[str, list[bool]] = defaultdict(list)
        alarms: dict[str, int] = defaultdict(int)
        for r, o in zip(rows, outcomes):
            protocol = detector.matches(r["text"]) or o.route == "crisis"
            if r["label"] == "crisis":
                caught[r["language"]].append(protocol)
            else:
                alarms[r["language"]] += protocol
        for lang in LANGUAGES:
            recall = sum(caught[lang]) / len(caught[lang])
            if recall < RECALL_FLOOR[split] or alarms[lang] > FALSE_ALARMS_CEILING[split]:
                problems.append(f"{split}/{lang}: recall {recall:.3f}, false alarms {alarms[lang]}")
    assert not problems, problems
