"""FastAPI gateway: channels, privacy, query log, analytics, staff dashboard."""
