"""Spelling normalisation for place names in English transliteration and Arabic script.

Two spellings that a reader would call the same name map to the same key:
case, diacritics, punctuation, the Arabic article (al-, el-, ال), alef and
hamza forms, ta marbuta, alef maqsura, tatweel and harakat are all ignored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ی": "ي", "ک": "ك", "ء": "",
    # harakat, Quranic marks and tatweel (the characters of _ARABIC_DIACRITICS) are dropped
    **{chr(c): None for r in ((0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED),
                              (0x0640, 0x0640)) for c in range(r[0], r[1] + 1)},
})
# the article at the start of a word ("al-" as ال, "and the" as وال) when two letters remain
_ARABIC_ARTICLE = re.compile(r"(?<!\S)(?:وال|ال)(?=\S\S)")
_ARABIC_CHARS = re.compile("[\u0600-\u06ff]")
_LATIN_ARTICLES = {"al", "el", "ad", "adh", "an", "ar", "as", "ash", "at", "az", "the"}
_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# apostrophes and ayn/hamza marks inside transliterations are dropped, not spaced
_GLOTTAL = re.compile("[’'ʿʾ`‘ʼ]")


def is_arabic(text: str) -> bool:
    """True when the text contains Arabic script.

    Parameters
    ----------
    text : str
        Any text (None counts as empty).

    Returns
    -------
    bool
        Whether one character of it is Arabic script.

    Examples
    --------
    >>> is_arabic("بغداد"), is_arabic("Baghdad")
    (True, False)
    """
    return bool(_ARABIC_CHARS.search(text or ""))


def _normalise_arabic(text: str) -> str:
    text = _NON_WORD.sub(" ", text.translate(_ARABIC_MAP))
    return _ARABIC_ARTICLE.sub("", text)


def _normalise_latin(text: str) -> str:
    if not text.isascii():  # ASCII has no diacritics to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _GLOTTAL.sub("", text.casefold())
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    words = [w for w in text.split() if w not in _LATIN_ARTICLES]
    return " ".join(words)


@lru_cache(maxsize=200_000)
def normalise(text: str) -> str:
    """The comparison key of a name: same key, same name for matching purposes."""
    if not text:
        return ""
    out = _normalise_arabic(text) if is_arabic(text) else _normalise_latin(text)
    return _SPACES.sub(" ", out).strip()


# ASCII text in one pass: glottal marks go, other punctuation and "_" become spaces, letters lower-case
_ASCII_MAP = str.maketrans({
    chr(c): ("" if _GLOTTAL.match(chr(c)) else " " if (_NON_WORD.match(chr(c)) or chr(c) == "_")
             else chr(c).casefold()) for c in range(128)})
_SEP = "\n"  # whitespace: no rule reads across it, so many names can be rewritten as one text


# _ARABIC_MAP as plain replacements (faster than translate on long Arabic text; no output is an input)
_ARABIC_REPLACE = [(a, b) for a, b in (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"),
                                       ("ؤ", "و"), ("ئ", "ي"), ("ی", "ي"), ("ک", "ك"), ("ء", ""))]


_ARABIC_TO_END = re.compile("[\u0600-\u06ff][^\n]*")  # one match per line with Arabic (see is_arabic)


def lines_matching(pattern: re.Pattern, text: str) -> set[int]:
    """Numbers (from 0) of the lines of ``text`` in which ``pattern`` (which never matches a line break) matches."""
    starts = [m.start() for m in pattern.finditer(text)]
    if not starts:
        return set()
    import numpy as np  # here, not at the top: normalise() serves the command line without numpy

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    breaks = np.flatnonzero(codes == 10)
    return set(np.searchsorted(breaks, starts, side="left").tolist())


def texts_matching(pattern: re.Pattern, texts: list[str]) -> set[int]:
    """Indices of the ``texts`` (none containing a line break) in which ``pattern`` finds a match.

    The pattern must not match a line break: it runs once over all texts joined by line breaks.
    """
    return lines_matching(pattern, _SEP.join(texts)) if texts else set()


# _ARABIC_ARTICLE with the letters first (the regex engine then skips to them); the same matches
_ARABIC_ARTICLE_FAST = re.compile(r"(?:ال(?<!\S..)|وال(?<!\S...))(?=\S\S)")


_ARTS = sorted(_LATIN_ARTICLES, key=len, reverse=True)
# lines whose words are not already joined by single spaces, or (Latin) that hold an article word
_UNTIDY = re.compile(r"[^\S\n ]|  |^ | $", re.M)
_UNTIDY_LATIN = re.compile(r"[^\S\n ]|  |^ | $|(?:" + "|".join(a + "(?<!\\S" + "." * len(a) + ")" for a in _ARTS)
                           + r")(?!\S)", re.M)


def _tidy_lines(text: str, articles: bool) -> list[str]:
    """``" ".join(line.split())`` for each line of ``text`` (without Latin article words if ``articles``)."""
    lines = text.split(_SEP)
    arts = _LATIN_ARTICLES
    for k in lines_matching(_UNTIDY_LATIN if articles else _UNTIDY, text):
        words = lines[k].split()
        lines[k] = " ".join([w for w in words if w not in arts] if articles else words)
    return lines


def normalise_many(texts: list[str]) -> list[str]:
    """:func:`normalise` of many strings at once, the same keys (no cache is read or filled).

    Plain ASCII names, Latin names with diacritics and Arabic names are each joined into one
    text, rewritten with one ``translate`` or regular-expression pass per rule, and split
    again: the per-call cost of the rules, not the characters, dominates for short names.
    Names containing a line break go one by one.

    Parameters
    ----------
    texts : list of str
        Names (each a ``str``).

    Returns
    -------
    list of str
        ``[normalise(t) for t in texts]``.
    """
    n = len(texts)
    joined = _SEP.join(texts)
    if n == 0 or joined.count(_SEP) != n - 1:
        return [normalise(t) for t in texts]
    import numpy as np

    # the script of each name from its code points: ASCII, Arabic (any Arabic letter), other
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    line = np.cumsum(codes == 10)
    non_ascii = np.zeros(n, bool)
    non_ascii[line[codes > 127]] = True
    arabic = np.zeros(n, bool)
    arabic[line[(codes >= 0x600) & (codes <= 0x6FF)]] = True
    out = np.full(n, "", dtype=object)
    groups = ((np.flatnonzero(~non_ascii), "ascii"), (np.flatnonzero(arabic), "arabic"),
              (np.flatnonzero(non_ascii & ~arabic), "latin"))
    for at, script in groups:
        if not len(at):
            continue
        part = _SEP.join([texts[i] for i in at.tolist()]) if len(at) < n else joined
        if script == "arabic":
            for a, b in _ARABIC_REPLACE:
                if a in part:
                    part = part.replace(a, b)
            part = _ARABIC_ARTICLE_FAST.sub("", _NON_WORD.sub(" ", _ARABIC_DIACRITICS.sub("", part)))
            out[at] = _tidy_lines(part, articles=False)
        else:
            if script == "ascii":
                part = part.translate(_ASCII_MAP)
            else:  # _normalise_latin over the joined text (NFKD and casefold never cross a line break)
                part = unicodedata.normalize("NFKD", part)
                part = "".join([ch for ch in part if not unicodedata.combining(ch)])
                part = _NON_WORD.sub(" ", _GLOTTAL.sub("", part.casefold())).replace("_", " ")
            out[at] = _tidy_lines(part, articles=True)
    return out.tolist()


# -- spelling variants by rule ------------------------------------------------------------
# Each rule is a pair of regular expressions over one lower-case Latin word: the form it
# rewrites and the canonical form it rewrites to. :func:`loose_key` applies them all, so two
# spellings that differ only by these rules share a key; :func:`spelling_variants` spells the
# alternatives out (for display and tests).
_TAL = re.compile(r"^(?:tal|tel|tell|tall|til)$")
_DOUBLE = re.compile(r"([a-z])\1+")

#: The rules, in the order they are applied: name → (what it does, example pair).
VARIANT_RULES: dict[str, tuple[str, tuple[str, str]]] = {
    "article": ("the article al-/el-/ad-/ash-/… and ال is dropped", ("al-Qaim", "Qaim")),
    "glottal": ("hamza, ʿayn and apostrophes are dropped", ("Qa'im", "Qaim")),
    "tal": ("Tal, Tel, Tell, Tall, Til (hill) are one word, also written together", ("Telafar", "Tal Afar")),
    "final_iya": ("final -iya, -iyah, -iyya, -ia (and -ya after a consonant) are one ending",
                  ("Diwaniyah", "Diwaniya")),
    "final_ah": ("final -ah/-eh after a consonant is -a", ("Fallujah", "Falluja")),
    "ou": ("ou, oo and o are u (Arabic writes no o)", ("Khormato", "Khurmatu")),
    "ee": ("ee is i", ("Heet", "Hit")),
    "double": ("doubled letters count once", ("Qayyarah", "Qayarah")),
    "ei": ("ei, ey and ay are ai", ("Beiji", "Baiji")),
    "spaces": ("spaces and hyphens are ignored", ("Tal Afar", "Talafar")),
}


_W_TAL = re.compile(r"\b(?:tal|tel|tell|tall|til)\b|\b(?:tel|til|tell|tall)(?=[a-z]{3})")
_W_FINAL_IYA = re.compile(r"(?:iyyah|iyya|iyah|iyeh|iya|ia|(?<=[^aeiou ])yah|(?<=[^aeiou ])ya)\b")
_W_FINAL_AH = re.compile(r"(?<=[^aeiou ])(?:ah|eh)\b")


@lru_cache(maxsize=200_000)
def loose_from_normalised(key: str) -> str:
    """:func:`loose_key` of text that is already a :func:`normalise` key (skips normalising again).

    The rules run over the whole key at once (word ends are ``\\b``), then spaces go.

    Examples
    --------
    >>> loose_from_normalised(normalise("Tel Afar"))
    'talafar'
    """
    if not key:
        return ""
    if is_arabic(key):
        return key.replace(" ", "")
    if "t" in key:
        key = _W_TAL.sub("tal", key)
    key = key.replace("ou", "u").replace("oo", "u").replace("o", "u").replace("ee", "i")
    key = _DOUBLE.sub(r"\1", key)
    key = _W_FINAL_AH.sub("a", _W_FINAL_IYA.sub("iya", key))
    return key.replace("ei", "ai").replace("ey", "ai").replace("ay", "ai").replace(" ", "")


@lru_cache(maxsize=200_000)
def loose_key(text: str) -> str:
    """A looser comparison key: :func:`normalise` plus the rules of :data:`VARIANT_RULES`.

    Parameters
    ----------
    text : str
        A place name in Latin transliteration or Arabic script.

    Returns
    -------
    str
        The key; spellings that differ only by the rules share it.

    Examples
    --------
    >>> loose_key("Heet") == loose_key("Hit")
    True
    >>> loose_key("Tel Afar") == loose_key("Tal-Afar") == loose_key("Talafar")
    True
    >>> loose_key("Al-Qa'im") == loose_key("Qaim")
    True
    """
    return loose_from_normalised(normalise(text))


def spelling_variants(name: str) -> set[str]:
    """Spellings of ``name`` that the rules of :data:`VARIANT_RULES` make equivalent.

    Not exhaustive (the rules combine freely); :func:`loose_key` is what matching uses.

    Parameters
    ----------
    name : str
        A Latin-script place name.

    Returns
    -------
    set of str
        The name itself and its variants, all sharing one :func:`loose_key`.

    Examples
    --------
    >>> sorted(spelling_variants("Fallujah"))[:4]
    ['Al-Falluja', 'Al-Fallujah', 'El-Falluja', 'El-Fallujah']
    """
    out = {name}
    words = name.split()
    last = words[-1] if words else ""
    alt: set[str] = set()
    for pat, rep in ((r"iyah$", "iya"), (r"iya$", "iyah"), (r"([^aeiou])ah$", r"\1a"), (r"([^aeiou])a$", r"\1ah"),
                     (r"ou", "u"), (r"ee", "i"), (r"ei", "ai"), (r"ai", "ei")):
        new = re.sub(pat, rep, last)
        if new != last:
            alt.add(" ".join(words[:-1] + [new]))
    if words and _TAL.match(words[0].lower()):
        for t in ("Tal", "Tel", "Tell"):
            alt.add(" ".join([t] + words[1:]))
    out |= alt
    bare = {re.sub(r"^(?:[Aa]l|[Ee]l)[- ]", "", n) for n in out}
    out |= bare
    out |= {p + n for n in bare for p in ("Al-", "al-", "El-")}
    return {v for v in out if loose_key(v) == loose_key(name)}
