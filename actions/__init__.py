"""Rasa SDK custom actions: thin adapters between Rasa and the `bot` package."""
