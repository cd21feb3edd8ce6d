"""Tests of handoff/: the trainers' queue."""
