"""`python -m bot`: the Telegram bot (started by `safar run` when a token is set)."""

from bot.app import main

main()
