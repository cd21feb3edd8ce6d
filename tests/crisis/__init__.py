"""Tests of crisis/: the labelled crisis sets."""
