"""Group similar gap questions: sentence embeddings, then HDBSCAN (no fixed number of clusters)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_PLACEHOLDER = re.compile(r"<[A-Z_]+>")


@dataclass(frozen=True)
class Grouping:
    """Cluster label per text (-1: too unlike the others to group) and each text's typicality."""

    labels: list[int]
    typicality: list[float]  # cosine similarity to its cluster's centroid (0 for unclustered)


def embed_text(text: str) -> str:
    """The text a question is grouped by: placeholders say nothing about the topic, so they go."""
    return _PLACEHOLDER.sub(" ", text).strip() or text


def char_ngram_vectors(texts: list[str]) -> np.ndarray:
    """Unit TF-IDF vectors of character n-grams: similarity by shared word pieces, in any script.

    The default embedding model is English-only; for other languages, questions sharing words group
    better this way than through the model (which maps most Arabic text to the same few tokens).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1).fit_transform(texts)
    return np.asarray(matrix.toarray(), dtype=np.float32)  # rows are L2-normalised by TfidfVectorizer


def min_cluster_size(n: int) -> int:
    """Smallest group worth a curriculum lead's attention: 5, growing slowly with the number of gaps."""
    return max(5, min(12, n // 120))


def group(vectors: np.ndarray) -> Grouping:
    """Cluster unit vectors with HDBSCAN; fewer texts than the minimum size gives no clusters at all.

    Settings chosen on the demo log, where each gap question's theme is known (benchmarks/clustering.py):
    excess-of-mass selection with these sizes gave the best agreement with the themes (adjusted Rand
    index) while keeping most clusters to one theme; finer settings split one theme into many cards.
    """
    from sklearn.cluster import HDBSCAN

    n = len(vectors)
    size = min_cluster_size(n)
    if n < size:
        return Grouping([-1] * n, [0.0] * n)
    # Euclidean distance between unit vectors orders pairs exactly as cosine similarity does.
    model = HDBSCAN(min_cluster_size=size, min_samples=max(3, size // 2), cluster_selection_method="eom",
                    metric="euclidean", copy=True)
    labels = model.fit_predict(vectors.astype(np.float64))
    typicality = np.zeros(n, dtype=np.float64)
    for label in set(labels.tolist()) - {-1}:
        members = labels == label
        centroid = vectors[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        typicality[members] = vectors[members] @ centroid
    return Grouping([int(x) for x in labels], [float(x) for x in typicality])


def representatives(texts: list[str], typicality: list[float], k: int = 3) -> list[str]:
    """The k most typical distinct texts of one cluster."""
    seen: set[str] = set()
    out: list[str] = []
    for _, text in sorted(zip(typicality, texts), key=lambda pair: -pair[0]):
        key = text.casefold().strip()
        if key not in seen:
            seen.add(key)
            out.append(text)
        if len(out) == k:
            break
    return out
