"""Retrieval's domain errors, importable without loading numpy, FAISS or the model."""

from __future__ import annotations


class IndexMissing(RuntimeError):
    """No (complete) index has been built yet."""


class IndexModelMismatch(RuntimeError):
    """The index was built with another embedding model than the one configured."""


class ContentInvalid(RuntimeError):
    """The collection has validation errors; the index is not built from it."""
