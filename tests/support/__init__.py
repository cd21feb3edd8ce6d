"""What tests share: the fake Bot API server, the running bot, waiting helpers, the pipeline client."""
