"""What one of the gateway's own dialogues says: a text and its buttons.

Hand-off, helper mode, notices and the conversation seam all speak in steps. It is a
plain value with no dependencies, so it sits on the ground floor where every feature
package may use it without importing another.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """What the gateway says in one of its dialogues (buttons as (title, payload))."""

    text: str
    buttons: tuple[tuple[str, str], ...] = field(default=())
