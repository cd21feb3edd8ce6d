"""Crisis messages typed in Latin letters: Ukrainian translit (read in Cyrillic), Arabizi and Finglish;
ordinary Latin text in other languages stays ordinary."""

from __future__ import annotations

import pytest

from crisis.detector import CrisisDetector
from crisis.translit import cyrillic


def test_both_habits_of_writing_h_and_the_official_digraphs() -> None:
    assert cyrillic("ne khochu zhyty", "х") == "не хочу жити"
    assert cyrillic("ne hochu zhyty", "х") == "не хочу жити"
    assert cyrillic("holova bolyt", "г") == "голова болит"
    assert cyrillic("shchos", "х") == "щос"


@pytest.mark.parametrize("text", [
    "mene zgvaltuvaly vchora",
    "ya vypyla vsi tabletky",
    "dopomozhit pozhezha v kvartyri",
    "pokinchu z soboyu sogodni",
    "zabraly pasport i telefon, kazhut prodadut nas",
    "ana bde mout ma 3ad fini kammel",
    "jozi 3am ydrobni kel yom",
    "shoharam har shab mara mezana",
    "nemikham zende basham",
])
def test_translit_crisis_messages_are_caught(text: str) -> None:
    match = CrisisDetector.load().match(text)
    assert match is not None, text


@pytest.mark.parametrize("text", [
    "how do I rent a flat in Toronto",
    "je cherche un logement à Montréal",
    "kak dela, where is the bus station",
    "sudoku club for kids in Oslo",
    "wie melde ich mich beim Jobcenter an",
])
def test_ordinary_latin_text_stays_ordinary(text: str) -> None:
    assert CrisisDetector.load().match(text) is None
