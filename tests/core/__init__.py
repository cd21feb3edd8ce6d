"""Tests of core/: settings, the vocabulary and the layer contract."""
