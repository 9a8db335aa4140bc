"""Masks personal data in citizens' messages before anything is stored or sent on.

Masked: e-mail addresses; Vietnamese mobile and landline numbers (0… / +84… / 84…,
with spaces, dots or brackets); citizen ID numbers (CCCD 12 digits, CMND 9 digits);
bank card and account numbers; one-time codes (OTP), passcodes, PINs and passwords
after a cue word; dates of birth after a cue word; licence plates. Each becomes a
bracketed placeholder, e.g. "[SĐT]", which keeps the sentence understandable for the
NLU model and for staff. Names and freely typed addresses are not masked.

Cue words are matched on a folded copy of the text (lower case, no diacritics, one
character for one character), so "mật khẩu", "mat khau" and "MẬT KHẨU" are one cue
and every span found there is a span of the original text.

Every pattern runs in linear time: matches may start only at a boundary, and every
repetition is bounded, so a long message costs in proportion to its length
(``make security`` replays 1 MB inputs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

EMAIL = "[EMAIL]"
PHONE = "[SĐT]"
CITIZEN_ID = "[SỐ ĐỊNH DANH]"
CARD = "[SỐ THẺ]"
ACCOUNT = "[SỐ TÀI KHOẢN]"
OTP = "[MÃ OTP]"
PASSWORD = "[MẬT KHẨU]"
BIRTH_DATE = "[NGÀY SINH]"
PLATE = "[BIỂN SỐ]"

# Words that may stand between a cue and its secret: "OTP của tôi 739164",
# "mã xác thực gửi về là 4821".
_FILLER = r"(?:[^\W\d]{1,12}\s{1,3}){0,4}?"
_IS = r"(?:(?:la|bang|moi|cu)\b\s{0,3})?[:=]?\s{0,3}"

_EMAIL_RE = re.compile(
    r"(?<![\w.+\-])[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}"
)
# A password, passcode or PIN: the token after the cue when it has a digit or a
# symbol ("mk: hoa12345", "mật khẩu của tôi là Abc@12345"), or any token after an
# explicit ":" / "=" ("password: hoamai").
_PASSWORD_CUE = (
    r"(?<![\w])(?P<cue>mat\s{1,3}khau|mat\s{1,3}ma|mk|pass(?:word|code)?|pwd|pw|ma\s{1,3}pin)"
    r"(?:\s{1,3}(?:moi|cu|cua|toi|em|minh|tao|anh|chi|con|bac|co|chu|ong|ba|vneid|app|ung\s{1,3}dung|dang\s{1,3}nhap)\b){0,4}"
)
_PASSWORD_RE = re.compile(
    _PASSWORD_CUE
    + r"\s{0,3}(?P<is>(?:la|bang)\b\s{0,3})?(?P<sep>[:=])?\s{0,3}(?P<secret>[^\s,;]{1,64})"
)
# One-time codes of 4-8 digits after a cue, also spaced ("58 20 41").
_CODE_CUE = r"(?<![\w])(?:otp|code|ma\s{1,3}(?:otp|xac\s{1,3}(?:nhan|thuc)|kich\s{1,3}hoat|so\s{1,3}otp))\b"
_CODE_RE = re.compile(
    _CODE_CUE
    + r"\s{0,3}"
    + _FILLER
    + _IS
    + r"(?P<secret>\d{2,8}(?:[ .\-]\d{2,4}){0,3})(?![ .\-]?\d)(?![^\W\d])"
)
# A bare "mã" is a cue only right before its code: "mã 4821", "mã là 4821".
_BARE_CODE_RE = re.compile(
    r"(?<![\w])ma\b\s{0,3}"
    + _IS
    + r"(?P<secret>\d{2,8}(?:[ .\-]\d{2,4}){0,3})(?![ .\-]?\d)(?![^\W\d])"
)
# An account number after a cue ("stk", "số tài khoản", "tk vcb 27846913").
_ACCOUNT_RE = re.compile(
    r"(?<![\w])(?:so\s{1,3}tai\s{1,3}khoan|so\s{1,3}tk|stk|tai\s{1,3}khoan|tk)\b\s{0,3}"
    r"(?:[^\W\d]{1,15}\s{1,3}){0,2}?" + _IS + r"(?P<secret>\d[\d .\-]{4,22}\d)(?!\d)"
)
# A date of birth after a cue: "sinh ngày 15/08/1985", "ngày sinh: 1-8-85".
_BIRTH_RE = re.compile(
    r"(?<![\w])(?:ngay\s{1,3}sinh|sinh\s{1,3}ngay|sinh\s{1,3}nam|nam\s{1,3}sinh|ns|dob)\b"
    r"(?:\s{1,3}(?:cua|toi|em|minh|con|la)\b){0,3}\s{0,3}[:=]?\s{0,3}"
    r"(?P<secret>\d{1,2}\s{0,2}[/.\-]\s{0,2}\d{1,2}\s{0,2}[/.\-]\s{0,2}\d{2,4}"
    r"|\d{1,2}\s{1,3}thang\s{1,3}\d{1,2}\s{1,3}nam\s{1,3}\d{4}|(?:19|20)\d{2})(?!\d)"
)
# Mobiles: 0xx xxx xxxx / +84 xx xxx xxxx / 84xxxxxxxxx (10 digits with the 0).
_SEP = r"[ .\-]?"
_MOBILE_RE = re.compile(
    r"(?<![\d+])(?:\+84|84|0)"
    + _SEP
    + r"[35789]\d"
    + _SEP
    + r"\d{3}"
    + _SEP
    + r"\d{4}(?!\d)"
    r"|(?<![\d+])(?:\+84|84|0)"
    + _SEP
    + r"[35789]\d{2}"
    + _SEP
    + r"\d{3}"
    + _SEP
    + r"\d{3}(?!\d)"
)
# Landlines since 2017: 02x / 02xx area code, 11 digits with the 0:
# "024 3825 1234", "(028) 3829 5678", "0236.3822.111".
_LANDLINE_RE = re.compile(
    r"(?<![\d+])\(?(?:\+84|84|0)\s?(?P<area>2\d{1,2})\)?[ .\-]?\d{3,4}[ .\-]?\d{3,4}(?!\d)"
)
# Licence plates: "30A-123.45", "29H1-567.89", "51f 12345", "59-X1 123.45".
_PLATE_RE = re.compile(
    r"(?<![\w.,/])\d{2}\s?-?\s?[a-z]{1,2}\d?\s?[\-. ]?\s?\d{3}\.?\d{1,2}(?![\w])"
)
# Money written with thousands separators is not an identifier: "150.000.000 đồng",
# "phí 1,200,000" (kept as typed).
_AMOUNT_RE = re.compile(
    r"(?<![\d.,])\d{1,3}(?:[.,]\d{3}){1,4}(?=\s?(?:d|dong|vnd|trieu|ty|nghin|ngan|k)\b)"
    r"|(?<![\w])(?:phi|gia|tien|nop|chuyen|mat|lua|tra)\b\s{0,3}(?:[^\W\d]{1,10}\s{1,3}){0,2}?"
    r"(?P<amount>\d{1,3}(?:[.,]\d{3}){1,4})(?![\d.,]\d)"
)
# 13-19 digit card numbers, usually written in groups of four.
_CARD_RE = re.compile(
    r"(?<!\d)\d{4}(?:[ .\-]?\d{4}){2}[ .\-]?\d{1,4}(?:[ .\-]?\d{1,3})?(?!\d)"
)
# CCCD: 12 digits (often 3-3-3-3 or 4-4-4), CMND: 9 digits (3-3-3).
_CITIZEN_ID_RE = re.compile(
    r"(?<!\d)(?:\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{3}|\d{4}[ .]?\d{4}[ .]?\d{4}|\d{3}[ .]?\d{3}[ .]?\d{3})(?!\d)"
)
# Any other long digit run (9+ digits) is treated as an identifier.
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{9,}(?!\d)")

_SYMBOL = re.compile(r"[\d!@#$%^&*()_+\-=\[\]{}|\\/<>~`'\".?]")
# Words a question puts after "mật khẩu là …": never a password.
_NOT_SECRET = frozenset(
    [
        "gi",
        "sao",
        "bao",
        "the",
        "nhu",
        "may",
        "dung",
        "sai",
        "gom",
        "co",
        "khong",
        "ko",
        "k",
        "j",
        "nao",
        "ai",
        "dau",
    ]
)
# Cues that are also everyday words in chat ("mk" is "mình" in teencode): their
# secret counts only after "là", ":" or "=".
_WEAK_CUES = frozenset({"mk", "pw", "pass"})

# A span whose placeholder is None is kept as typed (and no other rule may take it).
Span = tuple[int, int, str | None]
Rule = Callable[[str, str], list[Span]]


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _whole(pattern: re.Pattern[str], placeholder: str) -> Rule:
    def find(text: str, folded: str) -> list[Span]:
        return [(m.start(), m.end(), placeholder) for m in pattern.finditer(folded)]

    return find


def _secret(pattern: re.Pattern[str], placeholder: str) -> Rule:
    def find(text: str, folded: str) -> list[Span]:
        return [
            (m.start("secret"), m.end("secret"), placeholder)
            for m in pattern.finditer(folded)
        ]

    return find


def _passwords(text: str, folded: str) -> list[Span]:
    spans: list[Span] = []
    for m in _PASSWORD_RE.finditer(folded):
        secret = m.group("secret").rstrip(".?!)")
        explicit = m.group("sep") is not None or m.group("is") is not None
        cue = m.group("cue").split()[0]
        if len(secret) < 4 or secret in _NOT_SECRET:
            continue
        if cue in _WEAK_CUES and not explicit:
            continue
        if _SYMBOL.search(secret) or m.group("sep") is not None:
            start = m.start("secret")
            spans.append((start, start + len(secret), PASSWORD))
    return spans


def _codes(text: str, folded: str) -> list[Span]:
    spans: list[Span] = []
    for pattern in (_CODE_RE, _BARE_CODE_RE):
        for m in pattern.finditer(folded):
            if not 4 <= _digits(m.group("secret")) <= 8:
                continue
            # "mà 2024", "má 1234": only "mã" (or "ma" typed without marks) is a cue.
            if (
                pattern is _BARE_CODE_RE
                and text[m.start()].lower() == "m"
                and (text[m.start() + 1] not in "ãÃaA")
            ):
                continue
            spans.append((m.start("secret"), m.end("secret"), OTP))
    return spans


def _amounts(text: str, folded: str) -> list[Span]:
    return [
        (m.start("amount"), m.end("amount"), None)
        if m.group("amount")
        else (m.start(), m.end(), None)
        for m in _AMOUNT_RE.finditer(folded)
    ]


def _landlines(text: str, folded: str) -> list[Span]:
    spans: list[Span] = []
    for m in _LANDLINE_RE.finditer(folded):
        digits = _digits(m.group(0))
        if m.group(0).lstrip("(").startswith(("+84", "84")):
            digits -= 1  # 84 stands for the leading 0
        if digits == 11:
            spans.append((m.start(), m.end(), PHONE))
    return spans


# In priority order: a span that overlaps one found earlier is dropped.
_RULES: tuple[Rule, ...] = (
    _whole(_EMAIL_RE, EMAIL),
    _passwords,
    _codes,
    _secret(_ACCOUNT_RE, ACCOUNT),
    _secret(_BIRTH_RE, BIRTH_DATE),
    _whole(_MOBILE_RE, PHONE),
    _landlines,
    _amounts,
    _whole(_CARD_RE, CARD),
    _whole(_PLATE_RE, PLATE),
    _whole(_CITIZEN_ID_RE, CITIZEN_ID),
    _whole(_LONG_DIGITS_RE, CITIZEN_ID),
)


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if len(base) == 1 and base != char:
            table[code] = base
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case without diacritics, one character for each character of ``text``
    (so a span of the folded text is the same span of ``text``)."""
    return text.translate(_FOLD)


def mask(text: str) -> str:
    """Returns ``text`` with personal data replaced by placeholders."""
    folded = fold(text)
    taken: list[Span] = []
    used = bytearray(len(text))
    for rule in _RULES:
        for start, end, placeholder in rule(text, folded):
            if start < end and not any(used[start:end]):
                taken.append((start, end, placeholder))
                used[start:end] = b"\x01" * (end - start)
    if not taken:
        return text
    out: list[str] = []
    position = 0
    for start, end, placeholder in sorted(taken):
        out.append(text[position:start])
        out.append(text[start:end] if placeholder is None else placeholder)
        position = end
    out.append(text[position:])
    return "".join(out)


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space when one is near, so
    that masking what is kept never sees half of a number."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ", max(0, limit - 200))
    return head[:space] if space > 0 else head[: max(0, limit - 64)]
