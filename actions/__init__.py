"""rasa-sdk action server: answers from the knowledge store.

Modules here are import-pure: rasa-sdk imports every submodule at start-up, so settings
and database engines are created lazily, on first use.
"""
