"""Conversations: the Rasa client and the channel-neutral turn handler."""
