"""Knowledge store: FAQ answers and the topic taxonomy, loaded from seeds/."""
