"""The confidence gate: does the best passage really answer the question?

Two logistic models over a few retrieval features, fitted on the labelled set in knowledge_base/questions
by `benchmarks/retrieval.py --calibrate`, which also picks their thresholds from data. The answer
model estimates the probability that the top passage is a right answer; the choices model, that a
right passage is among the first three (so offering them helps rather than hands off). They are
asked different questions: "is the first one right" and "is there anything here at all".
The same calibration file holds the weight of the dense ranking in the fusion, per language,
because the English embedding model is strong on English and close to noise on Arabic.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

GATE_FILE = Path(__file__).resolve().parent / "calibration.json"
FEATURES = ("dense_top", "dense_max", "dense_margin", "bm25_top", "coverage", "agree", "english", "fused_margin",
            "terms", "topic_agree", "fused_gap3", "lexical_first", "dense_first", "lexical_top3", "dense_top3",
            "idf_coverage", "idf_coverage3", "unknown_words", "missing_weight", "stem_coverage", "stem_coverage3",
            "words", "question_top", "question_top3", "question_max", "question_agree")


@dataclass(frozen=True)
class GateFeatures:
    """What the gate looks at for one query's ranking."""

    dense_top: float  # cosine of the fused top passage
    dense_max: float  # best cosine of any allowed passage (the dense ranking's first)
    dense_margin: float  # its cosine minus the next passage's best cosine
    bm25_top: float  # squashed BM25 score of the fused top passage, 0..1
    coverage: float  # share of the query's terms found in the top passage: "parrot" is in no passage
    agree: float  # 1 when the dense and BM25 rankings have the same first passage
    english: float  # 1 for English queries (the embedding model is English)
    fused_margin: float = 0.0  # how far the fused first place leads the second, 0..1
    terms: float = 1.0  # query length: 1 word reads 0.25, 4 or more read 1 ("card" is ambiguous, "SIN card lost" less)
    # How the first three fused passages hang together: three passages on one topic mean the
    # question is understood even when the first one is not the best of them.
    topic_agree: float = 0.0  # share of the 2nd and 3rd passages on the first one's topic
    fused_gap3: float = 1.0  # how far the first place leads the third, 0..1
    lexical_first: float = 0.0  # 1 when the fused first is BM25's first
    dense_first: float = 0.0  # 1 when the fused first is the dense ranking's first
    lexical_top3: float = 0.0  # share of the fused first three in BM25's first three
    dense_top3: float = 0.0  # share of the fused first three in the dense ranking's first three
    # Is the question's subject in the content at all? Weighted by how rare each word is, so that
    # "parrot" or "fishing" missing counts for more than "can" or "get"; and stemmed, so that
    # Ukrainian and Arabic word endings do not hide a match. These separate covered from uncovered
    # questions in Dari, Ukrainian and Arabic, where the dense side is weak.
    idf_coverage: float = 0.0  # IDF-weighted share of the query's words found in the top passage
    idf_coverage3: float = 0.0  # the same over the first three passages
    unknown_words: float = 0.0  # share of the query's words that no passage in its language uses
    missing_weight: float = 0.0  # the rarest query word missing from the first three (its IDF, 0..1)
    stem_coverage: float = 0.0  # share of the query's word stems found in the top passage
    stem_coverage3: float = 0.0  # the same over the first three passages
    words: float = 0.0  # query length in topic words: 8 or more read 1
    # Closeness (character n-grams, 0..1) to the passages' own `questions:` in the query's language.
    question_top: float = 0.0  # to the top passage's questions
    question_top3: float = 0.0  # to the first three passages' questions
    question_max: float = 0.0  # to any allowed passage's questions
    question_agree: float = 0.0  # 1 when the passage with the closest question is among the first three

    def vector(self) -> list[float]:
        """Features in the order of FEATURES."""
        return [getattr(self, name) for name in FEATURES]


