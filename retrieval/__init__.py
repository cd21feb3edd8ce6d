"""Hybrid retrieval over the knowledge base: sentence-transformers + FAISS, BM25, fusion and a gate."""
