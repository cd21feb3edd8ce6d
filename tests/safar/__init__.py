"""Tests of safar/: the command line, the supervisor and the run profiles."""
