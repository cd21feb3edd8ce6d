"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import bm25s
import faiss
import numpy as np

from knowledge_base.passages import Passage
from retrieval.coverage import Vocabulary
from retrieval.embedder import Embedder
from retrieval.gate import Gate, GateFeatures, squash_bm25
from retrieval.glossary import Glossary, glossary_for
from retrieval.index import LoadedIndex, load_index
from retrieval.question_match import QuestionMatcher
from retrieval.spelling import Speller
from retrieval.tokenize import tokenize

Method = Literal["hybrid", "dense", "bm25"]
# Reciprocal rank fusion constant and BM25 parameters, chosen on the tune half of the labelled set
# (benchmarks/retrieval.py): a small k lets a clear first place in either ranking count, which
# suits short questions against short passages better than the usual k=60.
RRF_K = 5
BM25_K1, BM25_B = 0.9, 0.4
CANDIDATES = 50
# How the glossary bridge (English source read through a glossary) joins the native dense ranking,
# chosen on the tune half by 2-fold cross-validation of the gate (right passage offered when 0.85 of
# uncovered questions are held back; AUC of the choices model, covered-and-found vs uncovered):
# "replace" for Dari (0.658 -> 0.703; AUC 0.858 -> 0.907) and Ukrainian (0.505 -> 0.552; 0.798 ->
# 0.846); "max" for Arabic, where replacing ranked better (hit@3 0.841 -> 0.862) but separated
# covered from uncovered questions worse (AUC 0.838 -> 0.803) and the best cosine of each helps a
# little (0.579 -> 0.607; 0.843).
BRIDGE_MODE = {"fa": "replace", "uk": "replace", "ar": "max"}
# Where the answer exists only in English (10-15% of covered Arabic and Ukrainian tune questions), the
# English content is searched with the question's gloss. Those results may be offered as choices,
# never answered outright, and only when the choices model gives at least 0.9 (tune half, 2-fold CV:
# right offered ar 0.52 -> 0.72, fa 0.64 -> 0.75, uk 0.64 -> 0.72; uncovered held back ar 0.89 -> 0.80,
# fa 0.86 -> 0.86, uk 0.83 -> 0.80; at the English threshold 0.77 it held back only 0.61-0.74).
FALLBACK_SUGGEST_AT = 0.9


def fuse(dense_rank: list[int], lex_rank: list[int], dense_weight: float) -> dict[int, float]:
    """Weighted reciprocal rank fusion of two rankings (BM25 has weight 1)."""
    fused: dict[int, float] = {}
    for weight, ranking in ((dense_weight, dense_rank), (1.0, lex_rank)):
        for pos, r in enumerate(ranking):
            fused[r] = fused.get(r, 0.0) + weight / (RRF_K + pos + 1)
    return fused


@dataclass
class Hit:
    """One ranked passage with the scores that put it there."""

    passage: Passage
    score: float
    dense: float
    bm25: float


@dataclass
class SearchResult:
    """A ranking for one query, in the language actually searched, and the gate's verdict."""

    hits: list[Hit]
    language: str
    requested_language: str
    confident: bool
    confidence: float
    features: GateFeatures | None = None
    languages_tried: list[str] = field(default_factory=list)
    suggest_threshold: float = 1.0
    choices_confidence: float = 0.0  # the choices model: a right passage is among the first three

    @property
    def outcome(self) -> str:
        """answer when confident; suggest when the top candidates are plausible; else handoff."""
        if self.confident:
            return "answer"
        if len(self.hits) >= 2 and self.choices_confidence >= self.suggest_threshold:
            return "suggest"
        return "handoff"

    def choices(self, n: int = 3) -> list[Hit]:
        """The passages to offer as choices, best first."""
        return self.hits[:n] if self.outcome == "suggest" else []

    @property
    def fell_back_from(self) -> str | None:
        """The user's language when the answer comes from English content instead, else None."""
        return self.requested_language if self.language != self.requested_language else None


