"""The gateway's side dialogues, one module each; ``api/main.py`` puts them in order."""
