"""Place mentions: gazetteer names, context phrases, candidates, traps and foreign places.

Every function here works on CLEAN text (see :mod:`iraq_atlas.geoparse.clean`)
and returns plain dicts with ``kind``, ``start``, ``end``, ``place_id``,
``confidence`` and ``rule``. Kinds:

- ``place``     resolved to a gazetteer id (so to a point in Iraq);
- ``candidate`` looks like a place but is unknown to the gazetteer, or fits two places;
- ``foreign``   a place outside Iraq (never given an Iraqi id);
- ``trap``      internal marker for names that contain a place but are not one
                (armed groups, parties, bodies, the embassy as the speaker of a
                statement); dropped before output, they only block other matches.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress
from operator import itemgetter
from typing import NamedTuple

import pandas as pd

from iraq_atlas.geoparse import _rules
from iraq_atlas.places.gazetteer import expand_aliases, foreign_names, gazetteer
from iraq_atlas.places.names import is_arabic, loose_from_normalised, normalise

__all__ = ["place_mentions", "place_table", "non_overlapping", "use_gazetteer"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_BREAK = re.compile(r"[,;:()\[\]\"!?\n]|[.](?=\s)|\s[-–—]\s")
# clitics written onto an Arabic word: wa- "and", bi- "in/by", li- "to/for", fa-, and with the article
_ARABIC_PREFIXES = ("وبال", "وب", "ول", "وال", "بال", "لل", "فال", "و", "ب", "ل", "ف")


# --------------------------------------------------------------------------- spans
class Spans:
    """A set of NON-overlapping, non-empty [start, end) intervals: one byte per position says if one covers it.

    Storing and testing an interval costs its length (mentions are short), however many are
    stored, and whatever the order they come in.
    """

    def __init__(self) -> None:
        self._covered = bytearray()

    def overlaps(self, s: int, e: int) -> bool:
        """True when [s, e) overlaps a stored interval (an empty one when a stored interval holds s)."""
        if e <= s:
            return s < len(self._covered) and self._covered[s] == 1
        return self._covered.find(1, s, e) >= 0

    def add(self, s: int, e: int) -> None:
        """Store [s, e) (the caller checked it does not overlap)."""
        if e > len(self._covered):
            self._covered.extend(bytes(e - len(self._covered)))
        self._covered[s:e] = b"\x01" * (e - s)


def non_overlapping(cands: list[dict]) -> list[dict]:
    """Keep the longest (then most confident) of overlapping mentions, in text order.

    Examples
    --------
    >>> [m["start"] for m in non_overlapping([dict(start=0, end=4, confidence=1),
    ...                                        dict(start=2, end=9, confidence=1)])]
    [2]
    """
    keep: list[dict] = []
    spans = Spans()
    for c in sorted(cands, key=lambda c: (-(c["end"] - c["start"]), -c["confidence"], c["start"])):
        if c["end"] > c["start"] and not spans.overlaps(c["start"], c["end"]):
            spans.add(c["start"], c["end"])
            keep.append(c)
    return sorted(keep, key=lambda c: c["start"])


# --------------------------------------------------------------------------- tokens and index
class _Token(NamedTuple):
    key: str
    start: int
    end: int
    raw: str
    joined: bool  # True when nothing but spaces/hyphens/apostrophes separate it from the previous token


class _Tokens(NamedTuple):
    """The tokens of a text that have a key, as parallel lists (see :func:`_token_lists`)."""

    keys: list[str]
    starts: list[int]
    ends: list[int]
    raws: list[str]
    joined: list[bool]  # True when nothing but spaces/hyphens/apostrophes separate it from the previous token


_SPLIT = re.compile("(" + _TOKEN.pattern + ")", re.UNICODE)  # text between tokens, token, text between …
_NOT_LOWER_ASCII = re.compile(r"[^a-z]")


def _token_lists(text: str) -> _Tokens:
    """Word tokens of ``text`` with a non-empty key: keys, spans, raw words and ``joined`` flags.

    A possessive "s" ("Baghdad's") is no token. A token is joined to the one before it
    (empty-key tokens count as tokens there) when one space separates them, or a gap of at
    most three characters holding no break (comma, full stop before a space, dash between
    spaces …), or a full stop after a one-letter word ("U.S. Embassy"). The text is split
    once and most tokens (one space before them) take no step of their own.

    Examples
    --------
    >>> t = _token_lists("The U.S. Embassy's gate, al-Rasheed")
    >>> list(zip(t.raws, t.joined))
    [('U', True), ('S', True), ('Embassy', True), ('gate', True), ('Rasheed', True)]
    >>> t.keys[0], t.starts[0], t.ends[0]
    ('u', 4, 5)
    """
    parts = _SPLIT.split(text)
    raws = parts[1::2]
    n = len(raws)
    gaps = parts[0:2 * n:2]  # the text before each token
    pos = list(accumulate(map(len, parts)))
    starts, ends = pos[0:2 * n:2], pos[1:2 * n:2]
    keys = list(map(normalise, raws))
    joined = [g == " " for g in gaps]
    skipped: set[int] = set()
    brk = _BREAK.search
    for k in compress(range(n), map(" ".__ne__, gaps)):
        gap, raw = gaps[k], raws[k]
        if (raw == "s" or raw == "S") and gap in ("'", "’"):  # possessive: Baghdad's
            skipped.add(k)
            continue
        p = k - 1
        while p in skipped:
            p -= 1
        last_raw = raws[p] if p >= 0 else ""
        j = p >= 0 and len(gap) <= 3 and not brk(gap)
        if len(last_raw) == 1 and (gap.strip() == "." or gap.endswith(". ")):
            j = True  # U.S. Embassy
        joined[k] = j
    first = 0
    while first in skipped:
        first += 1
    if first < n:
        joined[first] = False  # nothing before the first token
    if skipped or "" in keys:
        keep = list(map(bool, keys))
        for k in skipped:
            keep[k] = False
        keys, starts, ends, raws, joined = (list(compress(x, keep)) for x in (keys, starts, ends, raws, joined))
    return _Tokens(keys, starts, ends, raws, joined)


def _tokens(text: str) -> list[_Token]:
    """The tokens of :func:`_token_lists` one by one."""
    return [_Token(*t) for t in zip(*_token_lists(text))]


def _phrase_key(spelling: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokens(spelling) if t.key)


@dataclass
class _PlaceIndex:
    phrases: dict[tuple[str, ...], dict[str, tuple[str, str]]]  # key → {place_id: (how, spelling)}
    max_len: int
    places: pd.DataFrame
    info: dict[str, dict]
    firsts: set[str]  # first token keys of all phrases (most tokens start none: skipped at once)
    loose: dict[str, dict[str, tuple[str, str]]]  # loose key (spelling variants, no spaces) → merged slot
    loose_firsts: set[str]  # loose keys of the first tokens of Latin-script phrases
    shadowed: dict[tuple[str, ...], dict[str, tuple[str, str]]]  # gazetteer rows of a trap/foreign key
    prefixes: frozenset = frozenset()  # every leading part (1..all tokens) of every phrase key
    loose_prefixes: frozenset = frozenset()  # every leading substring of every loose key
    extra: dict = field(default_factory=dict)  # tables other modules derive from this gazetteer, built once


_OVERRIDE: list = [None]  # a gazetteer table set by use_gazetteer (None: the project gazetteer)


def use_gazetteer(places: pd.DataFrame | None = None) -> None:
    """Parse against another gazetteer table (same columns as ``gazetteer()``); None restores it.

    Meant for trying an extended gazetteer before it is part of the project.

    Examples
    --------
    >>> use_gazetteer(None)
    """
    _OVERRIDE[0] = places
    _place_index.cache_clear()
    _geocoder.cache_clear()
    _geocode_one.cache_clear()
    _lookup_cached.cache_clear()
    _choose_cached.cache_clear()


def _gazetteer_table():
    return gazetteer() if _OVERRIDE[0] is None else _OVERRIDE[0]


@lru_cache(maxsize=1)
def _place_index() -> _PlaceIndex:
    g = _gazetteer_table()
    places = pd.DataFrame(g.drop(columns="geometry") if "geometry" in g.columns else g)
    spell = expand_aliases(places)
    ambiguous = {normalise(w) for w in _rules.load("names")["ambiguous_aliases"] + list(_KIND_WORDS)}
    phrases: dict[tuple[str, ...], dict[str, tuple[str, str]]] = {}
    rank = {"name": 0, "name_ar": 0, "alias": 1}
    for pid, spelling, how in zip(spell.place_id, spell.spelling, spell.how):
        key = _phrase_key(spelling)
        if not key or " ".join(key) in ambiguous:
            continue
        slot = phrases.setdefault(key, {})
        if pid not in slot or rank[how] < rank[slot[pid][0]]:
            slot[pid] = (how, spelling)
    # word lists: traps and foreign places take the slot (an explicit list beats a same-named village)
    names = _rules.load("names")
    special = [(p, f"#trap:{group}") for group, ps in names["traps"].items() for p in ps]
    special += [(p, "#foreign") for p in names["foreign"]]
    # the places module's foreign names too (Arabic single words only with the article: "تدمر" is
    # also a verb); in news text "Riyadh" is the Saudi capital, the Iraqi rows of such a name stay
    # reachable through a kind word ("Riyadh sub-district", "ناحية الرياض")
    special += [(sp, "#foreign") for sp in expand_aliases(foreign_names()).spelling
                if not is_arabic(sp) or " " in sp.strip() or sp.startswith("ال")]
    shadowed: dict[tuple[str, ...], dict[str, tuple[str, str]]] = {}
    for spelling, tag in special:
        key = _phrase_key(spelling)
        if key:
            if key in phrases and not any(p.startswith("#") for p in phrases[key]):
                shadowed[key] = phrases[key]
            phrases[key] = {tag: ("list", spelling)}
    firsts = {k[0] for k in phrases}
    # spelling variants ("Hawija" for Hawijah, "Beiji" for Baiji), Latin script only: the loose key of
    # the Geocoder (places.names.loose_key), word by word, so a window of tokens is tested cheaply
    loose: dict[str, dict[str, tuple[str, str]]] = {}
    loose_firsts: set[str] = set()
    for key, slot in phrases.items():
        if is_arabic(key[0]):
            continue
        lk = "".join(loose_from_normalised(k) for k in key)
        if not lk:
            continue
        special = any(p.startswith("#") for p in slot)
        have = loose.get(lk)
        if have is None or special:
            loose[lk] = dict(slot)
        elif not any(p.startswith("#") for p in have):
            have.update({p: v for p, v in slot.items() if p not in have})
        loose_firsts.add(loose_from_normalised(key[0]))
    by_id = places.set_index("place_id")
    info = by_id[["name", "kind", "lat", "lon", "governorate_iso", "parent_id"]].to_dict("index")
    # a window of tokens grows only while it can still become a phrase (or a loose key)
    prefixes = frozenset(k[:j] for k in phrases for j in range(1, len(k) + 1))
    loose_prefixes = frozenset(lk[:j] for lk in loose for j in range(len(lk) + 1))
    return _PlaceIndex(phrases, max(len(k) for k in phrases), by_id, info, firsts, loose, loose_firsts, shadowed,
                       prefixes, loose_prefixes)


def place_table() -> pd.DataFrame:
    """The gazetteer as the geoparser uses it, indexed by ``place_id`` (no geometry).

    Returns
    -------
    DataFrame
        One row per place, indexed by ``place_id``: ``name``, ``name_ar``,
        ``aliases``, ``kind``, ``lat``, ``lon``, ``precision_m``, ``geo_precision``,
        ``governorate_iso``, ``parent_id``, ``source_url`` and the other gazetteer columns.

    Examples
    --------
    >>> place_table().loc["capital_baghdad", "governorate_iso"]
    'IQ-BG'
    >>> basra = place_table().loc["capital_basra"]
    >>> basra["name"], float(basra.lat), float(basra.lon)
    ('Basra', 30.5, 47.817)
    """
    return _place_index().places


# words that say what kind of place follows ("مدينة الموصل" the city of Mosul): never a name on their own
_KIND_WORDS = ("مدينة", "قضاء", "ناحية", "محافظة", "بلدة", "منطقة", "إقليم", "اقليم")
_KIND_AFTER = re.compile(r"[ \t]+(?:(sub-?district|nahiy(?:a|ah))|(district|qada|qadha|qadaa)|(province|governorate))\b",
                         re.IGNORECASE)
_KIND_BEFORE = re.compile(r"(?:\b[Tt]he\s+(?:(sub-?district)|(district)|(province|governorate))\s+of\s+"
                          r"|(?<![\w])[وبلف]?(?:(ناحية|ناحيه)|(قضاء)|(محافظة|محافظه))\s+)$", re.IGNORECASE)
_KINDS_OF_GROUP = ("subdistrict", "district", "governorate")


def _kind_hint(text: str, start: int, end: int) -> str | None:
    """The kind of admin unit the words around a name ask for: "Mosul district", "قضاء الموصل", "ناحية X".

    Examples
    --------
    >>> _kind_hint("in Mosul district", 3, 8), _kind_hint("in Mosul", 3, 8)
    ('district', None)
    """
    m = _KIND_AFTER.match(text, end)
    if m:
        return _KINDS_OF_GROUP[m.lastindex - 1]
    m = _KIND_BEFORE.search(text, max(0, start - 30), start)
    if m:
        return _KINDS_OF_GROUP[(m.lastindex - 1) % 3]
    return None


def _choose(pids: list[str] | tuple[str, ...], kind: str | None = None, spelling: str | None = None,
            named: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """One reading of a name that fits several gazetteer rows, by the Geocoder's ranking.

    The ranking is that of :class:`~iraq_atlas.places.geocoding.Geocoder` (curated sites,
    then towns, then sub-districts, districts and governorates; a city inside the
    governorate of its name; same-place rows told twice; population). A ``kind`` hint
    ("district", "subdistrict", "governorate") narrows first and is ignored when no row
    is of that kind. Without a hint, the Geocoder's own answer for ``spelling`` is taken
    when it names a place (it also knows spelling variants: "Heet" the town Hit). Of a
    tie, the one row whose name (not an alias) is the spelling wins (``named``: "Anah" is
    the name of new Anah and an alias of old Anah).

    Returns
    -------
    tuple
        ``("place", (place_id,))`` or ``("candidate", place_ids)`` (a tie, or nothing left).
    """
    verdict, out = _choose_cached(tuple(sorted(pids)), kind, spelling)
    if verdict == "candidate" and named:
        own = [p for p in out if p in named]
        if len(own) == 1:
            return "place", (own[0],)
    return verdict, out


@lru_cache(maxsize=50_000)
def _choose_cached(pids: tuple[str, ...], kind: str | None, spelling: str | None) -> tuple[str, tuple[str, ...]]:
    # Geocoder._choose and Geocoder._info are its ranking and per-row facts: the geoparser must
    # decide exactly as the geocoder does, so it calls them rather than copying the rules
    g = _geocoder()
    known = [p for p in pids if p in g._info]
    if kind:
        of_kind = [p for p in known if g._info[p]["kind"] == kind]
        if of_kind:
            status, pid, alts = g._choose(of_kind)
            return ("place", (pid,)) if status == "matched" else ("candidate", alts or tuple(of_kind))
    # the Geocoder's own answer for the written spelling (it adds rows of the same loose key);
    # asked when rows compete, or when the one row is an admin unit a town might be named after
    if spelling is not None and (len(known) > 1 or (len(known) == 1 and g._info[known[0]]["source"] == "ocha")):
        status, pid, _, alts = _geocode_one(spelling)
        if status in ("matched",) and pid:
            return "place", (pid,)
    if len(known) == 1:
        return "place", (known[0],)
    if not known:
        return "candidate", ()
    status, pid, alts = g._choose(known)
    return ("place", (pid,)) if status == "matched" else ("candidate", alts or tuple(known))


def _arabic_variants(key: str, raw: str) -> list[str]:
    """The key of an Arabic word with each attached clitic taken off (ب / في / ل / و / ف …)."""
    out = [key]
    for p in _ARABIC_PREFIXES:
        if raw.startswith(p) and len(raw) - len(p) >= 3:
            k = normalise(raw[len(p):])
            if k and k not in out:
                out.append(k)
    return out


def _lookup(name: str, kinds: frozenset[str] | None = None, kind: str | None = None) -> list[str]:
    """Gazetteer ids for the exact key of ``name`` (optionally of given kinds), one when the ranking decides.

    Rows of ``kinds`` only are looked at; of several, :func:`_choose` picks one (with
    the ``kind`` hint of the words around the name) or all of a tie are returned.
    """
    return list(_lookup_cached(name, kinds, kind))


@lru_cache(maxsize=50_000)
def _lookup_cached(name: str, kinds: frozenset[str] | None, kind: str | None) -> tuple[str, ...]:
    idx = _place_index()
    toks = [t for t in _tokens(name) if t.key]
    if not toks:
        return ()
    firsts = _arabic_variants(toks[0].key, toks[0].raw) if is_arabic(toks[0].raw) else [toks[0].key]
    for first in firsts:
        slot = idx.phrases.get((first, *[t.key for t in toks[1:]]))
        if slot:
            pids = sorted(p for p in slot if p in idx.info and (kinds is None or idx.info[p]["kind"] in kinds))
            if pids:
                spelling = slot[pids[0]][1] if kinds is None else None
                named = tuple(p for p in pids if slot[p][0] in ("name", "name_ar"))
                return _choose(pids, kind, spelling, named)[1]
    if is_arabic(toks[0].raw):
        return ()
    # a spelling variant ("Beiji" for Baiji), as for a bare name in the text (see _gazetteer_places)
    slot = idx.loose.get("".join(_loose_word(t.key) for t in toks))
    if slot and not any(sp.isupper() and len(sp) <= 5 for _, sp in slot.values()):
        pids = sorted(p for p in slot if p in idx.info and (kinds is None or idx.info[p]["kind"] in kinds))
        if pids:
            return _choose(pids, kind, name if kinds is None else None)[1]
    return ()


def _is_ar(raw: str) -> bool:
    return "\u0600" <= raw[0] <= "\u06ff"


@lru_cache(maxsize=50_000)
def _loose_word(key: str) -> str:
    """``loose_from_normalised`` of one token's key (the same words recur in every text)."""
    return loose_from_normalised(key)


