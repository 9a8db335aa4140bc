"""Recognises a scam in progress, or one that just happened, in a citizen's message.

Rules, not the NLU model: a frightened person types one line, often without
diacritics, and the warning must come first whatever the FAQ classifier's confidence.
The rules read the message as the NLU reads it (folded, abbreviations expanded: "ko",
"mk", "tk" …), so every spelling is one. Each rule names a kind of scam, which the
query log keeps for the staff's figures.

A rule fires on what a third party asks of the citizen, or on what the citizen
already did for them — not on the topic: "mã OTP không về" or "quên passcode" are
ordinary questions, "nó bảo đọc mã OTP" is a scam.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.components.normalize import normalize_text

# Kinds of scam, in the order they are tried (the first that fires names it).
KINDS = (
    "already_lost",
    "identity_update",
    "safe_account",
    "code_request",
    "fake_bank",
    "prize_fee",
    "job_deposit",
    "loan_refund",
    "fake_link_app",
    "fake_authority",
)

# Each signal is a short pattern on the normalised words; no pattern spans more
# than a few words, so reading a message costs in proportion to its length. The
# kinds below combine signals found anywhere in the message.
# "họ" and "nó" are also how people speak of an app or an office ("nó đòi
# passcode"): they count as a stranger only when the message tells of a contact.
_PRONOUN = (
    r"ke|doi tuong|ho(?! (?:tro|ten|so|khau|chieu|gia|ngheo|kinh doanh|dan|tich))|"
    r"(?<!khoan )(?<!tra )(?<!vay )no"
)
_SUSPECT = (
    r"co nguoi|ai do|nguoi ta|nguoi la|so la (?:goi|nhan|gui|ket|bao|xin)|"
    r"(?:tu|mot|cua) so (?:dien thoai )?la|ben kia|ben do|"
    r"con kia|ong ay|ba ay|anh ay|chi ay|tu xung|xung la|gia danh|"
    r"mao danh|nguoi xung|truong nhom|nhom truong|leader|nguoi huong dan"
)
_OFFICIAL = (
    r"can bo|cong an|canh sat|nhan vien|tong dai|tong dai vien|ngan hang|shipper|"
    r"buu dien|buu ta|dien luc|evn|toa an|vien kiem sat|thue|cuc thue|chi cuc thue|"
    r"nha mang|nha truong|giao vien|co giao|thay giao|to cong nghe|bao hiem xa hoi|"
    r"can bo (?:xa|phuong|ubnd)|uy ban"
)
_SECRET = (
    r"ma(?: so)?(?: otp| xac nhan| xac thuc| kich hoat| pin)?|otp|passcode|mat khau|"
    r"mat ma|ma pin|so the|cvv|so can cuoc|so tai khoan|ma vua nhan"
)
SIGNALS: dict[str, str] = {
    "suspect": rf"\b(?:{_SUSPECT})\b",
    "pronoun": rf"\b(?:{_PRONOUN})\b",
    # "họ bảo bấm link", "nó bắt chuyển tiền": a pronoun that gives orders
    "pronoun_demand": (
        rf"\b(?:{_PRONOUN}) (?:bao|bat|yeu cau|huong dan|keu|doi|xin|noi|nhan|gui)\b"
    ),
    "official": rf"\b(?:{_OFFICIAL})\b",
    # "gọi" is also "gói" (a package) once folded: a call needs its caller or its
    # callee next to it.
    "contact": (
        r"\b(?:cuoc goi|goi dien|goi (?:cho|toi|den|lai|ve|em|minh|me|bo|bac|ong|ba|"
        r"anh|chi|co|chu|nguoi)|(?:nguoi|ai|ho|no|ke|so|ben|an|bo|vien|hang|luc|xa|"
        r"phuong) goi|nhan tin|nhan rieng|inbox|tin nhan(?! (?:otp|ma|xac|kich))|sms(?! otp)|zalo|facebook|fb|messenger|mess|telegram|"
        r"ket ban|video call|call|so la (?:goi|nhan|gui)|(?:tu|mot) so la|nguoi la|"
        r"tu xung|xung la|gia danh|mao danh|(?:den|toi) tan nha|(?:gui|kem|nhan duoc|nhan)(?: \S+){0,2} "
        r"(?:link|duong link|duong dan))\b"
    ),
    "demand": (r"\b(?:yeu cau|bat|bao|doi|xin|hoi|keu|huong dan|nho|de nghi|noi)\b"),
    "secret": rf"\b(?:{_SECRET})\b",
    # handing a code over: "đọc mã OTP", "đưa cho nó mã", "cung cấp mật khẩu"
    "give_secret": (
        rf"\b(?:doc|dua|cung cap|noi|bao|nhan tin|chup)(?: lai)?(?: cho)?"
        rf"(?: (?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL}|minh|em|toi))? (?:{_SECRET})\b|"
        r"\b(?:bao|bat|nho|xin|doi|keu)(?: \S+){0,2} gui(?: \S+){0,2} ma "
        r"(?:vua|otp|xac|kich)"
    ),
    # a third party asking for a code: "nó xin mã otp", "người ta hỏi mật khẩu"
    "ask_secret": (
        rf"\b(?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL})(?: \S+){{0,3}} (?:xin|doi|hoi|bat|keu|yeu cau|"
        rf"can|muon|lay)(?: (?!nhap\b)\S+){{0,3}} (?:{_SECRET})\b"
    ),
    "photo": (
        r"\b(?:anh|hinh|chup|quay video|quay)(?: \S+){0,2} (?:can cuoc|the|cccd|"
        r"can cuoc cong dan|chung minh|chung minh nhan dan|mat|chan dung|khuon mat)\b"
    ),
    "ask_photo": (
        rf"\b(?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL})(?: \S+){{0,3}} (?:xin|doi|bat|keu|yeu cau|"
        r"can|muon|bao)(?: \S+){0,3} (?:gui|chup|quay)(?: \S+){0,2} (?:anh|hinh|video|"
        r"can cuoc|the|khuon mat|mat)\b"
    ),
    "money": (
        r"\b(?:chuyen khoan|nop tien|dong tien|nap tien|gui tien|ung tien|thu tien|"
        r"dat coc|coc|chuyen(?: \S+){0,2} (?:tien|trieu)|phi|le phi|tien phi)\b"
    ),
    "install": (
        r"\b(?:(?:cai|tai|cai dat)(?: \S+){0,2} (?:ung dung|phan mem|file|apk|vneid)|"
        r"gui(?: \S+){0,2} (?:link|duong link|duong dan)|"
        r"(?:bam|nhan|click|an|vao|mo)(?: vao)? (?:link|duong link|duong dan|lien ket)|"
        r"quet(?: ma)? qr|apk|truy cap (?:link|duong dan|trang))\b"
    ),
    "update": (
        r"\b(?:cap nhat|dong bo|tich hop|nang cap|xac thuc|chuan hoa|kich hoat lai|"
        r"xac minh)(?: \S+){0,3} (?:dinh danh|vneid|can cuoc|can cuoc cong dan|"
        r"thong tin|tai khoan|sinh trac|du lieu|so dien thoai|sim|the|"
        r"bao hiem y te)\b"
    ),
    "level34": r"\b(?:muc|cap) (?:ba|bon|3|4)\b",
    "safe_account": (r"\b(?:tai khoan (?:an toan|tam giu|dam bao|tam)|phong toa)\b"),
    "investigation": (
        r"\b(?:rua tien|ma tuy|duong day(?! nong)|vu an|lien quan(?: \S+){0,2} (?:vu|an|toi pham)|"
        r"dieu tra|truy na|lenh bat|bi bat|khoi to)\b"
    ),
    "check_money": r"\b(?:chung minh|kiem tra|xac minh) (?:nguon )?(?:goc )?tien\b",
    "lost": (
        r"\b(?:lo|trot|vua|da|roi)(?: \S+){0,2} (?:chuyen|doc|dua|cung cap|bam|cai|"
        r"chup|gui|nhap|quet)\b"
    ),
    "lost_object": (rf"\b(?:tien|trieu|link|ung dung|app|anh|{_SECRET})\b"),
    "scammed": (
        r"\b(?:(?<!khoi )(?<!tranh )(?<!khong )bi lua|(?:rut|tru|bay) (?:het|sach)|"
        r"mat (?:het|sach) (?:tien|\S+ trieu)|lua (?:mat|het)|"
        r"(?:tai khoan|the)(?: \S+){0,4} (?:mat|rut|tru|bay) (?:het|sach)|"
        r"bi (?:hack|chiem|danh cap|lay mat)(?: \S+){0,2} (?:tai khoan|zalo|facebook|"
        r"fb|vneid))\b"
    ),
    "bank": (
        r"\b(?:ngan hang|vietcombank|vcb|agribank|bidv|vietinbank|techcombank|acb|"
        r"tpbank|sacombank|mbbank)\b"
    ),
    "bank_ask": r"\b(?:nang (?:cap|hang) the|mo khoa the|han muc|khoa the|the bi khoa)\b",
    "prize": (
        r"\b(?:trung thuong|trung giai|trung xe|trung oto|trung iphone|trung qua|"
        r"qua tang|qua tri an|tri an khach hang|nhan qua|phan thuong|qua tet|(?:nhan|duoc) (?:tien|qua|thuong)|"
        r"nap(?: \S+){0,3} (?:duoc )?tang)\b"
    ),
    "job": (
        r"\b(?:viec nhe|lam nhiem vu|nhiem vu|cong tac vien|ctv|like|tha tim|"
        r"chot don|don hang ao|xem video kiem tien|hoa hong|kiem tien online|lam bu|"
        r"thao tac sai)\b"
    ),
    # "vay" is also "vậy" once folded
    "loan": (
        r"\b(?:khoan vay|giai ngan|vay tien|vay von|cho vay|app vay|vay online|vay tam|"
        r"vay \S+ trieu)\b"
    ),
    "wrong_transfer": r"\bchuyen nham\b",
    "summons": (r"\b(?:trieu tap|giay trieu tap|bat giam|lenh bat|khoi to|giay moi)\b"),
    "impersonation": r"\b(?:tu xung|xung la|gia danh|mao danh|gia lam|nguoi xung|goi xung)\b",
    "fake_page": (
        r"\b(?:(?:trang|web|website)(?: \S+){0,2} (?:gia|giong)|giong (?:trang|web)|"
        r"(?:trang|web|link|duong dan)(?: \S+){0,4} (?:bat|doi|yeu cau) (?:dang nhap|nhap|"
        r"dien|tai|cai)(?: \S+){0,2} (?:thong tin|mat khau|ma|otp|so the|file|apk|"
        r"ung dung)|binh chon|khao sat nhan qua)\b"
    ),
    "self_action": r"\b(?:toi|em|minh|con toi|chau)(?: \S+){0,2} tu\b|^tu\b",
    "lost_strong": (
        r"\b(?:lo|trot)(?: \S+){0,2} (?:chuyen|doc|dua|cung cap|bam|cai|chup|gui|"
        r"nhap|quet)(?: \S+){0,3} (?:tien|trieu|ma|otp|link|duong link|mat khau|"
        r"passcode|anh|file|apk|qr|cho|(?:ung dung|app) (?:la|ho|no|do|ma))\b"
    ),
    "refund": (
        r"\b(?:lay lai|thu hoi|hoan lai|hoan|doi lai)(?: \S+){0,2} (?:tien|so tien)\b"
    ),
    "fake_app": (
        r"\b(?:vneid|dich vu cong|dinh danh)(?: \S+){0,2} (?:gia mao|(?<!quoc )gia|"
        r"ban moi)\b(?! (?:va|hay|voi) )"
    ),
    "family": (
        r"\b(?:con (?:toi|gai|trai|em|minh)|chau (?:toi|noi|ngoai)|vo toi|chong toi|"
        r"me toi|bo toi|con chau)\b"
    ),
    "telling_apart": r"\b(?:khac nhau|phan biet|nhan biet|that hay gia|that gia)\b",
}
_COMPILED = {name: re.compile(p) for name, p in SIGNALS.items()}


def _kind(s: dict[str, bool]) -> str | None:
    """The kind of scam the signals describe (None: an ordinary message)."""
    contacted = (
        s["suspect"]
        or s["pronoun_demand"]
        or ((s["official"] or s["pronoun"]) and s["contact"])
    )
    asked = s["give_secret"] or s["ask_secret"] or s["ask_photo"]
    harm = contacted or s["contact"] or s["fake_page"]
    if s["scammed"] or s["lost_strong"] or (s["lost"] and s["lost_object"] and harm):
        return "already_lost"
    if (
        s["level34"]
        or s["fake_app"]
        or (s["update"] and (s["contact"] or s["suspect"]))
    ):
        return "identity_update"
    if (
        s["safe_account"]
        or s["check_money"]
        or (s["investigation"] and (s["money"] or contacted))
    ):
        return "safe_account"
    if s["impersonation"] or (s["summons"] and s["contact"]):
        return "fake_authority"
    if (s["self_action"] or s["telling_apart"]) and not contacted:
        return None  # the citizen does it themselves, or asks how to tell
    if s["family"] and not (s["suspect"] or s["official"]):
        return None  # a relative helping
    if (asked and (s["contact"] or s["official"] or s["give_secret"])) or (
        contacted and s["contact"] and s["secret"] and s["demand"]
    ):
        return "code_request"
    if (
        s["bank"]
        and s["contact"]
        and (s["install"] or s["secret"] or s["bank_ask"] or s["update"])
    ):
        return "fake_bank"
    if s["prize"] and (s["money"] or s["install"] or s["contact"] or s["fake_page"]):
        return "prize_fee"
    if s["job"] and (s["money"] or contacted):
        return "job_deposit"
    if (
        (s["loan"] and s["money"])
        or (s["refund"] and (contacted or s["install"]))
        or (s["wrong_transfer"] and (contacted or s["contact"]))
    ):
        return "loan_refund"
    if s["fake_page"] or (s["install"] and (contacted or s["contact"])):
        return "fake_link_app"
    if contacted and s["contact"] and (s["money"] or s["photo"] or s["secret"]):
        return "fake_authority"
    return None


# What an ordinary question about the same things looks like: how to recognise,
# avoid or report scams in general.
_ORDINARY = re.compile(
    r"^(?:(?:cho (?:\S+ )?hoi )?(?:lam (?:sao|the nao)|cach)(?: de)? (?:nhan biet|"
    r"phan biet|phong tranh|phong|bao ve|tranh|to giac|bao cao)|(?:nhung )?dau hieu)"
)
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Alert:
    """A recognised scam and its kind (kept in the query log for staff figures)."""

    kind: str


def normalized(text: str) -> str:
    """The message as the rules read it: the NLU's own normalisation."""
    return normalize_text(_PUNCTUATION.sub(" ", text))


def detect(text: str) -> Alert | None:
    """The scam ``text`` describes, or None for an ordinary message."""
    words = normalized(text)
    if not words or _ORDINARY.search(words):
        return None
    signals = {name: bool(p.search(words)) for name, p in _COMPILED.items()}
    kind = _kind(signals)
    return Alert(kind) if kind else None
