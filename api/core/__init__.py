"""Settings, database and shared dependencies."""
