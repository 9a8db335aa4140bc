"""Answer accuracy checked by staff on a weekly random sample of answered turns."""
