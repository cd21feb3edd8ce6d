"""How closely a message is spelled like one of the content's own questions, in its own language.

Each passage lists ways people ask for it (`questions:`). BM25 reads a passage and its questions as
one document, and the English embedding model reads Dari, Ukrainian and Arabic hardly at all, so
neither says "someone asked almost exactly this". Character n-grams do, through typos, dialect
spellings and word endings; the gate uses the closeness as evidence that a question is covered.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge_base.passages import Passage
from retrieval.tokenize import fold


class QuestionMatcher:
    """Per language: character 2-4-gram tf-idf vectors of every passage's questions and title."""

    def __init__(self, passages: list[Passage]) -> None:
        self._models: dict[str, tuple[TfidfVectorizer, csr_matrix, np.ndarray]] = {}
        for language in sorted({p.language for p in passages}):
            texts: list[str] = []
            owners: list[int] = []
            for row, p in enumerate(passages):
                if p.language == language:
                    for text in (*p.questions, p.title):
                        texts.append(fold(text))
                        owners.append(row)
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32)
            matrix = vectorizer.fit_transform(texts).tocsr()
            self._models[language] = (vectorizer, matrix, np.array(owners, dtype=np.int64))

    def closeness(self, query: str, language: str, rows: np.ndarray) -> dict[int, float]:
        """Best cosine of `query` to any question of each allowed passage (rows), 0..1."""
        model = self._models.get(language)
        if model is None or len(rows) == 0:
            return {}
        vectorizer, matrix, owners = model
        sims = (matrix @ vectorizer.transform([fold(query)]).T).toarray().ravel()
        allowed = np.isin(owners, rows)
        best: dict[int, float] = {}
        for owner, sim in zip(owners[allowed].tolist(), sims[allowed].tolist()):
            if sim > best.get(owner, 0.0):
                best[owner] = sim
        return best
