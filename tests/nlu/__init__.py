"""Tests of nlu/: the trained Rasa model."""
