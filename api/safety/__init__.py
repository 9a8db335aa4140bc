"""Citizen safety: scams recognised before anything else answers."""
