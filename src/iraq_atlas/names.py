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
})
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
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_MAP)
    text = _NON_WORD.sub(" ", text)
    words = []
    for w in text.split():
        if w.startswith("وال") and len(w) > 4:  # "and the …"
            w = w[3:]
        elif w.startswith("ال") and len(w) > 3:
            w = w[2:]
        words.append(w)
    return " ".join(words)


def _normalise_latin(text: str) -> str:
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
