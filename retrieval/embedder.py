"""Sentence embeddings: a sentence-transformers model loaded once, from a local folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np


def model_id(model: str) -> str:
    """A stable identity for a model: folder name plus a hash of its config and weight sizes."""
    path = Path(model)
    if not path.is_dir():
        return model
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        if file.is_file():
            digest.update(str(file.relative_to(path)).encode())
            if file.suffix in {".json", ".txt"} and file.stat().st_size < 1_000_000:
                digest.update(file.read_bytes())
            else:
                digest.update(str(file.stat().st_size).encode())
    parent = path.parent.name if path.name == "model" else path.name
    return f"{parent}:{digest.hexdigest()[:12]}"


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(self, model: str) -> None:
        # Never reach for a model hub: the model is a local folder shipped in a package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a progress bar per model load is noise in service logs

        self.model_id = model_id(model)
        self._model = SentenceTransformer(model, device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts; returns an (n, dim) float32 array with unit rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
