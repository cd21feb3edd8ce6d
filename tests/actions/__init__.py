"""Tests of actions/: the action server's custom actions."""
