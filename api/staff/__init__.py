"""Staff accounts, authentication and the staff dashboard API."""
