"""End-to-end journeys: the real bot, the fake Bot API and the real Rasa pipeline."""
