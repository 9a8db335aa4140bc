"""What a citizen's message becomes before anything reads it: storable, NFC,
trimmed, within the length limit, and never one of Rasa's own commands."""

from __future__ import annotations

import re
import unicodedata

from api.privacy.masking import cut


class InvalidMessage(ValueError):
    """The message cannot be handled (empty or too long)."""


# Lone surrogates cannot be stored (UTF-8) and NUL cannot be stored in PostgreSQL;
# other control characters are noise. Each becomes U+FFFD, so the turn is kept.
_UNSTORABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that show nothing: a message of only these is empty.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad]+")
# Rasa's own commands a citizen can type ("/restart", "/session_start"); the
# buttons' payloads ("/choose{...}", "/affirm") go through.
_COMMAND = re.compile(
    r"^/(?:restart|session_start|action_\w*|external\w*|back)\b", re.I
)


def clean(text: str, max_chars: int) -> tuple[str, bool]:
    """The storable, NFC, trimmed text, cut first so that a huge message costs no
    more than the limit (the cut is at a space, never inside a number), and
    whether it was over ``max_chars``."""
    head = text[: max_chars * 2 + 256]
    head = _UNSTORABLE.sub("\ufffd", unicodedata.normalize("NFC", head)).strip()
    if not _INVISIBLE.sub("", head):
        return "", False
    too_long = len(head) > max_chars or len(text) > len(head) + max_chars
    return (cut(head, max_chars) if too_long else head), too_long


def normalize_input(text: str, max_chars: int) -> str:
    """NFC, trimmed, storable; raises InvalidMessage when empty or longer than
    ``max_chars``."""
    cleaned, too_long = clean(text, max_chars)
    if not cleaned:
        raise InvalidMessage("empty")
    if too_long:
        raise InvalidMessage("too_long")
    return _COMMAND.sub(lambda m: m.group(0)[1:], cleaned)
