"""Safar: answers migrants' pre-departure questions on Telegram."""
