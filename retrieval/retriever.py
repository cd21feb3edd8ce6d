"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import bm25s
import faiss
import numpy as np

from knowledge_base.passages import Passage
from retrieval.embedder import Embedder
from retrieval.gate import Gate, GateFeatures, squash_bm25
from retrieval.index import LoadedIndex, load_index
from retrieval.tokenize import tokenize

Method = Literal["hybrid", "dense", "bm25"]
# Reciprocal rank fusion constant and BM25 parameters, chosen on the tune half of the labelled set
# (benchmarks/retrieval.py): a small k lets a clear first place in either ranking count, which
# suits short questions against short passages better than the usual k=60.
RRF_K = 5
BM25_K1, BM25_B = 0.9, 0.4
CANDIDATES = 50


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
        # One BM25 model per language: tokenisation and statistics differ by language.
        self._bm25: dict[str, tuple[bm25s.BM25, np.ndarray]] = {}
        self._terms: dict[int, frozenset[str]] = {}
        for lang in sorted(set(self._language.tolist())):
            rows = np.flatnonzero(self._language == lang)
            corpus = [tokenize(self.passages[i].embed_text + " " + self.passages[i].title, lang) for i in rows]
            self._terms.update({int(r): frozenset(toks) for r, toks in zip(rows, corpus)})
            model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
            model.index(corpus, show_progress=False)
            self._bm25[lang] = (model, rows)

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
        """FAISS search over both vectors of the allowed passages; a passage scores its better one."""
        n = len(self.passages)
        ids = np.concatenate([rows, rows + n]).astype(np.int64)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        _, found = self.index.faiss_index.search(qvec.reshape(1, -1), min(2 * k, len(ids)), params=params)
        ranked: list[int] = []
        for i in found[0]:
            if i >= 0 and int(i) % n not in ranked:
                ranked.append(int(i) % n)
        # Cosines for every allowed passage, so hits found only by BM25 still carry one.
        cos = np.maximum(self.index.vectors[rows] @ qvec, self.index.vectors[rows + n] @ qvec)
        return ranked[:k], dict(zip(rows.tolist(), cos.tolist()))

    def _lexical(self, tokens: list[str], language: str, rows: np.ndarray, k: int) -> tuple[list[int], dict[int, float]]:
        model, lang_rows = self._bm25[language]
        if not tokens:
            return [], {}
        scores = model.get_scores(tokens)
        by_row = dict(zip(lang_rows.tolist(), scores.tolist()))
        allowed = [(by_row.get(int(r), 0.0), int(r)) for r in rows]
        allowed = [(s, r) for s, r in allowed if s > 0]
        allowed.sort(key=lambda t: (-t[0], t[1]))
        return [r for _, r in allowed[:k]], {r: s for s, r in allowed}

    def rankings(self, query: str, rows: np.ndarray, language: str, qvec: np.ndarray | None = None,
                 tokens: list[str] | None = None) -> tuple[list[int], dict[int, float], list[int], dict[int, float]]:
        """The dense and the BM25 ranking of the allowed rows, with their scores."""
        if qvec is None:
            qvec = self.embedder.encode([query])[0]
        if tokens is None:
            tokens = tokenize(query, language)
        dense_rank, cos = self._dense(qvec, rows, CANDIDATES)
        lex_rank, bm = self._lexical(tokens, language, rows, CANDIDATES)
        return dense_rank, cos, lex_rank, bm

    def rank(self, query: str, rows: np.ndarray, language: str, method: Method = "hybrid", k: int = 5,
             qvec: np.ndarray | None = None) -> tuple[list[Hit], GateFeatures | None]:
        """Rank the allowed rows for `query` with one method; returns hits and the gate's features."""
        if len(rows) == 0:
            return [], None
        tokens = tokenize(query, language)
        dense_rank, cos, lex_rank, bm = self.rankings(query, rows, language, qvec, tokens)
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
        features = GateFeatures(
            dense_top=cos.get(top, 0.0),
            dense_max=max(cos.values()) if cos else 0.0,
            dense_margin=cos.get(top, 0.0) - (max(others) if others else 0.0),
            bm25_top=squash_bm25(bm.get(top, 0.0)),
            coverage=coverage,
            agree=1.0 if dense_rank[:1] == lex_rank[:1] else 0.0,
            english=1.0 if language == "en" else 0.0,
        )
        return hits, features

    def search(self, query: str, country: str | None, language: str = "en", k: int = 5,
               method: Method = "hybrid") -> SearchResult:
        """Best passages for the destination, in the user's language first, English as the fallback."""
        qvec = self.embedder.encode([query])[0]
        order = [language] + (["en"] if language != "en" else [])
        tried: list[str] = []
        first: SearchResult | None = None
        for lang in order:
            rows = self.allowed_rows(country, lang)
            if len(rows) == 0 or lang not in self._bm25:
                continue
            tried.append(lang)
            hits, features = self.rank(query, rows, lang, method, k, qvec=qvec)
            p = self.gate.probability(features) if features else 0.0
            result = SearchResult(hits, lang, language, bool(hits) and p >= self.gate.threshold, p, features, tried)
            if result.confident:
                return result
            first = first or result
        if first is None:
            return SearchResult([], language, language, False, 0.0, None, tried)
        first.languages_tried = tried
        return first
