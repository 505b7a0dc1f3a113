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
