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
    # Arabizi and Latin-letter Dari core phrases (session 8): killing oneself, a passport taken away
    "bade 2e2tol 7ali",
    "bfakker bel inte7ar kel lele",
    "sa7eb el shoghl a5ad jawazi",
    "pasportmo gereftan",
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
    # The same words in ordinary senses: killing time, a passport taken to be renewed or copied.
    "bade 2e2tol el wa2t, shu fi nashatat",
    "a5adu jawazi la yjaddedo, kam yom byta2akhar",
    "sa7eb el shoghl a5ad nesekha men jawazi lal 3a2ed",
    "pasportamo gereftan ta viza bezanan",
    "shu ya3ni inte7ar",
])
def test_ordinary_latin_text_stays_ordinary(text: str) -> None:
    assert CrisisDetector.load().match(text) is None
