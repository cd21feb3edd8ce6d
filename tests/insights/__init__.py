"""Tests of insights/: the question log and the gap report."""
