"""Staff analytics: figures from the query log, the unanswered inbox, report export."""
