"""What the assistant remembers of a citizen (their commune) and the place question."""