def _proper_nouns(raws: list[str]) -> list[int]:
    """Indices of the tokens that begin with a capital letter, a digit or an Arabic letter.

    Examples
    --------
    >>> _proper_nouns(["in", "Basra", "on", "5", "May", "في", "بغداد"])
    [1, 3, 4, 5, 6]
    """
    initials = "".join(map(itemgetter(0), raws))
    return [k for k in (m.start() for m in _NOT_LOWER_ASCII.finditer(initials))
            if initials[k].isupper() or initials[k].isdigit() or "\u0600" <= initials[k] <= "\u06ff"]


def _gazetteer_places(text: str) -> list[dict]:
    """Longest-match phrase lookup of gazetteer names/aliases (and trap/foreign word lists) over the tokens."""
    idx = _place_index()
    phrases, firsts, max_len, loose, loose_firsts = idx.phrases, idx.firsts, idx.max_len, idx.loose, idx.loose_firsts
    prefixes, loose_prefixes = idx.prefixes, idx.loose_prefixes
    keys, starts, ends, raws, joined = _token_lists(text)
    out: list[dict] = []
    n_toks = len(keys)
    i = 0
    for at in _proper_nouns(raws):  # a phrase starts at a capital, a digit or an Arabic word
        if at < i:
            continue  # inside the phrase found before
        i = at
        key0, raw0 = keys[i], raws[i]
        arabic = _is_ar(raw0)
        heads = _arabic_variants(key0, raw0) if arabic else (key0,)
        heads = [h for h in heads if h in firsts]
        loose0 = "" if arabic else _loose_word(key0)
        if not heads and loose0 not in loose_firsts:
            continue
        hit, hkey = None, ()
        variant = False
        # the longest window of joined tokens first
        top = 1
        while top < max_len and i + top < n_toks and joined[i + top]:
            top += 1
        # no phrase is longer than the longest run of tokens that is the start of one
        lim = 0
        for k in heads:
            j, key = 1, (k,)
            while j < top and key + (keys[i + j],) in prefixes:
                key += (keys[i + j],)
                j += 1
            lim = max(lim, j)
        for n in range(lim, 0, -1):
            rest = tuple(keys[i + 1:i + n])
            for k in heads:
                slot = phrases.get((k, *rest))
                if not slot:
                    continue
                acronym = [sp for _, sp in slot.values() if sp.isupper() and len(sp) <= 5]
                if acronym and not all(r.isupper() for r in raws[i:i + n]):
                    continue
                hit, hkey = (n, slot), (k, *rest)
                break
            if hit:
                break
        if not hit and loose0 in loose_firsts:
            lks = [loose0]  # loose key of the first 1, 2, … tokens, while it starts some loose key
            while len(lks) < top and lks[-1] in loose_prefixes:
                lks.append(lks[-1] + _loose_word(keys[i + len(lks)]))
            for n in range(len(lks), 0, -1):
                slot = loose.get(lks[n - 1])
                if slot and not any(sp.isupper() and len(sp) <= 5 for _, sp in slot.values()):
                    hit, variant = (n, slot), True
                    break
        if not hit:
            continue
        n, slot = hit
        start, end = starts[i], ends[i + n - 1]
        tag = next(iter(slot))
        if tag == "#foreign" and hkey in idx.shadowed:  # "Riyadh sub-district": the Iraqi unit
            hint = _kind_hint(text, start, end)
            if hint and any(idx.info.get(p, {}).get("kind") == hint for p in idx.shadowed[hkey]):
                slot = {p: v for p, v in idx.shadowed[hkey].items() if idx.info[p]["kind"] == hint}
                tag = next(iter(slot))
        if tag.startswith("#"):
            kind = "trap" if tag.startswith("#trap") else "foreign"
            if kind == "foreign":
                st = _US_STATE.match(text, end)  # "TAMPA, Fla."
                if st:
                    end = st.end()
            out.append(dict(kind=kind, start=start, end=end, place_id="", confidence=1.0 if kind == "trap" else 0.9,
                            rule=f"{kind}:list" if kind == "foreign" else "trap" + tag[5:]))
            i += n
            continue
        if n == 1 and key0 in _needs_preposition() and not _PLACE_PREP.search(text, max(0, start - 12), start):
            continue  # "Hit" the verb, not Hit the town
        pids = sorted(slot)
        named = () if variant else tuple(p for p in pids if slot[p][0] in ("name", "name_ar"))
        verdict, pids = _choose(pids, _kind_hint(text, start, end),
                                text[start:end] if variant else slot[pids[0]][1], named)
        if verdict == "place":
            how = "variant" if variant or pids[0] not in slot else slot[pids[0]][0]
            out.append(dict(kind="place", start=start, end=end, place_id=pids[0],
                            confidence={"name": 1.0, "name_ar": 1.0, "alias": 0.95}.get(how, 0.9),
                            rule=f"gazetteer:{how}"))
        else:
            out.append(dict(kind="candidate", start=start, end=end, place_id="", confidence=0.3,
                            rule="ambiguous:" + "|".join(pids)))
        i += n
    return out


