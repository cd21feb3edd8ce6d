"""Curated destination-country content: the Markdown collection and the tools that keep it healthy."""
