"""Rasa input channels used by the api/ gateway."""