_PLACE_PREP = re.compile(r"\b(?:in|near|at|from|to|outside|around|toward|towards)\s+$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _needs_preposition() -> frozenset[str]:
    return frozenset(normalise(w) for w in _rules.load("names").get("needs_preposition", []))


_US_STATE = re.compile(r",\s+(?:Fla|Calif|Va|Md|Texas|Mass|N\.C|Ga)\.?")


# --------------------------------------------------------------------------- word-list rules
_AR_CLASS = {"ا": "[اأإآ]", "أ": "[اأإآ]", "إ": "[اأإآ]", "آ": "[اأإآ]", "ة": "[ةه]", "ه": "[ةه]",
             "ى": "[ىي]", "ي": "[ىي]"}


def _phrase_regex(phrase: str) -> str:
    """A phrase as a regex: flexible spaces/hyphens; Arabic with alef/hamza/ta-marbuta variants and clitics."""
    if is_arabic(phrase):
        body = "".join(_AR_CLASS.get(ch, r"\s+" if ch == " " else re.escape(ch)) for ch in phrase)
        if phrase.startswith("ال"):
            return r"(?<![\w])(?:[وبلف]|وب|ول)?" + body + r"(?![\w])"
        return r"(?<![\w])(?:[وبلف]|وب|ول|وال|بال|لل|ال)?" + body + r"(?![\w])"
    body = re.escape(phrase).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+").replace("'", "'?")
    return r"(?<![\w])" + body + r"(?![\w])"


@lru_cache(maxsize=1)
def _word_rules() -> dict[str, re.Pattern | _rules.RuleSet]:
    r = _rules.load("names")
    speaker = "|".join(_phrase_regex(p) for p in sorted(r["speaker_names"], key=len, reverse=True))
    verbs = _rules.alternation(r["speaker_verbs"])
    return dict(
        trap_suffix=_rules.RuleSet([("trap_suffix", r"\b(?:the\s+)?(?:[A-Z][\w'-]*\s+){1,4}?"
                                     + _rules.alternation(r["trap_suffixes"], escape=True) + r"\b", 0)]),
        # "The U.S. Embassy (in Baghdad) condemns …" / "تدين سفارة الولايات المتحدة"
        speaker=_rules.RuleSet([("speaker", r"(?:" + speaker + r")(?=(?:\s+in\s+Baghdad)?\s+" + verbs + r"\b)",
                                 re.IGNORECASE)]),
        speaker_ar=re.compile(r"(?<=" + r"[\u0600-\u06ff]\s)(?:" + speaker + ")"),
        speaker_ar_verb=re.compile(_rules.alternation([v for v in r["speaker_verbs"] if is_arabic(v)]) + r"\s+$"),
    )


def _trap_spans(text: str) -> list[dict]:
    """Traps that depend on context (a body named after a place, the embassy speaking); lists are in the index."""
    rules = _word_rules()
    out = []
    for key in ("trap_suffix", "speaker"):
        for _, m in _rules.windowed(rules[key], _TRAP_TRIGGER, text, back=80, fwd=60):
            out.append(dict(kind="trap", start=m.start(), end=m.end(), place_id="", confidence=1.0,
                            rule=f"trap:{key}"))
    if _is_arabic_text(text):
        for m in rules["speaker_ar"].finditer(text):
            if rules["speaker_ar_verb"].search(text, max(0, m.start() - 20), m.start()):
                out.append(dict(kind="trap", start=m.start(), end=m.end(), place_id="", confidence=1.0,
                                rule="trap:speaker"))
    return out


def _is_arabic_text(text: str) -> bool:
    return is_arabic(text)


# --------------------------------------------------------------------------- context rules
@lru_cache(maxsize=1)
def _context_rules() -> list[tuple[str, re.Pattern, str, float]]:
    out = []
    for r in _rules.load("context"):
        flags = re.IGNORECASE if "i" in str(r.get("flags", "")) else 0
        out.append((r["place_id"], re.compile(r["pattern"], flags), f"context:{r['rule']}", float(r["confidence"])))
    return out


@lru_cache(maxsize=1)
def _context_combined() -> _rules.RuleSet:
    return _rules.RuleSet([(rule, p.pattern, p.flags & re.IGNORECASE) for _, p, rule, _ in _context_rules()])


def _context_places(text: str) -> list[dict]:
    rules = _context_rules()
    out = []
    for i, m in _rules.windowed(_context_combined(), _CONTEXT_TRIGGER, text, back=80, fwd=80):
        pid, _, rule, conf = rules[i]
        out.append(dict(kind="place", start=m.start(), end=m.end(), place_id=pid, confidence=conf, rule=rule))
    return out


_NAME = r"(?:(?:al-|Al-|el-|Al\s)?[A-Z][\w'-]*(?:[ \t]+(?:al-|Al-|[Aa][ln]-|[Aa]z[ \t])?[A-Z][\w'-]*){0,3})"
_AR_WORD = r"[\u0621-\u064a]{2,}"
_FACILITY = (r"(?:oil\s+refinery|refinery|air\s*base|airbase|air\s+field|airfield|airport|bridge|dam|university|"
             r"mosque|hospital|prison|military\s+base|base|police\s+station|market)")
# the first word of a two-word facility written in capitals after the name ("Beiji Oil Refinery")
_FACILITY_HEAD = re.compile(r"[ \t]+(?:Oil|Air|Military|Police)$")
_GOV_KINDS = frozenset({"governorate"})
_TOWN_KINDS = frozenset({"city", "district"})
# (rule, regex, group of the name, kinds the name must be, span: "all" or "name", confidence)
_PATTERNS: list[tuple[str, re.Pattern, set[str] | None, str, float]] = [
    ("province_of", re.compile(r"\b(?:the\s+)?(?:province|governorate)\s+of\s+(" + _NAME + ")"), _GOV_KINDS, "all", 0.9),
    ("x_province", re.compile(r"\b(" + _NAME + r")\s+(?:[Pp]rovince|[Gg]overnorate)\b"), _GOV_KINDS, "all", 0.9),
    ("city_of", re.compile(r"\b(?:the\s+)?(?:city|town|village|district)\s+of\s+(" + _NAME + ")"), _TOWN_KINDS, "name", 0.9),
    ("x_district", re.compile(r"\b(?<=in\s)(" + _NAME + r")\s+[Dd]istrict\b"), None, "name", 0.85),
    ("direction_of", re.compile(r"\b(?:north|south|east|west|northeast|northwest|southeast|southwest|outside|"
                                r"near|around)(?:ern)?\s+(?:of\s+)?(" + _NAME + ")"), None, "name", 0.8),
    ("facility", re.compile(r"\b(?:the\s+)?(" + _NAME + r")\s+(?:[Oo]il\s+)?(?i:" + _FACILITY + r")\b"), None, "all", 0.6),
    ("ar_governorate", re.compile(r"(?<![\w])[وبل]?محافظة\s+(" + _AR_WORD + ")"), _GOV_KINDS, "all", 0.9),
    ("ar_town", re.compile(r"(?<![\w])[وبل]?(?:مدينة|قضاء|ناحية|بلدة|منطقة)\s+(" + _AR_WORD + ")"), _TOWN_KINDS, "name", 0.85),
    ("ar_region", re.compile(r"(?<![\w])[وبل]?(?:إقليم|اقليم)\s+(" + _AR_WORD + ")"), None, "all", 0.85),
]


_PARTICLE_AFTER = re.compile(r"[ \t]+[a-z]{1,3}-[A-Z][\w'-]*")  # " ez-Zor" after "Deir"
_POSSESSIVE = re.compile(r"[A-Z][a-z]+['’]s\s+(?=[A-Z])")


class _Sub:
    """Group 1 (the name) of a pattern rule's match, with the name's start movable."""

    def __init__(self, m: re.Match):
        self._m, self._name, self._s = m, m.group(1), m.start(1)

    def cut(self, n: int) -> None:
        """Drop the first ``n`` characters of the name."""
        self._s += n
        self._name = self._name[n:]

    def trim(self, n: int) -> None:
        """Keep the first ``n`` characters of the name."""
        self._name = self._name[:n]

    def start(self, k: int = 0) -> int:
        return self._s if k else self._m.start()

    def end(self, k: int = 0) -> int:
        return self._s + len(self._name) if k else self._m.end()

    def group(self, k: int = 0) -> str:
        return self._name if k else self._m.group()


@lru_cache(maxsize=1)
def _patterns_combined() -> _rules.RuleSet:
    return _rules.RuleSet([(r[0], r[1].pattern, 0) for r in _PATTERNS])


# the context, pattern and trap rules only run near one of these words (see _rules.windowed)
_PATTERN_TRIGGER = _rules.trigger(["province", "governorate", "city", "town", "village", "district", "north", "south",
                                   "east", "west", "outside", "near", "around", "refinery", "base", "airbase", "airport",
                                   "field", "bridge", "dam", "university", "mosque", "hospital", "prison", "station",
                                   "market", "محافظة", "مدينة", "قضاء", "ناحية", "بلدة", "منطقة", "إقليم", "اقليم"])
_CONTEXT_TRIGGER = _rules.trigger(["home", "house", "residence", "villa", "Green", "fortified", "government",
                                   "embassy", "Embassy", "shrine", "Kadhim"])
_TRAP_TRIGGER = _rules.trigger(["provincial", "Operations", "Military", "Internal", "Storm", "embassy", "Embassy",
                                "سفارة", "السفارة"])


def _pattern_places(text: str) -> list[dict]:
    """Names in context phrases: "the city of X", "X province", "north of X", "the X refinery"."""
    out = []
    for k, m in _rules.windowed(_patterns_combined(), _PATTERN_TRIGGER, text, back=60, fwd=60):
        rule, _, kinds, span, conf = _PATTERNS[k]
        name = m.group(1)
        if m.start(1) and text[m.start(1) - 1] == "-":
            continue  # the end of a hyphenated name: "Zor province" of "Deir ez-Zor province"
        more = _PARTICLE_AFTER.match(text, m.end(1))
        if more and _listed(name + more.group()):
            continue  # "the province of Deir ez-Zor": a foreign name the pattern cut short
        m = _Sub(m)
        lead = _POSSESSIVE.match(name)  # "in Iraq's Qaim district": the name is Qaim
        if lead:
            name = name[lead.end():]
            m.cut(lead.end())
        if rule == "facility":
            tail = _FACILITY_HEAD.search(name)  # "Beiji Oil Refinery": the name is Beiji
            if tail and tail.start() > 0:
                name = name[:tail.start()]
                m.trim(len(name))
        if True:
            hint = _kind_hint(text, m.start(1), m.end(1)) if kinds is not _GOV_KINDS else None
            pids = _lookup(name, kinds, hint) or (_lookup(name, None, hint) if kinds is _TOWN_KINDS else [])
            s, e = (m.start(), m.end()) if span == "all" else (m.start(1), m.end(1))
            if rule == "facility":
                phrase = text[m.start(1):m.end()]
                whole = _lookup(phrase)
                if not whole:
                    status, pid, _, _ = _geocode_one(phrase)
                    if status in ("matched", "fuzzy") and pid and _place_index().info[pid]["kind"] not in _TOWN_KINDS:
                        whole = [pid]
                if len(whole) == 1:  # the facility itself is in the gazetteer
                    out.append(dict(kind="place", start=m.start(1), end=m.end(), place_id=whole[0],
                                    confidence=0.95, rule="context:facility"))
                    continue
                s = m.start(1)
            if len(pids) == 1:
                out.append(dict(kind="place", start=s, end=e, place_id=pids[0], confidence=conf,
                                rule=f"context:{rule}" + (":town" if rule == "facility" else "")))
            elif not pids:
                first = normalise(name.split()[0]) if name.split() else ""
                if first and first not in _not_places() and not _listed(name):
                    out.append(dict(kind="candidate", start=s, end=e, place_id="", confidence=0.3,
                                    rule=f"candidate:{rule}"))
    return out


@lru_cache(maxsize=50_000)
def _listed(name: str) -> bool:
    """True when ``name`` (exactly or as a spelling variant) is on the trap or foreign word lists.

    "Deir ez-Zor province" is the Syrian province, never a candidate Iraqi one.
    """
    idx = _place_index()
    key = _phrase_key(name)
    if not key:
        return False
    slot = idx.phrases.get(key)
    if slot is None and not is_arabic(key[0]):
        slot = idx.loose.get("".join(_loose_word(k) for k in key))
    return bool(slot) and any(p.startswith("#") for p in slot)


# --------------------------------------------------------------------------- candidates
_CANDIDATE = re.compile(r"\b(?:in|near|at|on|outside|inside|around|from|towards?)\s+(?:the\s+)?(" + _NAME + ")")
_CANDIDATE_LIST = re.compile(r"\b(?:in|near|at|around|from|towards?|of)\s+(?:the\s+)?" + _NAME
                             + r"((?:\s*,\s*(?:and\s+)?" + _NAME + r")+|\s+and\s+" + _NAME + ")")
_AR_CANDIDATE = re.compile(r"(?<![\w])(?:في|قرب|من|الى|إلى|نحو)\s+(" + _AR_WORD + ")")


@lru_cache(maxsize=1)
def _not_places() -> frozenset[str]:
    cal = _rules.load("calendar")
    words = [w for ws in cal["months"].values() for w in ws] + [w for ws in cal["weekdays"].values() for w in ws]
    return frozenset(normalise(w) for w in words + _rules.load("names")["not_places"] + list(_KIND_WORDS))


@lru_cache(maxsize=1)
def _geocoder():
    from iraq_atlas.places.geocoding import Geocoder

    g = _OVERRIDE[0]
    if g is not None and "geometry" not in g.columns:
        import geopandas as gpd

        g = gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g.lon, g.lat), crs="EPSG:4326")
    return Geocoder(g)


