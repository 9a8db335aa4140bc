"""Telegram through python-telegram-bot's Application.

Updates arrive on the gateway's webhook (``POST /channels/telegram/webhook``) or, for
local use without a public URL, by long polling; both feed the same handlers:

- /start and /menu greet and show the main menu, /help explains how to ask;
- text (also an edited message: the corrected question is answered) goes to the
  conversation service; buttons are inline keyboards whose callback data fits
  Telegram's 64 bytes (longer payloads are stored under a short key);
- photos, stickers, voice, location, files, ... get a polite "text only" reply and are
  logged by kind, never by content;
- an update id seen before (Telegram retries, several workers) is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from api.channels.delivery import SendFailed
from api.channels.outbox import TURN, OutboxWorker, send_or_queue
from api.channels.render import (
    TELEGRAM_CALLBACK_BYTES,
    TELEGRAM_TEXT_LIMIT,
    split_text,
)
from api.channels.store import ChannelStore
from api.conversation.replies import OutMessage, TurnResult
from api.conversation.service import ConversationService
from api.core.config import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
# What the commands send to the assistant (intents, as button payloads do).
COMMANDS = {"start": "/greet", "menu": "/greet", "help": "/help"}
# Commands of helper mode and of the notices, passed on as typed (others: the help).
GATEWAY_COMMANDS = frozenset(
    {"hotro", "xong", "huy", "lienket", "nhanthongbao", "huythongbao"}
)

# The message kinds answered with "text only, please" (Message attribute -> log name).
MEDIA_KINDS = (
    "photo",
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


@dataclass
class TelegramBridge:
    """Connects PTB handlers to the conversation service."""

    conversation: ConversationService
    store: ChannelStore
    settings: Settings
    # Replies refused for a while are queued there (None: they fail at once).
    outbox: OutboxWorker | None = None

    async def answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str
    ) -> None:
        """Handles ``text`` from the update's user and sends the reply."""
        await self._respond(
            update, context, lambda user: self.conversation.reply(CHANNEL, user, text)
        )

    async def unsupported(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str
    ) -> None:
        """Asks for text instead of a photo, sticker, ..."""
        await self._respond(
            update,
            context,
            lambda user: self.conversation.unsupported(CHANNEL, user, kind),
        )

    async def _respond(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        turn: Callable[[str], Awaitable[TurnResult | None]],
    ) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        pseudonym = self.conversation.pseudonym(CHANNEL, str(user.id))
        await asyncio.to_thread(
            self.store.touch_contact, CHANNEL, pseudonym, str(chat.id)
        )
        result = await turn(str(user.id))
        if result is not None:
            await self.deliver(context, chat.id, result)

    async def deliver(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, result: TurnResult
    ) -> None:
        """Sends every message of ``result``; what the platform refuses for a
        while goes to the outbox, and a turn whose reply cannot arrive is marked
        undelivered."""
        pieces = [p for m in result.messages for p in await self._pieces(m)]
        outcome = await self._send_or_queue(
            context.bot, chat_id, pieces, TURN, result.turn_id or None
        )
        if outcome.startswith("failed:"):
            await self.conversation.mark_undelivered(
                result.turn_id, f"telegram:{outcome.removeprefix('failed:')}"
            )

    async def push(
        self,
        bot: Bot,
        pseudonym: str,
        text: str | OutMessage,
        durable: tuple[str, int] | None = None,
    ) -> str:
        """Sends a message the citizen did not ask for just now (a team's reply, a
        one-tap question); returns "sent", "queued" (``durable``: (kind, ref) the
        outbox records the outcome on) or "failed:<reason>"."""
        contact = await asyncio.to_thread(self.store.contact, CHANNEL, pseudonym)
        if contact is None:
            return "failed:no_contact"
        message = text if isinstance(text, OutMessage) else OutMessage(text)
        kind, ref = durable or (None, None)
        return await self._send_or_queue(
            bot, int(contact.address), await self._pieces(message), kind, ref
        )

    async def _send_or_queue(
        self,
        bot: Bot,
        chat_id: int,
        pieces: list[dict[str, Any]],
        kind: str | None,
        ref: int | None,
    ) -> str:
        return await send_or_queue(
            lambda piece: send_piece(bot, chat_id, piece),
            pieces,
            channel=CHANNEL,
            address=str(chat_id),
            attempts=self.settings.send_attempts,
            backoff_seconds=self.settings.send_backoff_seconds,
            outbox=self.outbox,
            kind=kind,
            ref=ref,
        )

    async def _pieces(self, message: OutMessage) -> list[dict[str, Any]]:
        """``message`` as the texts Telegram takes (its limit), the keyboard
        under the last, in a form the outbox can store."""
        pieces = split_text(message.text, TELEGRAM_TEXT_LIMIT)
        keyboard = await self._keyboard(message)
        return [
            {
                "text": piece,
                "markup": keyboard.to_dict()
                if keyboard is not None and index == len(pieces) - 1
                else None,
            }
            for index, piece in enumerate(pieces)
        ]

    async def _keyboard(self, message: OutMessage) -> InlineKeyboardMarkup | None:
        if not message.buttons:
            return None
        rows = []
        for button in message.buttons:
            data = await asyncio.to_thread(
                self.store.callback_data, button.payload, TELEGRAM_CALLBACK_BYTES
            )
            rows.append([InlineKeyboardButton(button.title, callback_data=data)])
        return InlineKeyboardMarkup(rows)


