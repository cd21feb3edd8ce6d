"""The bot: the only process that talks to Telegram, plus the local console chat."""
