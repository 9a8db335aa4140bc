"""Places of Vietnam after the 2025 reorganisation: 34 provinces, 3,321 communes."""
