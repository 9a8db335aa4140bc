"""Places: reading a citizen's place from free text, and looking places up.

``seed_places`` (:mod:`api.places.seeding`) loads the tables. ``resolve_place``
turns a free-text answer to "Anh/Chị đang ở xã/phường nào?" ("phường Thành Sen",
"xa cam xuyen ha tinh", "Thành Sen, Hà Tĩnh") into a province and commune. It reads an
in-memory index built once per process and engine from the tables (seeding clears it),
so a call costs well under a millisecond.

How the resolver reads a text: it is split into words, each kept twice, lower-cased
with its diacritics and folded without them. Every run of folded words that spells a
province or commune name (whole words only: "an" never matches inside "hoang an") is a
*mention*. A mention after its kind word ("xã", "phường", "đặc khu"; "tỉnh", "thành
phố", "tp") scores higher, after the other level's kind word lower; a one-word commune
name without its kind word, or typed with diacritics that differ from the name's
("làng" is not "Láng"), scores lower. The best of: a province, a commune, or a province
and a commune inside it (the province then disambiguates a name shared by several
provinces) wins, longer names first; a commune outside the province the text names is
not taken ("xã Cẩm Xuyên, Đồng Nai" gives Đồng Nai only). Where the diacritics typed
match only some of the communes a folded name stands for ("Tân Thạnh" / "Tân Thành"),
only those are kept.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.places.models import Commune, Province
from textnorm import fold as strip_diacritics

MAX_CANDIDATES = 5
# Words of a text the resolver reads (a message is at most about 2,000 characters).
MAX_TOKENS = 400

# Other names citizens use for a province (folded), by province code.
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "01": ("hn",),
    "79": ("hcm", "tphcm", "sai gon", "saigon"),
}

_NON_WORD = re.compile(r"[\W_]+")
# Folded words that go with a place in an answer to "which commune are you in?":
# people, "live in", address parts, the old names of units, courtesy. Not "có",
# "chú", "là", "số": as often words of a question ("chữ ký số là gì").
_ADDRESS_WORDS = frozenset(
    """toi em minh anh chi bac ong ba con chau nha que o song tai thuoc dang hien nay
    a ah nhe da vang thon ap ban to khu pho duong ngo ngach hem kiet xom doi huyen
    quan thi tran xa phuong tinh tp thanh dac cu moi truoc sau sap nhap gio va cua gan
    canh ben ay day vn viet nam""".split()  # noqa: SIM905
)
_PROVINCE = "province"
_COMMUNE = "commune"
# Kind words: (with diacritics, folded), level, folded commune kind. Either spelling
# is accepted, not another accent ("tịnh" is a name, not "tỉnh").
_KIND_WORDS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...] = (
    (("đặc", "khu"), ("dac", "khu"), _COMMUNE, "dac khu"),
    (("phường",), ("phuong",), _COMMUNE, "phuong"),
    (("xã",), ("xa",), _COMMUNE, "xa"),
    (("thành", "phố"), ("thanh", "pho"), _PROVINCE, ""),
    (("tỉnh",), ("tinh",), _PROVINCE, ""),
    (("tp",), ("tp",), _PROVINCE, ""),
)


def fold(text: str) -> str:
    """Lower-case, diacritics removed, "đ" -> "d", punctuation to spaces, whitespace
    collapsed: "Phường Văn Miếu - Quốc Tử Giám" -> "phuong van mieu quoc tu giam"."""
    return " ".join(_NON_WORD.sub(" ", strip_diacritics(text)).split())


def _words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text``: lower-case with diacritics, and folded (aligned)."""
    accented: list[str] = []
    folded: list[str] = []
    lowered = unicodedata.normalize("NFC", text).lower()
    for word in _NON_WORD.sub(" ", lowered).split():
        plain = strip_diacritics(word)
        if plain:
            accented.append(word)
            folded.append(plain)
    return accented, folded


# --- the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class PlaceRef:
    """A province ("Hà Tĩnh") or commune ("Phường Thành Sen") by code and name; a
    commune's also carries its province's code."""

    code: str
    name: str
    province_code: str | None = None


@dataclass(frozen=True)
class PlaceMatch:
    """What a text names. A commune implies its province; ``candidates`` lists the
    communes (at most five) when a commune name is shared and nothing disambiguates."""

    province: PlaceRef | None = None
    commune: PlaceRef | None = None
    candidates: list[PlaceRef] = field(default_factory=list)
    # Words of the text that are neither the place named, its kind words, nor the
    # words around an address ("tôi ở", "thôn 3", "cũ"): "chữ ký số là gì" names
    # Phường La Gi with two such words ("số" may be a house number), "tôi ở La Gi ạ"
    # with none; and whether a kind word ("xã", "tỉnh") came before the place named.
    other_words: int = 0
    kind_named: bool = False


@dataclass(frozen=True)
class _CommuneInfo:
    ref: PlaceRef
    province_code: str
    kind: str  # folded: "xa", "phuong", "dac khu"
    accented: tuple[str, ...]  # the short name's words, lower case with diacritics


