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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from api.safety.model import ScamModel, examples_dir, load_model
from textnorm import normalize_text

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
    r"(?<!khoan )(?<!tra )(?<!vay )no(?! (?:luong|tien|em|toi|minh|anh|chi|bac|nan|xau|dong))"
)
_SUSPECT = (
    r"(?<!khong )co nguoi|ai do|nguoi ta|nguoi la|so la (?:goi|nhan|gui|ket|bao|xin)|"
    r"(?:tu|mot|cua|co) so (?:dien thoai )?la|ben kia|ben do|"
    r"con kia|ong ay|ba ay|anh ay|chi ay|tu xung|xung la|gia danh|"
    r"mao danh|nguoi xung|truong nhom|nhom truong|leader|nguoi huong dan"
)
_OFFICIAL = (
    r"can bo|cong an|canh sat|nhan vien|tong dai|tong dai vien|ngan hang|shipper|"
    r"buu dien|buu ta|dien luc|evn|toa an|vien kiem sat|thue|cuc thue|chi cuc thue|"
    r"nha mang|nha truong|giao vien|co giao|thay giao|to cong nghe|bao hiem xa hoi|"
    r"can bo (?:xa|phuong|ubnd)|uy ban"
)
# A code, a password or a number that opens an account. "mã" alone is a code only
# right after a verb that hands it over ("đọc mã"): folded, it is also "mà" (but).
_SECRET = (
    r"ma (?:so|otp|xac nhan|xac thuc|xac minh|kich hoat|pin|vua nhan|dang nhap)|otp|passcode|"
    r"mat khau|mat ma|so the|cvv|so can cuoc|so tai khoan"
)
_HANDED = (
    r"ma(?! (?:qr|ho so|so thue|buu chinh|dinh danh|vach|tinh|giam gia|khuyen mai|the|"
    r"don))|" + _SECRET
)
SIGNALS: dict[str, str] = {
    "suspect": rf"\b(?:{_SUSPECT})\b",
    "pronoun": rf"\b(?:{_PRONOUN})\b",
    # "họ bảo bấm link", "nó bắt chuyển tiền": a pronoun that gives orders
    "pronoun_demand": (
        rf"\b(?:{_PRONOUN})(?: cu| lai| con| van| da)? (?:bao|bat|yeu cau|huong dan|keu|"
        r"doi|xin|noi|nhan|gui)\b"
    ),
    "official": rf"\b(?:{_OFFICIAL})\b",
    # "gọi" is also "gói" (a package) once folded: a call needs its caller or its
    # callee next to it.
    "contact": (
        r"\b(?:cuoc goi|goi dien|goi (?:cho|toi|den|lai|ve|em|minh|me|bo|bac|ong|ba|"
        r"anh|chi|co|chu|nguoi)|(?:nguoi|ai|ho|no|ke|so|ben|an|bo|vien|hang|luc|xa|"
        r"phuong) goi|goi (?:noi|bao|xung|yeu cau)|nhan tin|nhan rieng|inbox|"
        r"(?<!otp )(?<!ma )tin nhan(?! (?:otp|ma|xac|kich))|sms(?! otp)|brandname|"
        r"(?:qua|tren|tu|nick|trang|nhom) (?:zalo|facebook|fb|tiktok|viber|messenger)|"
        r"(?:zalo|facebook|fb|viber|messenger|tiktok) (?:nhan|goi|ket ban|gui)|quang cao|facebook|fb|messenger|mess|telegram|"
        r"ket ban|video call|call|so la (?:goi|nhan|gui)|(?:tu|mot) so la|nguoi la|"
        r"tu xung|xung la|gia danh|mao danh|(?:den|toi) tan nha|(?:ho|no|nguoi ta) gui(?: \S+)? (?:link|duong link|app|"
        r"ung dung|file|ma qr|anh|tin)|(?:app|ung dung|link|file) (?:do |ma )?(?:ho|no|"
        r"nguoi ta|nguoi la) gui|(?:gui|kem|nhan duoc|nhan)(?: \S+){0,2} "
        r"(?:link|duong link|duong dan))\b"
    ),
    # ("đổi" and "đòi" fold alike: "đòi" counts only next to what is asked for)
    "demand": (r"\b(?:yeu cau|bat|bao|xin|hoi|keu|huong dan|nho|de nghi|noi)\b"),
    "secret": rf"\b(?:{_SECRET})\b",
    # handing a code over: "đọc mã OTP", "đưa cho nó mã", "cung cấp mật khẩu"
    "give_secret": (
        rf"\b(?:doc|dua|cung cap|nhan tin|chup)(?: lai)?(?: cho)?"
        rf"(?: (?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL}|minh|em|toi))? (?:{_HANDED})\b|"
        rf"\b(?:noi|bao)(?: lai)? cho (?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL}) (?:{_SECRET})\b|"
        r"\b(?:doc|gui|dua|cung cap)(?: \S+){0,2} (?:day so|so vua nhan|ma vua nhan)\b|"
        r"\b(?:bao|bat|nho|xin|doi|keu|nhan)(?: \S+){0,2} gui(?: \S+){0,2} ma "
        r"(?:vua|otp|xac|kich)"
    ),
    # a third party asking for a code: "nó xin mã otp", "người ta hỏi mật khẩu"
    "ask_secret": (
        rf"\b(?:{_SUSPECT}|{_PRONOUN}|{_OFFICIAL})(?: \S+){{0,3}} (?:xin|doi(?! (?:mat khau|mat ma|passcode|pin))|hoi|bat|keu|yeu cau|"
        rf"can|lay)(?: (?!nhap\b)\S+){{0,3}} (?:{_SECRET})\b"
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
        r"dat coc|coc|chuyen(?: \S+){0,2} (?:tien|trieu)|phi|le phi|tien phi|no tien|"
        r"nop gap|phai nop|nap the|bat (?:nop|chuyen|dong|nap)|ung(?: \S+){0,2} (?:trieu|tien)|chuyen truoc|"
        r"tra(?: \S+){0,2} (?:phi|thue)|chuyen (?:vao|qua) (?:tai khoan|tk)|"
        r"(?:\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi) ?(?:trieu|ty|tr|k|nghin))\b"
    ),
    "install": (
        r"\b(?:(?:cai|tai|cai dat)(?: \S+){0,2} (?:ung dung|phan mem|file|apk|vneid)|"
        r"gui(?: \S+){0,2} (?:link|duong link|duong dan)|tai ve|"
        r"theo (?:\S+ )?(?:link|duong link|duong dan)|bat camera|chia se man hinh|"
        r"quay man hinh|"
        r"tai(?: \S+){0,3} (?:link|duong link)|(?:doi|cap|xin) (?:\S+ )?quyen|"
        r"(?:bam|nhan|click|an|vao|mo)(?: vao)? (?:link|duong link|duong dan|lien ket)|"
        r"quet(?: ma)? qr|apk|truy cap (?:link|duong dan|trang)|anydesk|ultraviewer|teamviewer)\b"
    ),
    "update": (
        r"\b(?:cap nhat|dong bo|tich hop|nang cap|xac thuc|chuan hoa|kich hoat lai|"
        r"xac minh|xac nhan lai)(?: \S+){0,3} (?:dinh danh|vneid|can cuoc|can cuoc cong dan|"
        r"thong tin|tai khoan|sinh trac|du lieu|so dien thoai|sim|the|"
        r"bao hiem y te)\b"
    ),
    "level34": r"\b(?:muc|cap) (?:ba|bon|3|4)\b",
    "safe_account": (
        r"\b(?:tai khoan(?: \S+){0,3} (?:an toan|tam giu|dam bao|giam sat|xac minh|"
        r"chi dinh|kiem dinh|cua cong an)|phong toa)\b"
    ),
    "investigation": (
        r"\b(?:rua tien|ma tuy|buon lau|bi bat|duong day(?! nong)|vu an|lien quan(?: \S+){0,2} (?:vu|an|toi pham)|"
        r"dieu tra|truy na|lenh bat|bi bat|khoi to)\b"
    ),
    "check_money": (
        r"\b(?:(?:chung minh|kiem tra|xac minh) (?:nguon )?(?:goc )?tien|"
        r"kiem tra nguon goc|kiem dinh|chung minh (?:\S+ )?(?:vo can|trong sach|vo toi)|"
        r"chung minh(?: \S+){0,2} (?:khong|ko) lien quan)\b"
    ),
    "lost": (
        r"\b(?:lo|trot|vua|da|roi)(?: \S+){0,2} (?:chuyen|doc|dua|cung cap|bam|cai|"
        r"chup|gui|nhap|quet)\b"
    ),
    "lost_object": (rf"\b(?:tien|trieu|link|ung dung|app|anh|{_SECRET})\b"),
    "scammed": (
        r"\b(?:(?<!khoi )(?<!tranh )(?<!khong )bi lua|(?:rut|tru|bay) (?:het|sach)|"
        r"mat (?:het|sach) (?:tien|\S+ trieu)|lua (?:mat|het)|"
        r"(?:mat|bi tru|bi rut)(?: \S+){0,2} (?:\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)"
        r" ?(?:trieu|ty|tr)|(?:zalo|facebook|fb|nick|tai khoan)(?: \S+){0,2} bi "
        r"(?:hack|chiem|lay mat)|may tu chay|man hinh (?:toi|den)|(?:bao|noi) bi hack|"
        r"chuyen(?: \S+){0,3} (?:ty|trieu|tr) roi|"
        r"(?:tai khoan|the)(?: \S+){0,4} (?:mat|rut|tru|bay) (?:het|sach)|"
        r"bi (?:hack|chiem|danh cap|lay mat)(?: \S+){0,2} (?:tai khoan|zalo|facebook|"
        r"fb|vneid)|"
        # paid, then the other side vanished
        r"(?:chuyen khoan|chuyen tien|ck|coc)(?: \S+){0,6} (?:bi chan|chan (?:luon|lien lac)|"
        r"khong lien lac duoc|mat tich|khong nghe may|boc hoi))\b"
    ),
    "bank": (
        r"\b(?:ngan hang|bank|vietcombank|vcb|agribank|bidv|vietinbank|techcombank|acb|"
        r"tpbank|sacombank|mbbank)\b"
    ),
    "bank_ask": (
        r"\b(?:nang (?:cap|hang) the|mo khoa the|han muc|khoa the|the bi khoa|"
        r"mo the|hang the|doanh so|duy tri so du|diem (?:thuong|doi))\b"
    ),
    "prize": (
        r"\b(?:trung thuong|trung giai|trung xe|trung oto|trung iphone|trung qua|"
        r"qua tang|qua tri an|tri an khach hang|nhan qua|phan thuong|qua tet|(?:nhan|duoc) (?:tien|qua|thuong)|"
        r"trung(?: \S+){0,2} (?:xe|sh|voucher|laptop|dien thoai|iphone)|duoc tang|tang qua|"
        r"ho tro 100|khach (?:hang )?may man|quay so|ma(?: \S+){0,3} trung|"
        r"trung (?:\S+ )?(?:thung|phan qua|suat|chuyen du lich|chiec)|"
        r"nap(?: \S+){0,3} (?:duoc )?tang|ve cao|diem thuong|doi diem|"
        r"(?:doi|duoc|nhan) (?:\S+ )?(?:iphone|xe may|tu lanh|ti vi|tivi)|"
        r"trung(?: \S+){0,2} (?:tu lanh|ti vi|tivi|xe may|may giat|phieu qua)|hoc bong|"
        r"chung minh tai chinh|sao ke so du)\b"
    ),
    "job": (
        r"\b(?:viec nhe|lam nhiem vu|nhiem vu|cong tac vien|ctv|like|tha tim|"
        r"chot don|don hang ao|xem video kiem tien|hoa hong|kiem tien online|lam bu|"
        r"thao tac sai|luong cao|review|giao viec|tien ao|usdt|dau tu|rut (?:khong|ko) duoc|"
        r"nang cap vip|san (?:giao dich|dau tu)|don hang|tien ban|"
        # recruiting and work abroad: a fee or a deposit before the job is the scam
        r"tuyen (?:gap|dung|nguoi|nhan vien|lao dong|ctv)|viec lam (?:them|online|tai nha)|"
        r"lam viec (?:online|tai nha)|viec (?:online|tai nha)|lam thoi vu|xuat khau lao dong|"
        r"suat (?:noi bo|di)|"
        r"khoa hoc|phi (?:xet tuyen|dao tao|dong phuc))\b"
    ),
    # "vay" is also "vậy" once folded
    "loan": (
        r"\b(?:khoan vay|giai ngan|vay tien|vay von|cho vay|app vay|vay online|vay tam|"
        r"duyet (?:\S+ )?(?:vay|ho so)|(?:cty|cong ty) vay|rut (?:bhxh|bao hiem xa hoi)|"
        r"vay \S+ trieu|ung dung vay|hop dong vay)\b"
    ),
    "wrong_transfer": r"\bchuyen nham\b",
    "summons": (r"\b(?:trieu tap|giay trieu tap|bat giam|lenh bat|khoi to)\b"),
    "impersonation": (
        rf"\b(?:tu xung|xung la|gia danh|mao danh|(?<!quoc )gia lam|nguoi xung|goi xung|"
        rf"xung (?:la |ben )?(?:{_OFFICIAL}))\b"
    ),
    # an official who got in touch: "công an gọi", "cuộc gọi của ngân hàng"
    "official_contact": (
        rf"\b(?:{_OFFICIAL})(?: \S+){{0,3}} (?:goi|nhan tin|nhan|gui|ket ban|lien he|"
        rf"den (?:tan )?nha|bao|noi|yeu cau)\b(?! (?:otp|ma otp|lau|nhieu|gio)\b)|\b(?:cuoc goi|tin nhan|goi dien|sms)"
        rf"(?: \S+){{0,4}} (?:{_OFFICIAL})\b"
    ),
    "app_context": r"\b(?:vneid|ung dung|app|giay to|he thong dang)\b",
    "fake_page": (
        r"\b(?:(?:trang|web|website)(?: \S+){0,2} (?:gia|giong)|giong (?:trang|web)|"
        r"(?:trang|web|link|duong dan)(?: \S+){0,4} (?:bat|doi|yeu cau) (?:dang nhap|nhap|"
        r"dien|tai|cai)(?: \S+){0,2} (?:thong tin|mat khau|ma|otp|so the|file|apk|"
        r"ung dung)|binh chon|khao sat nhan qua|dan de|duoi (?:vip|xyz|top|cc|club|site|shop)|"
        # folded, "lạ" (strange) is also "là" (is): "tên miền là .gov.vn" is not a warning
        r"ten mien (?:hoi |rat |kha |co ve )?la(?= (?:hoac|va|nen|qua|lam|khong|a|ha|vay|the)\b|$)|"
        r"ten mien(?: \S+){0,2} (?:na na|khac|gan giong)|giao dien (?:\S+ )?giong|"
        r"(?:nhin|trong) (?:y chang|y nhu|giong het|giong) (?:that|trang))\b"
    ),
    # "tôi tự làm" (not "đầu tư")
    "self_action": (
        r"\b(?:toi|em|minh|con toi|chau)(?: \S+){0,2} tu (?:lam|chuyen|nhap|cai|dang ky|"
        r"doi|lien ket|tai|kich hoat|dat|mo|nop|thanh toan|cap nhat)\b|^tu\b"
    ),
    "lost_strong": (
        r"\b(?:lo|trot)(?: \S+){0,2} (?:chuyen|doc|dua|cung cap|bam|cai|chup|gui|"
        r"nhap|quet)(?: \S+){0,3} (?:tien|trieu|ma|otp|link|duong link|mat khau|"
        r"passcode|anh|file|apk|qr|cho|(?:ung dung|app) (?:la|ho|no|do|ma))\b"
    ),
    "refund": (
        r"\b(?:lay lai|thu hoi|hoan lai|hoan|doi lai)(?: \S+){0,2} (?:tien|so tien)\b"
    ),
    "fake_app": (
        r"\b(?:vneid|dich vu cong|dinh danh|evn|dien luc)(?: \S+){0,2} (?:gia mao|"
        r"(?<!quoc )gia)\b(?! (?:va|hay|voi) )|logo vneid"
    ),
    "vneid_trouble": (
        r"\b(?:vneid|dinh danh|tai khoan dinh danh)(?: \S+){0,5} (?:bi loi|loi|bi khoa|"
        r"het han|cai lai)\b|\b(?:dia gioi|dia danh moi|sap nhap)\b"
    ),
    "sim_swap": r"\b(?:soan cu phap|doi sim|sim 4g|sim 5g|giu thue bao)\b",
    # a relative doing it for the citizen ("con tôi cài giúp")
    "family": (
        r"\b(?:con (?:toi|gai|trai|em|minh)|chau (?:toi|noi|ngoai)|(?<!minh )vo toi|"
        r"chong toi|me toi|bo toi|con chau)(?: \S+){0,2} (?:gui|cai|huong dan|lam giup|"
        r"lam ho|tai|dang ky)\b"
    ),
    # Questions about scams in general, not one under way.
    "telling_apart": (
        r"\b(?:khac nhau (?:the nao|o dau|gi|cho nao|sao)|co gi khac|khac gi|phan biet|"
        r"nhan biet|lam sao biet|nghe noi|phong tranh|tranh bi|de khong bi|lam sao tranh|"
        r"co cach nao biet|cach biet|co bao gio|thu doan|chieu lua|"
        r"dia chi(?: \S+){0,6} (?:chinh xac|chinh thuc)|(?:neu|(?<!sau )khi|phong|tranh) bi lua|"
        r"(?:khong|tranh) bi (?:\S+ )?dan de|thi co (?:bat|phai|mat|duoc)|uy tin|"
        r"bi lua(?: \S+){0,3} thi|nam ngoai|nam truoc|truoc day|hoi truoc|"
        r"(?:thi|chac chan|co phai) la lua(?: dao)?(?: \S+)? (?:dung|phai) (?:khong|ko|k)|"
        r"thi chac chan la lua)\b"
    ),
    "self_mistake": r"\b(?:toi|em|minh)(?: \S+){0,2} chuyen nham\b",
    # asking whether such a thing ever happens, or about tricks in general
    "hypothetical": r"\b(?:co bao gio|co khi nao|thu doan|chieu lua|chieu tro)\b",
    "remote": r"\b(?:may tu chay|man hinh (?:toi|den)|bi dieu khien)\b",
    "instructed": rf"\btheo (?:loi |su )?huong dan cua (?:{_OFFICIAL}|{_SUSPECT}|{_PRONOUN})\b",
    "bank_contact": (
        r"\b(?:ngan hang|bank)(?: \S+){0,2} (?:goi|nhan tin|gui)(?! (?:otp|ma otp)\b)|(?:tin nhan|sms|cuoc goi|"
        r"brandname|fanpage|page)(?: \S+){0,4} (?:ngan hang|bank|vietcombank|vcb|agribank|bidv|"
        r"vietinbank|techcombank|acb|tpbank|sacombank|mbbank)|(?:nhan vien|tong dai|ben|"
        r"xung|nick)(?: \S+){0,2} (?:ngan hang|bank)(?: \S+){0,3} (?:goi|nhan|gui|bao|"
        r"noi|yeu cau|huong dan)\b"
    ),
}
_COMPILED = {name: re.compile(p) for name, p in SIGNALS.items()}


