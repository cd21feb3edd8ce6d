"""Tests of retrieval/: the index, ranking and the gate."""
