"""How much of a question's subject the first passages cover, by word rarity and by word stem."""

from __future__ import annotations

import math
from dataclasses import dataclass

from knowledge_base.passages import Passage
from retrieval.tokenize import content_stems


@dataclass(frozen=True)
class Coverage:
    """The coverage features of one ranking (see GateFeatures for each)."""

    idf_coverage: float = 0.0
    idf_coverage3: float = 0.0
    unknown_words: float = 1.0
    missing_weight: float = 1.0
    stem_coverage: float = 0.0
    stem_coverage3: float = 0.0
    words: float = 0.0


class Vocabulary:
    """Document frequencies per language (of BM25 terms) and each passage's word stems."""

    def __init__(self, passages: list[Passage], terms: dict[int, frozenset[str]]) -> None:
        self._df: dict[str, dict[str, int]] = {}
        self._docs: dict[str, int] = {}
        for row, words in terms.items():
            language = passages[row].language
            df = self._df.setdefault(language, {})
            self._docs[language] = self._docs.get(language, 0) + 1
            for term in words:
                df[term] = df.get(term, 0) + 1
        self._stems = [content_stems(" ".join([p.embed_text, p.title, *p.questions]), p.language) for p in passages]
        self._terms = terms

    def coverage(self, query: str, tokens: list[str], language: str, order: list[int]) -> Coverage:
        """Coverage of the query's words by the first passage and the first three of `order` (rows)."""
        stems = content_stems(query, language)
        top3_stems: set[str] = set().union(*(self._stems[r] for r in order[:3])) if order else set()
        stem_part = {}
        if stems and order:
            stem_part = {"stem_coverage": len(stems & self._stems[order[0]]) / len(stems),
                         "stem_coverage3": len(stems & top3_stems) / len(stems), "words": min(len(stems), 8) / 8}
        words = {t for t in tokens if not t.startswith("~")}  # whole words, not character n-grams
        if not words or not order:
            return Coverage(**stem_part)
        df, n = self._df.get(language, {}), self._docs.get(language, 1)
        # A word no passage uses gets the highest weight: it is the likeliest sign of a subject the
        # content does not cover ("parrot"), though a typo looks the same.
        weight = {t: math.log(1 + n / (df.get(t, 0) + 0.5)) for t in words}
        total = sum(weight.values())
        first = self._terms.get(order[0], frozenset())
        top3: set[str] = set().union(*(self._terms.get(r, frozenset()) for r in order[:3]))
        missing = [w for t, w in weight.items() if t not in top3]
        return Coverage(
            idf_coverage=sum(w for t, w in weight.items() if t in first) / total,
            idf_coverage3=sum(w for t, w in weight.items() if t in top3) / total,
            unknown_words=sum(1 for t in words if t not in df) / len(words),
            missing_weight=max(missing) / math.log(1 + n / 0.5) if missing else 0.0,
            **stem_part,
        )
