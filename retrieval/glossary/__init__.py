"""English glosses of Dari, Ukrainian and Arabic questions, so that the English embedding model can read them.

No multilingual embedding model can be installed here, so a question in Dari meets only the Dari
passages' words (BM25). A written glossary per language (`<language>.tsv`: a word or short phrase
as people type it, a tab, plain English) turns the question into a telegraphic English query, which
the English model matches against the English source of each translated passage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wordfreq import zipf_frequency

from retrieval.tokenize import stem, words

FOLDER = Path(__file__).resolve().parent
MAX_PHRASE = 3  # longest glossary phrase, in words
ENGLISH_ZIPF = 3.0  # a Latin word this common in English is English ("help"), not Arabizi or Finglish


@lru_cache(maxsize=50_000)
def _english(word: str) -> bool:
    return word.isascii() and zipf_frequency(word, "en") >= ENGLISH_ZIPF


@dataclass(frozen=True)
class Gloss:
    """The English reading of one question and how much of it the glossary knew."""

    text: str
    known: float  # share of the question's words that were glossed


class Glossary:
    """Greedy longest-phrase lookup on folded words, then on their stems."""

    def __init__(self, language: str, entries: dict[tuple[str, ...], str]) -> None:
        self.language = language
        self._phrases = entries
        self._stems: dict[tuple[str, ...], str] = {}
        for key, english in sorted(entries.items()):
            self._stems.setdefault(self._stemmed(key), english)

    def _stemmed(self, key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(stem(w, self.language) for w in key)

    @classmethod
    def parse(cls, language: str, text: str) -> "Glossary":
        """A glossary from TSV text (`term<TAB>english`, # comments); the first entry of a term wins."""
        entries: dict[tuple[str, ...], str] = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            term, english = line.split("\t", 1)
            key = tuple(words(term))
            if key and english.strip() and len(key) <= MAX_PHRASE:
                entries.setdefault(key, english.strip().lower())
        return cls(language, entries)

    def __len__(self) -> int:
        return len(self._phrases)

    def gloss(self, text: str) -> Gloss:
        """English words for `text`, longest phrases first; English and unknown Latin words kept as written."""
        tokens = words(text)
        out: list[str] = []
        known = i = 0
        while i < len(tokens):
            if _english(tokens[i]):
                out.append(tokens[i])
                known += 1
                i += 1
                continue
            for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + n])
                english = self._phrases.get(key) or self._stems.get(self._stemmed(key))
                if english is not None:
                    out.append(english)
                    known += n
                    i += n
                    break
            else:
                word = tokens[i]
                if word.isascii():
                    # Destination terms (Jobcenter, NAV, SIN) and numbers are kept as written.
                    out.append(word)
                    known += 1
                i += 1
        return Gloss(" ".join(out), known / len(tokens) if tokens else 0.0)


@lru_cache(maxsize=None)
def glossary_for(language: str) -> Glossary | None:
    """The glossary of `language`, or None when there is none."""
    path = FOLDER / f"{language}.tsv"
    return Glossary.parse(language, path.read_text(encoding="utf-8")) if path.exists() else None