def _seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (an int or a timedelta in PTB 22,
    depending on PTB_TIMEDELTA; read without the deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def push_text(
    application: Application,  # type: ignore[type-arg]
    pseudonym: str,
    text: str | OutMessage,
    durable: tuple[str, int] | None = None,
) -> str:
    """Sends ``text`` to a Telegram citizen through ``application``'s bridge."""
    bridge: TelegramBridge = application.bot_data["bridge"]
    return await bridge.push(application.bot, pseudonym, text, durable)


async def send_piece(bot: Bot, chat_id: int, piece: dict[str, Any]) -> None:
    """Sends one piece (:meth:`TelegramBridge._pieces`) once; raises SendFailed."""
    markup = (
        InlineKeyboardMarkup.de_json(piece["markup"], bot)
        if piece.get("markup")
        else None
    )
    try:
        await bot.send_message(chat_id=chat_id, text=piece["text"], reply_markup=markup)
    except BadRequest as exc:  # a NetworkError subclass, never transient
        raise SendFailed("BadRequest", transient=False) from exc
    except RetryAfter as exc:  # flood control: Telegram says how long to wait
        raise SendFailed(
            "RetryAfter", transient=True, retry_after=_seconds(exc)
        ) from exc
    except NetworkError as exc:  # incl. TimedOut
        raise SendFailed(type(exc).__name__, transient=True) from exc
    except TelegramError as exc:  # Forbidden: the citizen blocked the bot
        raise SendFailed(type(exc).__name__, transient=False) from exc


def telegram_sender(bot: Bot) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Sends one piece the outbox kept (to a chat id) through ``bot``, which is
    initialised on first use (the relay may start while Telegram is away)."""

    async def send(address: str, piece: dict[str, Any]) -> None:
        try:
            await bot.initialize()  # asks getMe once; then returns at once
        except InvalidToken as exc:
            raise SendFailed("InvalidToken", transient=False) from exc
        except TelegramError as exc:
            raise SendFailed(type(exc).__name__, transient=True) from exc
        await send_piece(bot, int(address), piece)

    return send


def _bridge(context: ContextTypes.DEFAULT_TYPE) -> TelegramBridge:
    bridge: TelegramBridge = context.application.bot_data["bridge"]
    return bridge


async def _drop_duplicates(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    if _bridge(context).settings.telegram_mode == "webhook":
        return  # the webhook's inbox has de-duplicated it (api.channels.inbox)
    first = await asyncio.to_thread(
        _bridge(context).store.first_delivery, CHANNEL, str(update.update_id)
    )
    if not first:
        logger.info("telegram update %s dropped: already received", update.update_id)
        raise ApplicationHandlerStop


async def _on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    if command in GATEWAY_COMMANDS:  # handled by the gateway itself, as typed
        text = " ".join(["/" + command, *message.text.split()[1:]])
    else:
        text = COMMANDS.get(command, "/help")
    await _bridge(context).answer(update, context, text)


async def _on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await _bridge(context).answer(update, context, message.text)


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError as exc:  # the spinner stays; the answer still goes out
        logger.warning("answerCallbackQuery failed: %s", type(exc).__name__)
    if query.data:
        bridge = _bridge(context)
        payload = await asyncio.to_thread(bridge.store.payload_of, query.data)
        await bridge.answer(update, context, payload)


async def _on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
    await _bridge(context).unsupported(update, context, kind)


# Personal details a Telegram update carries that the assistant never uses: not kept
# in the inbox, even sealed.
_UNUSED_PERSONAL = ("last_name", "username", "language_code")


def minimal_update(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without the names of its users and chats (``first_name`` is
    required by the schema: kept empty)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: strip(v) for k, v in value.items() if k not in _UNUSED_PERSONAL}
            if "first_name" in kept:
                kept["first_name"] = ""
            return kept
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    stripped: dict[str, Any] = strip(body)
    return stripped


def telegram_handler(
    application: Application,  # type: ignore[type-arg]
) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """Handles an update taken from the inbox, as PTB would have on arrival."""

    async def handle(body: dict[str, Any]) -> None:
        await application.process_update(Update.de_json(body, application.bot))

    return handle


def build_application(
    settings: Settings,
    conversation: ConversationService,
    store: ChannelStore,
    outbox: OutboxWorker | None = None,
) -> Application:  # type: ignore[type-arg]
    """The PTB Application with the gateway's handlers (not yet initialised)."""
    assert settings.telegram_token is not None
    base_url, base_file_url = _api_urls(settings)
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url)
        .base_file_url(base_file_url)
    )
    if settings.telegram_mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["bridge"] = TelegramBridge(
        conversation, store, settings, outbox
    )
    application.add_handler(TypeHandler(object, _drop_duplicates), group=-1)
    application.add_handler(CommandHandler(list(COMMANDS), _on_command))
    application.add_handler(MessageHandler(filters.COMMAND, _on_command))
    application.add_handler(CallbackQueryHandler(_on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _on_text))
    application.add_handler(
        MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, _on_other)
    )
    return application


def telegram_bot(settings: Settings) -> Bot:
    """A bot that only sends (the outbox relay's), not yet initialised."""
    assert settings.telegram_token is not None
    base_url, base_file_url = _api_urls(settings)
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=base_url,
        base_file_url=base_file_url,
    )


def _api_urls(settings: Settings) -> tuple[str, str]:
    """Bot API and file URLs (a local Bot API server or a test's fake can stand in)."""
    root = settings.telegram_api_url.rstrip("/")
    return root + "/bot", root + "/file/bot"
