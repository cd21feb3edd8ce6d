"""Tests of privacy/: the anonymiser and Rasa's logs."""