class Retriever:
    """Loaded once per process; `search` is thread-safe for concurrent readers."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, gate: Gate) -> None:
        self.index = index
        self.embedder = embedder
        self.gate = gate
        self.passages = index.passages
        self._country = np.array([p.country for p in self.passages])
        self._language = np.array([p.language for p in self.passages])
        self._owners = index.owners
        # One BM25 model per language: tokenisation and statistics differ by language. Each passage
        # is one document: its body, title and `questions:` together. (One document per question
        # measured worse on the tune half — hit@1 ar 0.648 against 0.738, uk 0.667 against 0.752 —
        # because a short question sharing one everyday word with a message outscored the passage
        # that answers it; English was the same either way.)
        self._bm25: dict[str, tuple[bm25s.BM25, np.ndarray]] = {}
        self._terms: dict[int, frozenset[str]] = {}
        for lang in sorted(set(self._language.tolist())):
            docs: list[list[str]] = []
            doc_rows: list[int] = []
            for r in np.flatnonzero(self._language == lang).tolist():
                p = self.passages[r]
                tokens = tokenize(" ".join([p.embed_text, p.title, *p.questions]), lang)
                docs.append(tokens)
                doc_rows.append(r)
                self._terms[r] = frozenset(tokens)
            model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
            model.index(docs, show_progress=False)
            self._bm25[lang] = (model, np.array(doc_rows, dtype=np.int64))
        self.vocabulary = Vocabulary(self.passages, self._terms)
        self.question_matcher = QuestionMatcher(self.passages)
        english = [p.embed_text + " " + " ".join(p.questions) for p in self.passages if p.language == "en"]
        self.speller = Speller(english)
        # A translated passage's row -> its English source's row, for the glossary bridge.
        row_of = {p.id: r for r, p in enumerate(self.passages)}
        self._source = np.array([row_of.get(p.translation_of or "", -1) for p in self.passages], dtype=np.int64)
        self.glossaries: dict[str, Glossary] = {
            lang: g for lang in self._bm25 if lang != "en" and (g := glossary_for(lang)) is not None
        }

    def passage(self, passage_id: str) -> Passage | None:
        """The passage with this id, or None."""
        if not hasattr(self, "_by_id"):
            self._by_id = {p.id: p for p in self.passages}
        return self._by_id.get(passage_id)

    @classmethod
    def open(cls, index_dir: Path, model: str, gate: Gate | None = None) -> "Retriever":
        """Load the model and the index (refusing an index built with another model)."""
        embedder = Embedder(model)
        return cls(load_index(index_dir, model_id=embedder.model_id), embedder, gate or Gate.load())

    def allowed_rows(self, country: str | None, language: str) -> np.ndarray:
        """Rows for the destination (plus `general`) in one language."""
        countries = {"general"} | ({country} if country else set())
        mask = np.isin(self._country, list(countries)) & (self._language == language)
        return np.flatnonzero(mask)

    def _dense(self, qvec: np.ndarray, rows: np.ndarray, k: int) -> tuple[list[int], dict[int, float]]:
        """FAISS search over every vector of the allowed passages; a passage scores its best vector."""
        ids = np.flatnonzero(np.isin(self._owners, rows)).astype(np.int64)
        if len(ids) == 0:
            return [], {}
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        _, found = self.index.faiss_index.search(qvec.reshape(1, -1), min(4 * k, len(ids)), params=params)
        ranked: list[int] = []
        for i in found[0]:
            owner = int(self._owners[i]) if i >= 0 else -1
            if owner >= 0 and owner not in ranked:
                ranked.append(owner)
        # Cosines for every allowed passage (its best vector), so hits found only by BM25 still carry one.
        sims = self.index.vectors[ids] @ qvec
        best: dict[int, float] = {}
        for owner, sim in zip(self._owners[ids].tolist(), sims.tolist()):
            if sim > best.get(owner, -1.0):
                best[owner] = sim
        return ranked[:k], best

    def _vector(self, text: str, memo: dict[str, np.ndarray] | None) -> np.ndarray:
        """The embedding of `text`, from `memo` (one search's vectors) when it is there."""
        if memo is not None and text in memo:
            return memo[text]
        vector = self.embedder.encode([text])[0]
        if memo is not None:
            memo[text] = vector
        return vector

    def _bridge(self, query: str, language: str, rows: np.ndarray, k: int,
                memo: dict[str, np.ndarray] | None = None) -> tuple[list[int], dict[int, float]]:
        """Dense ranking of translated passages by their English source, read through the glossary."""
        glossary = self.glossaries.get(language)
        gloss = glossary.gloss(query) if glossary else None
        if gloss is None or not gloss.text:
            return [], {}
        sources = self._source[rows]
        linked = rows[sources >= 0]
        if len(linked) == 0:
            return [], {}
        _, best = self._dense(self._vector(gloss.text, memo), np.unique(self._source[linked]), k)
        cos = {int(r): best[int(self._source[r])] for r in linked if int(self._source[r]) in best}
        return sorted(cos, key=lambda r: (-cos[r], r))[:k], cos

    def _lexical(self, tokens: list[str], language: str, rows: np.ndarray, k: int) -> tuple[list[int], dict[int, float]]:
        model, doc_rows = self._bm25[language]
        if not tokens:
            return [], {}
        scores = model.get_scores(tokens)
        allowed = set(rows.tolist())
        best: dict[int, float] = {}
        for r, s in zip(doc_rows.tolist(), scores.tolist()):
            if s > 0 and r in allowed and s > best.get(r, 0.0):
                best[r] = s
        ranked = sorted(best, key=lambda r: (-best[r], r))
        return ranked[:k], best

    def rankings(self, query: str, rows: np.ndarray, language: str, qvec: np.ndarray | None = None,
                 tokens: list[str] | None = None, memo: dict[str, np.ndarray] | None = None,
                 ) -> tuple[list[int], dict[int, float], list[int], dict[int, float]]:
        """The dense (joined by the glossary bridge where a language has one) and the BM25 rankings, with scores."""
        if qvec is None:
            qvec = self.embedder.encode([query])[0]
        if tokens is None:
            tokens = tokenize(query, language)
        dense_rank, cos = self._dense(qvec, rows, CANDIDATES)
        mode = BRIDGE_MODE.get(language)
        if mode is not None and language in self.glossaries:
            bridge_rank, bridge = self._bridge(query, language, rows, CANDIDATES, memo)
            if bridge_rank and mode == "replace":
                # The English model reads Dari and Ukrainian text hardly at all: the bridge's cosines
                # stand for the passages it reaches (the rest keep their own).
                dense_rank, cos = bridge_rank, {**cos, **bridge}
            elif bridge_rank:
                cos = {r: max(c, bridge.get(r, -1.0)) for r, c in cos.items()}
                dense_rank = sorted(cos, key=lambda r: (-cos[r], r))[:CANDIDATES]
        lex_rank, bm = self._lexical(tokens, language, rows, CANDIDATES)
        return dense_rank, cos, lex_rank, bm

    def rank(self, query: str, rows: np.ndarray, language: str, method: Method = "hybrid", k: int = 5,
             qvec: np.ndarray | None = None, memo: dict[str, np.ndarray] | None = None,
             ) -> tuple[list[Hit], GateFeatures | None]:
        """Rank the allowed rows for `query` with one method; returns hits and the gate's features."""
        if len(rows) == 0:
            return [], None
        tokens = tokenize(query, language)
        dense_rank, cos, lex_rank, bm = self.rankings(query, rows, language, qvec, tokens, memo)
        if method == "dense":
            order = dense_rank
            fused = {r: cos[r] for r in order}
        elif method == "bm25":
            order = lex_rank
            fused = {r: bm[r] for r in order}
        else:
            fused = fuse(dense_rank, lex_rank, self.gate.dense_weight_for(language))
            order = sorted(fused, key=lambda r: (-fused[r], r))
        hits = [Hit(self.passages[r], float(fused[r]), float(cos.get(r, 0.0)), float(bm.get(r, 0.0))) for r in order[:k]]
        if not hits:
            return [], None
        top = order[0]
        others = [c for r, c in cos.items() if r != top]
        query_terms = set(tokens)
        coverage = len(query_terms & self._terms.get(top, frozenset())) / len(query_terms) if query_terms else 0.0
        covered = self.vocabulary.coverage(query, tokens, language, order)
        closeness = self.question_matcher.closeness(query, language, rows)
        closest = max(closeness, key=lambda r: (closeness[r], -r)) if closeness else -1
        features = GateFeatures(
            dense_top=cos.get(top, 0.0),
            dense_max=max(cos.values()) if cos else 0.0,
            dense_margin=cos.get(top, 0.0) - (max(others) if others else 0.0),
            bm25_top=squash_bm25(bm.get(top, 0.0)),
            coverage=coverage,
            agree=1.0 if dense_rank[:1] == lex_rank[:1] else 0.0,
            english=1.0 if language == "en" else 0.0,
            fused_margin=((fused[top] - fused[order[1]]) / fused[top]
                          if method == "hybrid" and len(order) > 1 and fused[top] > 0 else 1.0),
            terms=min(4, len({t for t in tokens if not t.startswith("~")})) / 4,
            topic_agree=sum(self.passages[r].topic == self.passages[top].topic for r in order[1:3]) / 2,
            fused_gap3=((fused[top] - fused[order[2]]) / fused[top]
                        if method == "hybrid" and len(order) > 2 and fused[top] > 0 else 1.0),
            lexical_first=1.0 if lex_rank[:1] == [top] else 0.0,
            dense_first=1.0 if dense_rank[:1] == [top] else 0.0,
            lexical_top3=len(set(order[:3]) & set(lex_rank[:3])) / 3,
            dense_top3=len(set(order[:3]) & set(dense_rank[:3])) / 3,
            **covered.__dict__,
            question_top=closeness.get(top, 0.0),
            question_top3=max((closeness.get(r, 0.0) for r in order[:3]), default=0.0),
            question_max=closeness.get(closest, 0.0),
            question_agree=1.0 if closest in order[:3] else 0.0,
        )
        return hits, features

    def search(self, query: str, country: str | None, language: str = "en", k: int = 5,
               method: Method = "hybrid") -> SearchResult:
        """Best passages for the destination, in the user's language first, English as the fallback.

        The result's `outcome` is the gate's verdict: answer (confident), suggest (plausible
        candidates to offer), or handoff (nothing plausible).
        """
        order = [language] + (["en"] if language != "en" else [])
        tried: list[str] = []
        results: list[SearchResult] = []
        vectors: dict[str, np.ndarray] = {}
        glossary = self.glossaries.get(language)
        gloss = glossary.gloss(query).text if glossary else ""
        if gloss:
            # The question and its English gloss in one batch: one model call instead of two.
            vectors.update(zip([query, gloss], self.embedder.encode([query, gloss])))
        for lang in order:
            rows = self.allowed_rows(country, lang)
            if len(rows) == 0 or lang not in self._bm25:
                continue
            tried.append(lang)
            # Typos are corrected toward the English content's own words (English questions only).
            text = self.speller.correct(query) if lang == "en" and language == "en" else query
            if lang == "en" and gloss:
                text = gloss  # English content, reached by the question's English reading
            hits, features = self.rank(text, rows, lang, method, k, qvec=self._vector(text, vectors), memo=vectors)
            p = self.gate.probability(features) if features else 0.0
            answer_at, suggest_at = self.gate.thresholds(lang)
            if text == gloss and lang != language:  # never an answer, choices only when clearly plausible
                answer_at, suggest_at = 1.01, max(suggest_at, self.gate.thresholds(language)[1], FALLBACK_SUGGEST_AT)
            result = SearchResult(hits, lang, language, bool(hits) and p >= answer_at, p, features, tried,
                                  suggest_threshold=suggest_at,
                                  choices_confidence=self.gate.choices_probability(features) if features else 0.0)
            if result.confident:
                result.languages_tried = tried
                return result
            results.append(result)
        if not results:
            return SearchResult([], language, language, False, 0.0, None, tried)
        # Nothing confident: offer choices in the person's language when plausible, else in English.
        best = next((r for r in results if r.outcome == "suggest"), results[0])
        best.languages_tried = tried
        return best