@lru_cache(maxsize=50_000)
def _geocode_one(name: str) -> tuple[str, str, float, str]:
    """(status, place_id, confidence, candidates) of the Geocoder's answer for one name.

    The answer of ``Geocoder.geocode_names([name])`` (same keys, same resolution
    order) without building its one-row GeoDataFrame, which costs far more than the
    look-up itself; the geoparser's Geocoder has no online fallback.
    """
    g = _geocoder()
    hit = g._resolve_many(g._composites([name]))[0]
    if hit.place_id is not None:
        return hit.status, hit.place_id, float(hit.confidence or 0), ""
    return hit.status, "", float(hit.confidence or 0), "|".join(hit.candidates)


def _candidate_places(text: str, taken: Spans) -> list[dict]:
    out = []
    stop = _not_places()
    for m in _CANDIDATE.finditer(text):
        start = m.start(1)
        name = m.group(1).rstrip("'")
        lead = re.match(r"[A-Z][a-z]+'s\s+(?=[A-Z])", name)  # "Iraq's Camp Taji" → "Camp Taji"
        if lead:
            start += lead.end()
            name = name[lead.end():]
        if name.endswith("'s"):
            name = name[:-2]
        end = start + len(name)
        words = name.split()
        first = normalise(words[0]) or words[0].lower()
        if first in stop or normalise(name) in stop or re.fullmatch(r"[A-Z]", name):
            continue
        if taken.overlaps(start, end):
            continue
        out.append(dict(kind="candidate", start=start, end=end, place_id="", confidence=0.2,
                        rule="candidate:after_preposition"))
    # "in Tal Afar, Akashat, Haditha and Rayhanna": the rest of a list after a preposition
    for m in _CANDIDATE_LIST.finditer(text):
        for n in re.finditer(_NAME, m.group(1)):
            s0, e0 = m.start(1) + n.start(), m.start(1) + n.end()
            key = normalise(n.group())
            if key and key.split()[0] not in stop and not taken.overlaps(s0, e0):
                out.append(dict(kind="candidate", start=s0, end=e0, place_id="", confidence=0.2,
                                rule="candidate:list"))
    for m in _AR_CANDIDATE.finditer(text) if _is_arabic_text(text) else ():  # Arabic words only
        if not taken.overlaps(m.start(1), m.end(1)) and normalise(m.group(1)) not in stop:
            out.append(dict(kind="candidate", start=m.start(1), end=m.end(1), place_id="", confidence=0.2,
                            rule="candidate:after_preposition"))
    return out


