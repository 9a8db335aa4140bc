"""``python -m bot``: Rasa's command line, with TensorFlow deferred (bot/lean.py).

The Rasa servers of every profile start this way; training keeps ``python -m rasa``.
"""

from bot import lean


def main() -> None:
    lean.install()
    # Imported after install(): the deferral must be in place before Rasa's modules.
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