@dataclass
class _PlaceIndex:
    """Lookup tables over the place tables (keys are tuples of folded words)."""

    provinces: dict[str, PlaceRef] = field(default_factory=dict)
    communes: dict[str, _CommuneInfo] = field(default_factory=dict)
    province_keys: dict[tuple[str, ...], str] = field(default_factory=dict)
    commune_keys: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    # Other spellings: apostrophes dropped ("mdrak"), halves of "A - B" names.
    commune_aliases: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def build(cls, session: Session) -> _PlaceIndex:
        """Reads both tables once."""
        index = cls()
        for province in session.scalars(select(Province)):
            index.provinces[province.code] = PlaceRef(province.code, province.name)
            words = tuple(province.folded.split())
            keys = [words, ("".join(words),)]
            keys += [tuple(a.split()) for a in PROVINCE_ALIASES.get(province.code, ())]
            for key in keys:
                index.province_keys.setdefault(key, province.code)
        aliases: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
        keyed: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
        rows = session.execute(
            select(
                Commune.code,
                Commune.province_code,
                Commune.name,
                Commune.short_name,
                Commune.folded,
            ).order_by(Commune.code)
        )
        for code, province_code, name, short_name, folded in rows:
            kind = fold(name[: len(name) - len(short_name)])
            index.communes[code] = _CommuneInfo(
                PlaceRef(code, name, province_code),
                province_code,
                kind,
                tuple(_words(short_name)[0]),
            )
            keyed[tuple(folded.split())].append(code)
            other = {fold(re.sub(r"['’‘`]", "", short_name))}
            other.update(fold(part) for part in re.split(r"\s[-–]\s", short_name))
            for spelling in other - {folded, ""}:
                aliases[tuple(spelling.split())].append(code)
        index.commune_keys = dict(keyed)
        index.commune_aliases = {k: v for k, v in aliases.items() if k not in keyed}
        index.longest = max(
            (len(key) for key in [*index.province_keys, *keyed, *aliases]), default=1
        )
        return index


_INDEXES: weakref.WeakKeyDictionary[Engine, _PlaceIndex] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def invalidate_place_index() -> None:
    """Forgets the in-memory indexes (seed_places calls it; another process that
    seeds the tables does not reach this one: restart it)."""
    with _INDEX_LOCK:
        _INDEXES.clear()


def _index(session: Session) -> _PlaceIndex:
    """The index for the session's engine, built on first use. An empty one (tables
    not seeded yet) is not kept."""
    engine = session.get_bind().engine
    with _INDEX_LOCK:
        index = _INDEXES.get(engine)
    if index is None:
        index = _PlaceIndex.build(session)
        if index.provinces:
            with _INDEX_LOCK:
                _INDEXES[engine] = index
    return index


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    level: str  # _PROVINCE or _COMMUNE
    codes: tuple[str, ...]
    score: float


def _kind_word_at(
    accented: list[str],
    folded: list[str],
    first: int,
    words: tuple[tuple[str, ...], tuple[str, ...]],
) -> bool:
    """Whether the kind word ``words`` (with diacritics, folded) is at word ``first``."""
    marked, plain = words
    end = first + len(plain)
    if first < 0 or end > len(folded) or tuple(folded[first:end]) != plain:
        return False
    typed = tuple(accented[first:end])
    return typed in (marked, plain)


def _kind_before(accented: list[str], folded: list[str], start: int) -> tuple[str, str]:
    """The kind word right before word ``start``: (level, folded commune kind)."""
    for marked, plain, level, kind in _KIND_WORDS:
        if _kind_word_at(accented, folded, start - len(plain), (marked, plain)):
            return level, kind
    return "", ""


def _mentions(
    index: _PlaceIndex, accented: list[str], folded: list[str]
) -> list[_Mention]:
    """Every run of words that names a province or a commune, scored."""
    mentions: list[_Mention] = []
    for start in range(len(folded)):
        hint: tuple[str, str] | None = None  # read once, when a name starts here
        for end in range(start + 1, min(len(folded), start + index.longest) + 1):
            key = tuple(folded[start:end])
            province = index.province_keys.get(key)
            codes = index.commune_keys.get(key) or index.commune_aliases.get(key)
            if province is None and not codes:
                continue
            if hint is None:
                hint = _kind_before(accented, folded, start)
            level_hint, kind_hint = hint
            typed = tuple(accented[start:end])
            length = float(end - start)
            if province is not None:
                score = length + (
                    0.5 if level_hint == _PROVINCE else -0.5 if level_hint else 0.0
                )
                mentions.append(_Mention(start, end, _PROVINCE, (province,), score))
            if not codes:
                continue
            infos = [index.communes[code] for code in codes]
            score = length if length > 1 or level_hint == _COMMUNE else 0.5
            score += 0.5 if level_hint == _COMMUNE else -0.5 if level_hint else 0.0
            if typed != key:  # typed with diacritics: keep the communes spelt so
                same = [info for info in infos if info.accented == typed]
                if same:
                    infos = same
                else:
                    score -= 0.5
            if kind_hint:
                infos = [i for i in infos if i.kind == kind_hint] or infos
            codes_kept = tuple(info.ref.code for info in infos)
            mentions.append(_Mention(start, end, _COMMUNE, codes_kept, score))
    return mentions