@lru_cache(maxsize=1)
def _ambiguous_alone() -> frozenset[str]:
    """Keys of the names never resolved on their own (``ambiguous_aliases`` of ``rules/names.yaml``)."""
    return frozenset(normalise(w) for w in _rules.load("names")["ambiguous_aliases"])


def _resolve_candidates(cands: list[dict], text: str) -> list[dict]:
    """Give candidates the offline geocoder's exact/fuzzy answer when it has one (misspellings)."""
    out = []
    alone = _ambiguous_alone()
    for c in cands:
        name = text[c["start"]:c["end"]]
        if normalise(name) in alone:  # "a statement from Sadr": the cleric, not Sadr City
            out.append(c)
            continue
        status, pid, conf, alts = _geocode_one(name)
        fuzzy_ok = not is_arabic(name) and len(name) >= 5
        if pid and (status == "matched" or (status == "fuzzy" and fuzzy_ok)):
            c = {**c, "kind": "place", "place_id": pid, "confidence": round(conf * 0.9, 3),
                 "rule": f"geocoder:{status}"}
        elif status == "ambiguous":
            c = {**c, "rule": f"ambiguous:{alts}"}
        elif status == "foreign":  # a place outside Iraq: named as such, never given a point
            c = {**c, "kind": "foreign", "place_id": "", "confidence": 0.8, "rule": "foreign:geocoder"}
        out.append(c)
    return out


