"""Query log: one row per conversation turn, masked."""
