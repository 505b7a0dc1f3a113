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
    """True when the text contains Arabic script."""
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
    "ou": ("ou and oo are u", ("Mahmoudiya", "Mahmudiya")),
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
    key = key.replace("ou", "u").replace("oo", "u").replace("ee", "i")
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
