"""A second reader for crisis messages: character n-grams and a linear model, trained on the NLU examples.

The phrase net reads only what its patterns spell out; Rasa's classifier reads more but is not
there when Rasa is down, hung or slow. This reader needs neither: it is trained on the same labelled
examples as Rasa (crisis against every other intent, near-misses included) and on the content's own
`questions:` as ordinary questions (outside the safety and mental-health topics), from folded text,
so it reads spellings, dialects and the Latin-letter Dari the patterns miss without taking "can I
bring my parents" for a crisis. It runs beside the net in the bot and in the action server. Its
weights are kept as plain arrays (no pickled code) in var/.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crisis.detector import fold
from knowledge_base.yaml_io import load_yaml

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)

# Character 2-5-grams inside word boundaries, hashed into 2^20 columns (collisions are rare at this
# size and the model needs no stored vocabulary); sublinear tf-idf; C=30 and a threshold of 0.8.
# Chosen on data tuned on before: the crisis sets tune..holdout3 (no false alarm, recall 598/605),
# the tune half of the labelled retrieval questions (no ordinary question flagged) and the routing
# sets (2 of 219 non-crisis messages flagged); docs/benchmarks.md, Session 7.
N_FEATURES = 2**20
NGRAMS = (2, 5)
C = 30.0
# Probability at or above which the reader alone declares a crisis (same tuning as above).
THRESHOLD = 0.8
# From here up to THRESHOLD the reader is unsure: the message is answered as usual, with one line
# giving the emergency number. 0.4 gives that line to 22 of 816 ordinary tune-half questions (2.7%)
# and to 2 of 219 non-crisis routing messages; on the unseen crisis sets, 33 of the 46 crises the
# bot's detector misses fall in this band (docs/benchmarks.md, Session 7).
GENTLE = 0.4
# Content topics whose questions may be crises themselves ("he hits me, where is help"): not used as
# ordinary examples.
NOT_ORDINARY = frozenset({"safety_and_emergencies", "mental_health"})
FORMAT = 2  # bump when the features or the examples change, so an old file is retrained rather than misread

_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file, entity markup removed."""
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if intent and isinstance(block.get("examples"), str):
            out += [(_ENTITY.sub(r"\1", line.strip()[2:].strip()), intent)
                    for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    return out


def examples(nlu_dir: Path) -> tuple[list[str], list[int]]:
    """Every NLU example in `nlu_dir` as (text, 1 for crisis else 0)."""
    pairs = [pair for path in sorted(nlu_dir.glob("*.yml")) for pair in nlu_examples(path)]
    return [text for text, _ in pairs], [int(intent == "crisis") for _, intent in pairs]


def ordinary_questions(kb_dir: Path, taxonomy_path: Path) -> list[str]:
    """The content's `questions:` outside the safety and mental-health topics: ways people ask ordinary things."""
    from crisis.detector import CrisisDetector
    from knowledge_base.passages import load_collection
    from knowledge_base.taxonomy import load_taxonomy

    net = CrisisDetector.load()
    passages = load_collection(kb_dir, load_taxonomy(taxonomy_path)).passages
    return [q for p in passages if p.topic not in NOT_ORDINARY for q in p.questions if not net.matches(q)]


def fingerprint(nlu_dir: Path, kb_dir: Path | None = None) -> str:
    """A digest of the examples' files and of the feature settings: a changed one means retrain."""
    digest = hashlib.sha256(f"{FORMAT}:{N_FEATURES}:{NGRAMS}:{C}:{sorted(NOT_ORDINARY)}".encode())
    files = sorted(nlu_dir.glob("*.yml")) + (sorted(kb_dir.rglob("*.md")) if kb_dir is not None else [])
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _vectorizer():  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False,
                             norm=None, lowercase=False, preprocessor=fold)


@dataclass
class CrisisClassifier:
    """Sublinear tf-idf over hashed character n-grams, then logistic regression."""

    idf: np.ndarray
    coef: np.ndarray
    bias: float
    fingerprint: str = ""

    @classmethod
    def train(cls, texts: list[str], labels: list[int], fingerprint: str = "") -> "CrisisClassifier":
        """Fit on labelled texts (deterministic: no sampling, a fixed solver)."""
        from sklearn.linear_model import LogisticRegression

        counts = _vectorizer().transform(texts).tocsc()
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
        model = LogisticRegression(C=C, max_iter=5000, solver="liblinear").fit(_weigh(counts.tocsr(), idf), labels)
        return cls(idf=idf, coef=model.coef_[0].astype(np.float32), bias=float(model.intercept_[0]),
                   fingerprint=fingerprint)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """P(crisis) for each text."""
        x = _weigh(_vectorizer().transform(texts), self.idf)
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.bias)))

    def probability(self, text: str) -> float:
        """P(crisis) for one text."""
        return float(self.probabilities([text])[0])

    def save(self, path: Path) -> None:
        """Write the arrays (compressed numpy, no pickle)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")  # two processes may train at once
        np.savez_compressed(tmp, idf=self.idf, coef=self.coef, bias=np.array([self.bias]),
                            fingerprint=np.array([self.fingerprint]))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "CrisisClassifier":
        """Read what `save` wrote."""
        with np.load(path, allow_pickle=False) as data:
            return cls(idf=data["idf"], coef=data["coef"], bias=float(data["bias"][0]),
                       fingerprint=str(data["fingerprint"][0]))

    @classmethod
    def saved(cls, path: Path, current: str) -> "CrisisClassifier | None":
        """The reader saved at `path` when it was trained on examples with fingerprint `current`, else None."""
        if not path.exists():
            return None
        try:
            saved = cls.load(path)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("crisis reader at %s unreadable (%s); training it again", path, type(exc).__name__)
            return None
        return saved if saved.fingerprint == current else None

    @classmethod
    def ready(cls, nlu_dir: Path, path: Path, kb_dir: Path | None = None,
              taxonomy_path: Path | None = None) -> "CrisisClassifier":
        """The saved reader when it matches the examples (NLU, and the content's questions when given); else trained now and saved."""
        current = fingerprint(nlu_dir, kb_dir)
        saved = cls.saved(path, current)
        if saved is not None:
            return saved
        texts, labels = examples(nlu_dir)
        if kb_dir is not None and taxonomy_path is not None:
            ordinary = ordinary_questions(kb_dir, taxonomy_path)
            texts, labels = texts + ordinary, labels + [0] * len(ordinary)
        trained = cls.train(texts, labels, current)
        try:
            trained.save(path)
        except OSError as exc:  # a read-only checkout still gets the reader, trained in memory
            log.warning("crisis reader not saved to %s (%s); it is trained at each start", path, type(exc).__name__)
        return trained


def reader_for(settings: "Settings") -> CrisisClassifier:
    """The reader the bot and the action server use: NLU examples and the content's questions."""
    return CrisisClassifier.ready(settings.nlu_data_dir, settings.crisis_reader_path, settings.kb_dir,
                                  settings.taxonomy_path)


def _weigh(counts, idf: np.ndarray):  # type: ignore[no-untyped-def]
    """Sublinear tf times idf, each row scaled to unit length."""
    from sklearn.preprocessing import normalize

    counts = counts.astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts.multiply(idf).tocsr())
