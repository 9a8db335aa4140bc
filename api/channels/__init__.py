"""Messaging channels (Telegram, Zalo OA, web chat) in front of the conversation service."""
