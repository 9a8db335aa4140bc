"""HTTP routes (thin: logic lives in the services)."""
