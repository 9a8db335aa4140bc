"""Masks personal data in citizens' messages before anything is stored or sent on.

Masked: e-mail addresses, Vietnamese phone numbers (0… / +84… / 84…), citizen ID
numbers (CCCD 12 digits, CMND 9 digits, with spaces or dots), bank card numbers,
bank account numbers, and one-time codes (OTP). Each becomes a bracketed placeholder,
e.g. "[SĐT]", which keeps the sentence understandable for the NLU model and for staff.
"""

from __future__ import annotations

import re

EMAIL = "[EMAIL]"
PHONE = "[SĐT]"
CITIZEN_ID = "[SỐ ĐỊNH DANH]"
CARD = "[SỐ THẺ]"
ACCOUNT = "[SỐ TÀI KHOẢN]"
OTP = "[MÃ OTP]"

_SEP = r"[ .\-]?"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 13-19 digit card numbers, usually written in groups of four.
_CARD_RE = re.compile(r"(?<!\d)(?:\d{4}[ .\-]?){3}\d{1,7}(?!\d)")
# 0xx xxx xxxx / +84 xx xxx xxxx / 84xxxxxxxxx: 10 digits with the leading 0.
_PHONE_RE = re.compile(
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
# CCCD: 12 digits (often 3-3-3-3 or 4-4-4), CMND: 9 digits (3-3-3).
_CITIZEN_ID_RE = re.compile(
    r"(?<!\d)(?:\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{3}|\d{4}[ .]?\d{4}[ .]?\d{4}|\d{3}[ .]?\d{3}[ .]?\d{3})(?!\d)"
)
# An account number after a cue word: "stk", "số tài khoản", "tài khoản", "tk".
_ACCOUNT_RE = re.compile(
    r"(?i)((?:s[ốo]\s*t[àa]i\s*kho[ảa]n|stk|t[àa]i\s*kho[ảa]n|tk)\s*(?:l[àa]|:)?\s*)(\d[\d .\-]{5,22}\d)"
)
# Codes of 4-8 digits after a cue word: "otp", "mã", "code", "passcode".
_OTP_RE = re.compile(
    r"(?i)((?:otp|m[ãa](?:\s*x[áa]c\s*(?:nh[ậa]n|th[ựu]c))?|code|passcode)\s*(?:l[àa]|:)?\s*)(\d{4,8})(?!\d)"
)
# Any other long digit run (9+ digits) is treated as an identifier.
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{9,}(?!\d)")


def mask(text: str) -> str:
    """Returns ``text`` with personal data replaced by placeholders."""
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _OTP_RE.sub(lambda m: m.group(1) + OTP, text)
    text = _ACCOUNT_RE.sub(lambda m: m.group(1) + ACCOUNT, text)
    text = _PHONE_RE.sub(PHONE, text)
    text = _CARD_RE.sub(CARD, text)
    text = _CITIZEN_ID_RE.sub(CITIZEN_ID, text)
    return _LONG_DIGITS_RE.sub(CITIZEN_ID, text)
