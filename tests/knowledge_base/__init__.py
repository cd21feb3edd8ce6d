"""Tests of knowledge_base/: the content model, loading and validation."""