class _Signals(dict[str, bool]):
    """The signals of one message, each searched for only when ``_kind`` asks: its
    conditions short-circuit, and the searches are most of the rules' time."""

    def __init__(self, words: str):
        super().__init__()
        self._words = words

    def __missing__(self, name: str) -> bool:
        found = self[name] = _COMPILED[name].search(self._words) is not None
        return found


def _kind(s: Mapping[str, bool]) -> str | None:
    """The kind of scam the signals describe (None: an ordinary message)."""
    # "nó đòi passcode" inside the app is the app, not a stranger
    pronoun_orders = s["pronoun_demand"] and (s["contact"] or not s["app_context"])
    contacted = (
        s["suspect"]
        or pronoun_orders
        or s["instructed"]
        or s["official_contact"]
        or (s["pronoun"] and s["contact"])
    )
    asked = s["give_secret"] or s["ask_secret"] or s["ask_photo"]
    harm = contacted or s["contact"] or s["fake_page"]
    general = s["telling_apart"] and not (
        asked or pronoun_orders or s["impersonation"] or (contacted and s["contact"])
    )
    if (s["hypothetical"] and not asked) or (
        s["self_mistake"] and not (s["impersonation"] or s["install"] or s["fake_page"])
    ):
        return None
    if general or (s["self_action"] and not contacted):
        return None  # how to tell, what to do in general, or the citizen's own doing
    if s["family"] and not (s["suspect"] or s["impersonation"] or s["scammed"]):
        return None  # a relative helping
    if (
        s["scammed"]
        or s["remote"]
        or s["lost_strong"]
        or (s["lost"] and s["lost_object"] and harm)
    ):
        return "already_lost"
    if (
        s["level34"]
        or s["fake_app"]
        or (
            (s["update"] or s["vneid_trouble"])
            and (s["contact"] or s["suspect"])
            and (contacted or s["install"] or s["money"])
        )
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
    if (asked and (s["contact"] or s["official"] or s["give_secret"])) or (
        contacted and (s["secret"] or s["sim_swap"]) and s["demand"]
    ):
        return "code_request"
    if s["bank_contact"] and (
        s["install"] or s["secret"] or s["bank_ask"] or s["update"] or s["fake_page"]
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


_NEGATED = re.compile(
    r"\b(khong bao gio|khong|ko|dung|chua|chang) "
    r"(dua|doc|cung cap|gui|noi|bao|chuyen|bam|cai|nhap|hoi|xin|yeu cau|doi)\b"
)


@dataclass(frozen=True)
class Thresholds:
    """How the model's P(scam) moves the rules' verdict (chosen by cross-validation
    on the examples, never on the held-out test set: eval/safety.md)."""

    raise_at: float = 0.75  # no rule fired: an alert only when the model is this sure
    # a rule fired: the alert stands unless the model finds it less likely than this
    veto_below: float = 0.5


class Detector:
    """Rules first; a statistical model raises what they miss and vetoes their slips."""

    def __init__(self, model: ScamModel | None, thresholds: Thresholds = Thresholds()):
        self._model = model
        self._thresholds = thresholds

    @classmethod
    def from_seeds(cls, seeds_dir: Path) -> Detector:
        return cls(load_model(examples_dir(seeds_dir), normalized))

    def detect(self, text: str) -> Alert | None:
        """The scam ``text`` describes, or None for an ordinary message."""
        plain = normalized(text)
        # "không đưa mã", "đừng chuyển tiền": advice, not what happened
        words = _NEGATED.sub(r"\1_\2", plain)
        if not words or _ORDINARY.search(words):
            return None
        kind = _kind(_Signals(words))
        if self._model is None:
            return Alert(kind) if kind else None
        # The model reads the text as it was trained on it (normalised, unmarked).
        reading = self._model.assess(plain)
        if kind:
            return (
                None
                if reading.probability < self._thresholds.veto_below
                else Alert(kind)
            )
        if reading.probability >= self._thresholds.raise_at:
            return Alert(self._model.kind_of(reading))
        return None
