"""Insights for curriculum teams: the anonymised question log and what it shows."""
