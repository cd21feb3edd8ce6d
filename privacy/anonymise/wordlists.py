"""The anonymiser's word lists, read once at import from the data files in `words/`."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

# One file per list, shipped with the package (pyproject.toml, package-data). A file holds one
# word, or one regular-expression alternative, per line; lines starting with "#" are comments.
WORDS_DIR = Path(__file__).with_name("words")


@functools.cache
def entries(name: str) -> tuple[str, ...]:
    """The entries of words/<name>.txt in file order, without comments and blank lines."""
    lines = (line.strip() for line in (WORDS_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def word_set(name: str) -> frozenset[str]:
    """The entries of words/<name>.txt as a set, for lookups."""
    return frozenset(entries(name))


def alternation(name: str) -> str:
    """The entries of words/<name>.txt joined into one regular-expression alternation, in file order."""
    # File order is kept: in an alternation the first alternative that matches wins.
    return "|".join(entries(name))


# --------------------------------------------------------------------------------------------
# Lookup keys

ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Spelling variants that people type interchangeably (and Persian vs Arabic letters).
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و", "ئ": "ی"})


def arabic_key(word: str) -> str:
    """A lookup key for Arabic-script words: no diacritics or tatweel, folded letter variants."""
    return ARABIC_MARKS.sub("", word).replace("\u200c", "").translate(_ARABIC_FOLD)


def arabic_set(name: str) -> frozenset[str]:
    """The entries of words/<name>.txt as Arabic-script lookup keys (see `arabic_key`)."""
    return frozenset(arabic_key(w) for w in entries(name))


def cyrillic_forms(names: Iterable[str]) -> frozenset[str]:
    """Given names with the Ukrainian and Russian case endings people actually write."""
    forms: set[str] = set()
    for name in names:
        forms.add(name)
        if name.endswith(("а", "я")):
            stem = name[:-1]
            forms.update(stem + e for e in ("а", "и", "і", "у", "ою", "о", "я", "ю", "єю", "ї", "ей"))
        elif name.endswith(("ій", "ий", "ей")):
            stem = name[:-1]
            forms.update(stem + e for e in ("я", "ю", "єві", "єм", "ем", "ю"))
        elif name.endswith("о"):
            stem = name[:-1]
            forms.update(stem + e for e in ("а", "у", "ові", "ом", "е"))
        else:
            forms.update(name + e for e in ("а", "у", "ові", "ом", "е", "ю"))
    return frozenset(forms)


# --------------------------------------------------------------------------------------------
# Names. Names that are also everyday words (Hope, Grace, "أمل" hope, "نور" light, "عمر" age,
# "امید" hope, "Надія" hope ...) are left out of the lists on purpose: they are caught only
# after a word that introduces a name, never on their own.

LATIN_NAMES = word_set("names_latin")
# In Latin script these are also ordinary words in some language (Spanish "nada", Arabizi
# "ana" = I, "hala" = welcome): only a capital letter makes them a name.
LATIN_NAMES_CAPITAL_ONLY = word_set("names_latin_capital_only")
ARABIC_NAMES = arabic_set("names_arabic")
# Stems that make Persian and Arabic surnames (Karimi, Rezaei, Al-Ahmad) even when the given
# name alone is too ambiguous to list above.
ARABIC_NAME_STEMS = ARABIC_NAMES | arabic_set("name_stems_arabic")
PERSIAN_SURNAME_ENDINGS = entries("surname_endings_persian")
CYRILLIC_NAMES = word_set("names_cyrillic")
CYRILLIC_NAME_FORMS = cyrillic_forms(CYRILLIC_NAMES)
# "в Дрездені", "до Ставангера": after these a capitalised word is most often a place.
CYRILLIC_PLACE_PREPOSITIONS = word_set("place_prepositions_cyrillic")
PARTICLES = word_set("name_particles")
# Arabic-script words that form one name with the word after them (Abd al-Rahman, Abu Yazan).
ARABIC_JOINERS = arabic_set("name_joiners_arabic")

# --------------------------------------------------------------------------------------------
# Words that are never names

# Capitalised words that are places, organisations, programmes, apps or languages and may
# look rare to wordfreq (or collide with a given name): never a name on their own.
KEEP_LATIN = word_set("keep_latin")
# A tuple, for str.startswith: the case endings of Ukrainian and Russian vary.
KEEP_CYRILLIC_STEMS = entries("keep_cyrillic_stems")
# Whole words only: as a stem "бог" would also keep Богдан.
KEEP_CYRILLIC_WORDS = word_set("keep_cyrillic_words")
STOP_LATIN = word_set("stop_latin")
STOP_ARABIC = arabic_set("stop_arabic")
# "اسم من احمد کریمی است": the name runs up to the copula.
PERSIAN_COPULA = arabic_set("copula_persian")

# --------------------------------------------------------------------------------------------
# Titles, checked on the word that matched the title pattern

ABBREVIATED_TITLES = word_set("titles_abbreviated")
ARABIC_KINSHIP_TITLES = word_set("titles_kinship_arabic")
OCCUPATION_TITLES = word_set("titles_occupation")

# Crisis and service lines written with 7+ digits that are not toll-free by their metadata.
SERVICE_NUMBERS = word_set("service_numbers")