# --------------------------------------------------------------------------- extension and anaphora
_GENERIC_AFTER = re.compile(r"[ \t]+(airport|air\s*base|airbase|base|bridge|square|palace|hotel|embassy)\b",
                            re.IGNORECASE)


def _extend_places(places: list[dict], text: str) -> list[dict]:
    """"Bagdad airport": a city followed by a generic noun is re-geocoded as one name."""
    out = []
    for p in places:
        m = _GENERIC_AFTER.match(text, p["end"])
        if p["kind"] == "place" and m and p["rule"].startswith("gazetteer"):
            status, pid, conf, _ = _geocode_one(text[p["start"]:m.end()])
            if status in ("matched", "fuzzy") and pid and pid != p["place_id"]:
                p = {**p, "end": m.end(), "place_id": pid, "confidence": round(conf * 0.9, 3),
                     "rule": f"geocoder:{status}"}
        out.append(p)
    return out


_ANAPHORA = re.compile(r"\bthe\s+(airport|air\s*base|base|embassy)\b(?!\s+of\b)")
_ANAPHORA_KINDS = {"airport": {"airport"}, "base": {"base", "airport"}, "airbase": {"base"}, "embassy": {"embassy"}}


def _anaphora_places(places: list[dict], text: str, taken: Spans) -> list[dict]:
    """"the airport", "the base": the last place of that kind named before, in the same text."""
    info = _place_index().info
    last: dict[str, dict] = {}  # kind → last place of that kind seen so far
    events = sorted([(p["start"], 0, p) for p in places if p["kind"] == "place"]
                    + [(m.start(), 1, m) for m in _ANAPHORA.finditer(text)], key=lambda t: (t[0], t[1]))
    out = []
    for _, what, obj in events:
        if what == 0:
            k = info.get(obj["place_id"], {}).get("kind")
            if k:
                last[k] = obj
            continue
        m = obj
        if taken.overlaps(m.start(), m.end()):
            continue
        want = _ANAPHORA_KINDS[re.sub(r"\s+", "", m.group(1).lower())]
        before = [last[k] for k in want if k in last and last[k]["end"] <= m.start()]
        if before:
            prev = max(before, key=lambda p: p["end"])
            out.append(dict(kind="place", start=m.start(), end=m.end(), place_id=prev["place_id"],
                            confidence=0.6, rule="context:anaphora"))
    return out