def _overlap(a: _Mention, b: _Mention) -> bool:
    return a.start < b.end and b.start < a.end


def resolve_place(session: Session, text: str) -> PlaceMatch:
    """The province and commune a citizen's free text names (see the module doc).

    Accented or not, with or without kind words. A commune name shared by several
    provinces gives ``candidates`` unless a province in the text picks one; a text that
    names only a province gives the province; anything else gives an empty match.
    """
    index = _index(session)
    accented, folded = _words(text)
    accented, folded = accented[:MAX_TOKENS], folded[:MAX_TOKENS]
    mentions = _mentions(index, accented, folded)
    provinces = [m for m in mentions if m.level == _PROVINCE]
    communes = [m for m in mentions if m.level == _COMMUNE]
    # (score, preference, province mention, commune codes); pairs beat a province
    # alone, which beats a commune alone, at equal scores.
    # (score, preference, province mention, commune codes, commune mention)
    best: tuple[float, int, _Mention | None, tuple[str, ...], _Mention | None] = (
        0.0,
        0,
        None,
        (),
        None,
    )
    for mention in provinces:
        best = max(best, (mention.score, 1, mention, (), None), key=_rank)
    for mention in communes:
        others = [p for p in provinces if not _overlap(mention, p)]
        if not others:  # a commune outside a province the text names is not taken
            best = max(
                best, (mention.score, 0, None, mention.codes, mention), key=_rank
            )
        for province in others:
            inside = tuple(
                code
                for code in mention.codes
                if index.communes[code].province_code == province.codes[0]
            )
            if inside:
                score = mention.score + province.score + 1.0
                best = max(best, (score, 2, province, inside, mention), key=_rank)
    score, _, province_mention, codes, commune_mention = best
    if score <= 0:
        return PlaceMatch()
    named = [m for m in (province_mention, commune_mention) if m is not None]
    other_words = _other_words(folded, named)
    kind_named = any(_kind_before(accented, folded, m.start)[0] for m in named)
    if not codes and province_mention is not None:
        return PlaceMatch(
            province=index.provinces[province_mention.codes[0]],
            other_words=other_words,
            kind_named=kind_named,
        )
    infos = [index.communes[code] for code in codes]
    in_provinces = {info.province_code for info in infos}
    province_ref = (
        index.provinces[in_provinces.pop()] if len(in_provinces) == 1 else None
    )
    if len(infos) == 1:
        return PlaceMatch(
            province=province_ref,
            commune=infos[0].ref,
            other_words=other_words,
            kind_named=kind_named,
        )
    candidates = [info.ref for info in infos[:MAX_CANDIDATES]]
    return PlaceMatch(
        province=province_ref,
        candidates=candidates,
        other_words=other_words,
        kind_named=kind_named,
    )


def _rank(option: tuple[Any, ...]) -> Any:
    """Orders options by score, then by preference."""
    return option[0], option[1]


def _other_words(folded: list[str], mentions: list[_Mention]) -> int:
    """How many words of ``folded`` are outside ``mentions`` and not address words."""
    inside = {i for m in mentions for i in range(m.start, m.end)}
    return sum(
        1
        for i, word in enumerate(folded)
        if i not in inside and word not in _ADDRESS_WORDS and not word.isdigit()
    )


# --- lookups ---------------------------------------------------------------------


def province_by_name(session: Session, name: str) -> Province | None:
    """The province named "Hà Tĩnh", "ha tinh", "Tỉnh Hà Tĩnh", "TP HCM", or by its
    code ("42"); None when nothing matches exactly."""
    text = name.strip()
    if text.isdigit():
        return session.get(Province, text.zfill(2))
    index = _index(session)
    accented, folded = _words(text)
    start = 0
    while tuple(folded[start:]) not in index.province_keys:
        kind = next(
            (
                plain
                for marked, plain, level, _ in _KIND_WORDS
                if level == _PROVINCE
                and _kind_word_at(accented, folded, start, (marked, plain))
            ),
            None,
        )
        if kind is None:
            return None
        start += len(kind)
    return session.get(Province, index.province_keys[tuple(folded[start:])])


def list_provinces(session: Session) -> list[Province]:
    """Every province, by code."""
    return list(session.scalars(select(Province).order_by(Province.code)))


def list_communes(session: Session, province_code: str) -> list[Commune]:
    """The communes of one province, by code."""
    query = (
        select(Commune)
        .where(Commune.province_code == province_code)
        .order_by(Commune.code)
    )
    return list(session.scalars(query))


def place_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """Names for province and commune codes ("42" -> "Hà Tĩnh", "18073" -> "Phường
    Thành Sen"); unknown codes and None are left out. Reads the in-memory index."""
    index = _index(session)
    names: dict[str, str] = {}
    for code in codes:
        if code is None:
            continue
        if code in index.provinces:
            names[code] = index.provinces[code].name
        elif code in index.communes:
            names[code] = index.communes[code].ref.name
    return names
