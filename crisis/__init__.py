"""The crisis path's domain: one detector (phrase patterns and a trained reader), the location's contacts, the texts.

The bot runs it first on every message (before consent, Rasa, a trainer's ticket or the database);
the action server runs the same detector as the second line.
"""
