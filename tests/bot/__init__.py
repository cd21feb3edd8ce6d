"""Tests of bot/: units and resilience of the Telegram bot."""
