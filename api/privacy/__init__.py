"""Personal-data protection: masking and pseudonymous ids."""
