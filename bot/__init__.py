"""Pause & Check: the plain-Python domain of the learning bot.

Nothing in this package imports Rasa: content loading, tutor and quiz logic, the progress store, the spaCy pipeline
builder and the command-line interface are usable and testable on their own.
"""