@dataclass
class Gate:
    """The answer model, the choices model and their thresholds (overall and per language)."""

    # Hand-set defaults for the first nine features; the later ones start at 0.
    weights: list[float] = field(default_factory=lambda: [4.0, 4.0, 4.0, 3.0, 3.0, 1.0, 0.0, 1.0, 1.0]
                                 + [0.0] * (len(FEATURES) - 9))
    bias: float = -6.0
    threshold: float = 0.5
    # The choices model; None means "use the answer model" (a calibration from before it existed).
    suggest_weights: list[float] | None = None
    suggest_bias: float = 0.0
    # Below `threshold`, the top candidates are offered as choices when the choices model reaches
    # this; otherwise the question is handed off.
    suggest_threshold: float = 1.0
    # Per language (answer, suggest) thresholds where the labelled set was large enough to fit them:
    # retrieval in Dari or Ukrainian rests on BM25 alone and is calibrated differently from English.
    by_language: dict[str, tuple[float, float]] = field(default_factory=dict)
    fitted_on: str = "hand-set defaults (run benchmarks/retrieval.py --calibrate)"
    dense_weight: dict[str, float] = field(default_factory=lambda: {"en": 1.0})

    def dense_weight_for(self, language: str) -> float:
        """Weight of the dense ranking against BM25 (weight 1) in the fusion for `language`."""
        return self.dense_weight.get(language, self.dense_weight.get("default", 0.5))

    def probability(self, features: GateFeatures) -> float:
        """Estimated probability that the top passage answers the question."""
        return _logistic(self.weights, self.bias, features)

    def choices_probability(self, features: GateFeatures) -> float:
        """Estimated probability that a right passage is among the first three."""
        if self.suggest_weights is None:
            return self.probability(features)
        return _logistic(self.suggest_weights, self.suggest_bias, features)

    def accepts(self, features: GateFeatures, language: str | None = None) -> bool:
        """True when the answer is confident enough to send."""
        return self.probability(features) >= self.thresholds(language)[0]

    def thresholds(self, language: str | None) -> tuple[float, float]:
        """(answer, suggest) thresholds for questions in `language`."""
        return self.by_language.get(language or "", (self.threshold, self.suggest_threshold))

    def save(self, path: Path = GATE_FILE) -> None:
        """Write the gate as JSON."""
        data = {"features": list(FEATURES), "weights": self.weights, "bias": self.bias,
                "threshold": self.threshold, "suggest_weights": self.suggest_weights, "suggest_bias": self.suggest_bias,
                "suggest_threshold": self.suggest_threshold,
                "by_language": {k: list(v) for k, v in self.by_language.items()}, "fitted_on": self.fitted_on, "dense_weight": self.dense_weight}
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = GATE_FILE) -> "Gate":
        """Read the gate; the hand-set default when no calibration was saved."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        fitted = list(data.get("features") or [])
        if not set(fitted) <= set(FEATURES):
            raise ValueError(f"{path} was fitted on features this code does not know ({sorted(set(fitted) - set(FEATURES))}); "
                             "rerun `safar kb calibrate`")
        # A calibration from before a feature existed gives that feature no weight until refitted.
        by_name = dict(zip(fitted, data["weights"]))
        weights = [float(by_name.get(name, 0.0)) for name in FEATURES]
        suggest = data.get("suggest_weights")
        suggest_weights = ([float(dict(zip(fitted, suggest)).get(name, 0.0)) for name in FEATURES]
                           if suggest is not None else None)
        return cls(weights=weights, bias=float(data["bias"]), threshold=float(data["threshold"]),
                   suggest_weights=suggest_weights, suggest_bias=float(data.get("suggest_bias", 0.0)),
                   suggest_threshold=float(data.get("suggest_threshold", 1.0)), fitted_on=str(data.get("fitted_on", "")),
                   by_language={k: (float(v[0]), float(v[1])) for k, v in (data.get("by_language") or {}).items()},
                   dense_weight={k: float(v) for k, v in data.get("dense_weight", {"en": 1.0}).items()})


def _logistic(weights: list[float], bias: float, features: GateFeatures) -> float:
    z = bias + sum(w * x for w, x in zip(weights, features.vector()))
    return 1.0 / (1.0 + math.exp(-z))


def squash_bm25(score: float) -> float:
    """Map an unbounded BM25 score to 0..1 (half at 6, about a strong two-term match)."""
    return score / (score + 6.0) if score > 0 else 0.0
