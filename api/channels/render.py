"""Renders the channel-neutral reply (:class:`OutMessage`: text with its numbered steps
and source line, plus buttons) within each channel's limits."""

from __future__ import annotations

from api.conversation.replies import OutMessage

# Bot API sendMessage: 1-4096 characters after entity parsing.
TELEGRAM_TEXT_LIMIT = 4096
# Zalo OA text message: at most 2,000 characters (see TECH_NOTES / README).
ZALO_TEXT_LIMIT = 2000
# Bot API InlineKeyboardButton.callback_data: 1-64 bytes.
TELEGRAM_CALLBACK_BYTES = 64

MENU_INTRO = "Anh/Chị gõ số để chọn:"


def split_text(text: str, limit: int) -> list[str]:
    """Cuts ``text`` into pieces of at most ``limit`` characters, at a paragraph,
    line or word boundary when there is one, so numbered steps stay whole."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 3:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def numbered_menu(message: OutMessage) -> str:
    """The message text followed by its buttons as a numbered list, for channels
    without buttons (the list is not repeated when the text already numbers them)."""
    if not message.buttons:
        return message.text
    lines = [f"{n}. {b.title}" for n, b in enumerate(message.buttons, 1)]
    if all(line in message.text for line in lines):
        return message.text
    return message.text + "\n\n" + MENU_INTRO + "\n" + "\n".join(lines)


def menu_choice(text: str, menu: list[str] | None) -> str | None:
    """The payload of the option a citizen typed ("2", "2.", " 2 ") from ``menu``."""
    choice = text.strip().rstrip(".)")
    if not menu or not choice.isdigit():
        return None
    index = int(choice) - 1
    return menu[index] if 0 <= index < len(menu) else None