# --------------------------------------------------------------------------- whole-text evidence
_EVIDENCE_PLACES = 20  # resolved places on each side looked at for an ambiguous name


def _resolve_with_text(mentions: list[dict]) -> list[dict]:
    """Ambiguous names: the reading whose governorate the text names elsewhere (nearest first) wins."""
    info = _place_index().info
    resolved = [m for m in mentions if m["kind"] == "place" and m["place_id"] in info]
    if not resolved:
        return mentions
    starts = [r["start"] for r in resolved]
    out = []
    for m in mentions:
        if m["kind"] == "candidate" and m["rule"].startswith("ambiguous:"):
            pids = [p for p in re.split(r"[|,()' ]+", m["rule"].split(":", 1)[1]) if p in info]
            i = bisect_right(starts, m["start"])
            near = resolved[max(0, i - _EVIDENCE_PLACES):i + _EVIDENCE_PLACES]  # the nearest places only
            for r in sorted(near, key=lambda r: abs(r["start"] - m["start"])):
                iso = info[r["place_id"]]["governorate_iso"]
                fit = [p for p in pids if info[p]["governorate_iso"] == iso]
                if len(fit) == 1:
                    m = {**m, "kind": "place", "place_id": fit[0], "confidence": 0.7,
                         "rule": "resolved:governorate_in_text"}
                    break
        out.append(m)
    return out


