"""Tokens for the lexical (BM25) side: normalised, stop words dropped, stemmed per language."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from retrieval.english_variants import canonical

_STEMMERS = {"en": "english", "fr": "french", "ar": "arabic", "fa": "persian"}
_WORD = re.compile(r"\w+", re.UNICODE)
# Arabic-Indic and Persian digits as ASCII: "۱۱۲" is the emergency number 112 too.
_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}})
_APOSTROPHE_IN_WORD = re.compile(r"(?<=[а-яіїєґ])['’ʼ`](?=[а-яіїєґ])")
_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u065F\u0670\u0640]")  # harakat, superscript alef, tatweel

# Short lists: only the words that carry no topic and appear in most questions.
_STOP = {
    "en": set(
        "a an the and or but if of to in on at for from by with about as is are was were be been am do does did "
        "i me my we our you your he she it its they them their this that these those there here what which who "
        "how when where why can could should would will shall may might must have has had not no yes so than "
        "too very just also any some get got please want need know tell".split()
    ),
    "fr": set(
        "le la les un une des du de d l et ou mais si a à au aux en dans sur pour par avec sans ce cet cette ces "
        "je j me m mon ma mes tu te ton ta tes il elle on nous vous ils elles leur leurs est sont être suis "
        "ai as avez avons ont fait faire qui que qu quoi comment quand où pourquoi est-ce ne pas plus se s y "
        "puis peux peut pouvez veux voudrais svp".split()
    ),
    # Arabic: standard function words plus the question words of everyday dialects (Levantine,
    # Iraqi, Gulf, Sudanese), which carry no topic.
    "ar": set(
        "في من على إلى الى عن مع هل ما ماذا كيف متى أين اين هذا هذه ذلك التي الذي أنا انا نحن هو هي أو او و ف ب ل لا "
        "شو ايش إيش وين فين منو مين شلون كيفاش ليش لماذا ليه امتى إمتى قديش كم هاد هاي هادا هذي هيك لازم بدي "
        "ابغى أبغى ابي أبي عايز عاوز اريد أريد ممكن اقدر أقدر نقدر يعني عشان علشان مشان حتى بس كمان يا اذا إذا "
        "لو عندي عندنا انو إنو انه أنه".split()
    ),
    # Dari and Persian: a longer list of Kabuli spoken forms and light verbs ("can I", "I want")
    # measured worse on the tune half (hit@1 0.694 against 0.721): those words also carry topic.
    "fa": set("در از به با برای که را این آن و یا من ما شما او است هست چه چطور کجا کی آیا می".split()),
    # Ukrainian, with the Russian-influenced spellings many write (шо, єсть) and colloquial particles
    # (tune half: hit@3 0.771 -> 0.810 against the short list).
    "uk": set(
        "і й та в у на з із зі до для про як що шо де коли чи це я ми ви він вона вони мені мене нам нас вам "
        "вас їм їх його її мій моя мої наш наша наші а але бо або якщо якшо то ж же би б є єсть можна треба "
        "потрібно можу можемо хочу хочемо будь ласка скажіть підкажіть привіт добрий день там тут вже ще "
        "тоді так ні не чому який яка яке які куди звідки".split()
    ),
}
# The stop lists are matched against folded words, so they are folded the same way when loaded
# (Persian ی and ک, Arabic hamza forms and final ى would otherwise never match).


def _fold(text: str) -> str:
    """Lower-case and strip accents and Arabic diacritics; unify Arabic/Persian letter variants."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_DIGITS)
    # Persian writers join "می‌خواهم" with a zero-width non-joiner, or a space, or nothing: joined
    # here, so the typed "میخواهم" meets the written one. Ukrainian "сім'я" / "сім’я" / "сімʼя": one word.
    text = _APOSTROPHE_IN_WORD.sub("", text.replace("\u200c", ""))
    text = _ARABIC_DIACRITICS.sub("", text)
    text = text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"}))
    decomposed = unicodedata.normalize("NFKD", text)
    # Drop accents of Latin letters; keep Arabic-script marks (hamza) and recompose them, since a
    # lone combining mark would split a word in two.
    kept = "".join(c for c in decomposed if not (unicodedata.combining(c) and ord(c) < 0x0600))
    return unicodedata.normalize("NFC", kept)


_STOP = {language: {_fold(w) for w in words} for language, words in _STOP.items()}


def fold(text: str) -> str:
    """The text as the lexical side compares it (case, accents, letter variants and digits unified)."""
    return _fold(text)


def words(text: str) -> list[str]:
    """The folded words of `text`, stop words kept."""
    return _WORD.findall(_fold(text))


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


# Ukrainian has no Snowball stemmer here: the commonest case and verb endings are cut instead, so
# "квартиру", "квартири" and "квартирі" meet (used for glossary lookups, not for BM25, where
# character n-grams do this work).
_UK_ENDINGS = sorted(
    "ами ями ові еві ах ях ом ем ою ею ів їв ий ій ого ому ими іми их іх ти ть уть ють ать ять ити ати "
    "ла ли ло ся сь а я у ю і и е о є ї ь в".split(),
    key=len, reverse=True,
)


def stem(word: str, language: str) -> str:
    """The stem of one folded word (Snowball where it exists, Ukrainian endings cut, else the word)."""
    stemmer = _stemmer(language)
    if stemmer is not None:
        return stemmer.stemWord(word)
    if language == "uk":
        for ending in _UK_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)]
    return word


def content_stems(text: str, language: str) -> set[str]:
    """The stems of the words of `text` that carry a topic (stop words and single letters dropped)."""
    stop = _STOP.get(language, set()) | _STOP["en"]
    return {stem(w, language) for w in _WORD.findall(_fold(text)) if w not in stop and len(w) > 1}


# Languages whose words change shape a lot (prefixes, suffixes, dialects) and that the English
# embedding model reads poorly: their words also contribute character n-grams, so "نسكن" still
# meets "السكن" and "لكندا" meets "كندا".
CHAR_NGRAM_LANGUAGES = frozenset({"ar", "fa", "uk"})
CHAR_N = 3


def _char_ngrams(word: str, n: int = CHAR_N) -> list[str]:
    padded = f"#{word}#"
    if len(padded) <= n:
        return [padded]
    return ["~" + padded[i : i + n] for i in range(len(padded) - n + 1)]


def tokenize(text: str, language: str) -> list[str]:
    """BM25 tokens of `text` in `language` (English rules apply to Latin words in any language)."""
    words = _WORD.findall(_fold(text))
    stop = _STOP.get(language, set()) | _STOP["en"]
    words = [w for w in words if w not in stop and not (len(w) == 1 and not w.isdigit())]
    stemmer = _stemmer(language)
    english = _stemmer("en")
    out: list[str] = []
    for word in words:
        if word.isascii() and english is not None and language not in ("fr",):
            out.append(english.stemWord(canonical(word)))
        elif stemmer is not None:
            out.append(stemmer.stemWord(word))
        else:
            out.append(word)
        if language in CHAR_NGRAM_LANGUAGES and not word.isascii():
            out.extend(_char_ngrams(word))
    return out
