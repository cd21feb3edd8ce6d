"""Fuzz tests: hostile updates and inputs (fixed seeds in make test; `make fuzz` explores)."""