def place_mentions(clean: str, taken: Spans | None = None) -> list[dict]:
    """All place-like mentions of a clean text: places, candidates and foreign places.

    Parameters
    ----------
    clean : str
        Cleaned text (offsets refer to it).
    taken : Spans, optional
        Spans already claimed by other mention kinds (dates); candidates never overlap them.

    Returns
    -------
    list of dict
        Mentions sorted by start; trap markers are not returned.

    Examples
    --------
    >>> [m["place_id"] for m in place_mentions("Clashes in Baghdad.") if m["kind"] == "place"]
    ['capital_baghdad']
    """
    taken = taken or Spans()
    # traps first: a name inside an armed group's or a body's name is never a place; the text
    # around them is searched with the trap spans blanked out (same length, offsets unchanged)
    traps = non_overlapping(_trap_spans(clean))
    masked = clean
    if traps:
        parts, pos = [], 0
        for t in traps:
            parts += [clean[pos:t["start"]], " " * (t["end"] - t["start"])]
            pos = t["end"]
        masked = "".join(parts) + clean[pos:]
    found = traps + non_overlapping(_context_places(masked) + _gazetteer_places(masked) + _pattern_places(masked))
    found = _extend_places(found, clean)
    claimed = Spans()
    for p in non_overlapping(found):
        claimed.add(p["start"], p["end"])
    found += _anaphora_places(found, masked, claimed)
    for p in found:
        if p["kind"] == "place" and p["rule"] == "context:anaphora":
            claimed.add(p["start"], p["end"])
    cands = [c for c in _candidate_places(masked, claimed) if not taken.overlaps(c["start"], c["end"])]
    found = non_overlapping(found + _resolve_candidates(cands, clean))
    found = _resolve_with_text(found)
    return [p for p in found if p["kind"] != "trap"]

