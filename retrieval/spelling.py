"""A spelling corrector for English questions, built from the content's own vocabulary.

People write "helth insurence", "jobcentre", "medicar", "Germny". A word that is neither in the
content nor a common English word (wordfreq) is replaced by the content word one edit away (two
for long words), the most frequent one when several fit. Correct English words the content does
not use are left alone: changing them would invent a match.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from wordfreq import zipf_frequency

_WORD = re.compile(r"[a-z]+")
COMMON_ZIPF = 3.0  # about once per 100,000 words: a word people really use, not a typo
MIN_LENGTH = 4


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), small strings only."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Corrects English words toward the content vocabulary (symmetric-delete lookup)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.counts: Counter[str] = Counter(w for t in texts for w in _WORD.findall(t.lower()))
        self._by_delete: dict[str, set[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_LENGTH:
                for d in _deletes(word, 2 if len(word) >= 8 else 1):
                    self._by_delete.setdefault(d, set()).add(word)

    @lru_cache(maxsize=20_000)  # noqa: B019 - one Speller per process, words repeat across questions
    def correct_word(self, word: str) -> str:
        """The content word meant by `word`, or `word` itself."""
        low = word.lower()
        if len(low) < MIN_LENGTH or not low.isalpha() or low in self.counts or zipf_frequency(low, "en") >= COMMON_ZIPF:
            return word
        depth = 2 if len(low) >= 8 else 1
        found: set[str] = set()
        for d in _deletes(low, depth):
            found |= self._by_delete.get(d, set())
        limit = depth
        candidates = [w for w in found if _distance(low, w) <= limit]
        if not candidates:
            return word
        return max(candidates, key=lambda w: (-_distance(low, w), self.counts[w], w))

    def correct(self, text: str) -> str:
        """`text` with misspelled words replaced; everything else as written."""
        return re.sub(r"[A-Za-z]+", lambda m: self.correct_word(m.group(0)), text)
