"""The fast geocoding path gives exactly the answers of the reference implementation.

The reference is the straightforward implementation of ``geocoding.py`` and ``names.py``
as of commit ``REF_COMMIT`` (before the batch normalisation, the vectorised fuzzy path
and the cached index), loaded from git into private modules. Many generated queries --
exact names, aliases, Arabic spellings with and without the article and with harakat or
tatweel, rule variants, misspellings, governorate and kind hints, foreign names and junk --
go through both; every column of every row must agree (status, place_id, lat/lon,
candidates, confidence, notes, dtypes and the point geometry). Nothing is written to disk.
"""

from __future__ import annotations

import random
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iraq_atlas.places import geocoding, names
from iraq_atlas.places.gazetteer import expand_aliases, foreign_names, gazetteer
from iraq_atlas.places.governorates import load_governorates

REF_COMMIT = "b4902e42516164c58d9e21155329b100668816a4"
ROOT = Path(__file__).resolve().parents[2]


def _git_show(path: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "show", f"{REF_COMMIT}:{path}"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


@pytest.fixture(scope="module")
def ref():
    """(reference names module, reference geocoding module) from REF_COMMIT."""
    names_src = _git_show("src/iraq_atlas/places/names.py")
    geo_src = _git_show("src/iraq_atlas/places/geocoding.py")
    if names_src is None or geo_src is None:
        pytest.skip(f"reference commit {REF_COMMIT[:10]} is not in this checkout's git history")
    ref_names = types.ModuleType("_ref_place_names")
    sys.modules[ref_names.__name__] = ref_names
    exec(compile(names_src, "ref/names.py", "exec"), ref_names.__dict__)  # noqa: S102
    geo_src = geo_src.replace("from iraq_atlas.places.names import", "from _ref_place_names import")
    ref_geo = types.ModuleType("_ref_place_geocoding")
    sys.modules[ref_geo.__name__] = ref_geo
    exec(compile(geo_src, "ref/geocoding.py", "exec"), ref_geo.__dict__)  # noqa: S102
    yield ref_names, ref_geo
    sys.modules.pop(ref_names.__name__, None)
    sys.modules.pop(ref_geo.__name__, None)


def _misspell(word: str, rng: random.Random, edits: int) -> str:
    chars = list(word)
    for _ in range(edits):
        inner = [i for i in range(1, len(chars) - 1) if chars[i].isalpha()]
        if not inner:
            break
        i = rng.choice(inner)
        op = rng.randrange(4)
        if op == 0:
            del chars[i]
        elif op == 1:
            chars.insert(i, chars[i])
        elif op == 2 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice("aeiouhkqstyz")
    return "".join(chars)


def _arabic_forms(word: str, rng: random.Random) -> list[str]:
    out = [word]
    out.append(word[2:] if word.startswith("ال") else "ال" + word)
    for a, b in (("ة", "ه"), ("ا", "أ"), ("ا", "إ"), ("ي", "ى"), ("ه", "ة")):
        if a in word:
            out.append(word.replace(a, b, 1))
    if len(word) > 2:
        i = rng.randrange(1, len(word) - 1)
        out.append(word[:i] + rng.choice(["\u0640", "\u064e", "\u0651", "\u064b"]) + word[i:])
    out.append("و" + word)
    out.append(word + " ، " + word)
    return out


def queries() -> list:
    """A fixed, generated list of queries (about 25,000) of every kind the geocoder meets."""
    rng = random.Random(20240601)
    places = gazetteer()
    spell = pd.concat([expand_aliases(places), expand_aliases(foreign_names())], ignore_index=True)
    spellings = sorted(set(spell.spelling.dropna()))
    latin = [s for s in spellings if not names.is_arabic(s)]
    arabic = [s for s in spellings if names.is_arabic(s)]
    govs = load_governorates()
    gov_words = sorted({str(v) for col in ("name_en", "name_ar", "iso_3166_2") if col in govs for v in govs[col].dropna()})
    gov_words += ["Anbar", "Ninawa", "Nineveh", "Salahuddin", "Diyala", "Basra", "Baghdad", "Kirkuk", "Erbil",
                  "Dohuk", "Sulaymaniyah", "Babil", "Karbala", "Najaf", "Wasit", "Maysan", "Muthanna",
                  "Qadisiyah", "Dhi Qar", "Halabja", "nowhere"]
    out: list = []
    out += spellings
    for s in latin:
        out += [s.upper(), s.lower(), f"  {s}  ", f"al-{s}", f"El {s}", s.replace(" ", "-"), s.replace("-", " ")]
        out += sorted(names.spelling_variants(s))[:6]
        for edits in (1, 1, 2):
            out.append(_misspell(s, rng, edits))
    for s in arabic:
        out += _arabic_forms(s, rng)
        out.append(_misspell(s, rng, 1))
    sample = rng.sample(latin, min(len(latin), 600)) + rng.sample(arabic, min(len(arabic), 200))
    for s in sample:
        g = rng.choice(gov_words)
        out += [f"{s}, {g}", f"{s} ({g})", f"{s}، {g}", f"{s} province", f"{s} Governorate",
                f"Province of {s}", f"{s} district", f"{s} qada", f"nahiyat {s}", f"{s} sub-district",
                f"محافظة {s}", f"قضاء {s}", f"ناحية {s}", f"{_misspell(s, rng, 1)}, {g}"]
    out += ["Hit, Anbar", "Heet (Anbar)", "Anbar province", "Nineveh Province", "محافظة الأنبار", "Heet district",
            "nahiyat Amirli", "Damascus", "Tehran", "Kuwait City", "Aleppo", "Baghdad", "Saladin", "Wasit",
            "Kadhimi's house", "Qa'im", "Al-Qa’im", "Tel Afar", "Tal-Afar", "Talafar", "Fallujah", "Falluja",
            "Ramadi, Baghdad", "Mosul (Basra)", "Samarra, nowhere", ", Anbar", "(Anbar)", "province", "district"]
    # junk
    alphabet = "abcdefghijklmnopqrstuvwxyz  -'’.,()_0123456789ابتثجحخدذرزسشصضطظعغفقكلمنهوي" + "\u064e\u0640"
    for _ in range(2500):
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 18))))
    out += ["", " ", "\t", "\n", "Hit\nAnbar", "Ramadi\n", "\x1f", "a\x1fb", "---", "'''", "12345", "Ḥīt",
            "Mosul—Iraq", "ﬁsh", "Straße", "İstanbul", "ß", "Ǆ", "\u00a0Hit\u00a0", "Hit\u2003Anbar", "ٱلرمادي",
            None, np.nan, float("nan"), 12, 3.5, "None", "nan", "Ḥadītha", "Kirkūk", "Baʿqūba"]
    return out


QUERIES = queries()


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    assert new.dtypes.to_dict() == old.dtypes.to_dict()
    assert new.crs == old.crs
    plain = [c for c in new.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(new[plain]), pd.DataFrame(old[plain]), check_exact=True)
    a, b = new.geometry.to_wkb(), old.geometry.to_wkb()
    assert (a.isna() == b.isna()).all()
    diff = ~((a == b) | a.isna())
    assert not diff.any(), new[diff].head()


def test_queries_are_many_and_varied():
    assert len(QUERIES) >= 20_000


def test_normalise_and_loose_keys_match_the_reference(ref):
    ref_names, _ = ref
    texts = [q for q in QUERIES if isinstance(q, str)]
    assert [names.normalise(t) for t in texts] == [ref_names.normalise(t) for t in texts]
    assert names.normalise_many(texts) == [ref_names.normalise(t) for t in texts]
    assert [names.loose_key(t) for t in texts] == [ref_names.loose_key(t) for t in texts]


@pytest.fixture(scope="module")
def both(ref):
    _, ref_geo = ref
    return geocoding.Geocoder(), ref_geo.Geocoder()


def test_batch_answers_match_the_reference(both):
    new, old = both
    names.normalise.cache_clear()
    _same(new.geocode_names(QUERIES), old.geocode_names(QUERIES))
    # the same names again (warm caches), as a Series of pandas' text dtype, and in a different order
    text = pd.Series([q if isinstance(q, str) else None for q in QUERIES], dtype="str")
    _same(new.geocode_names(text), old.geocode_names(text))
    shuffled = list(QUERIES)
    random.Random(7).shuffle(shuffled)
    _same(new.geocode_names(shuffled), old.geocode_names(shuffled))


def test_single_name_answers_match_the_reference(both):
    new, old = both
    rng = random.Random(11)
    for q in rng.sample(QUERIES, 400) + ["Hit, Anbar", "Damascus", "", None]:
        _same(new.geocode_names([q]), old.geocode_names([q]))


def test_geocode_table_matches_the_reference(both):
    new, old = both
    df = pd.DataFrame({"where": QUERIES[::25], "n": range(len(QUERIES[::25]))})
    _same(new.geocode(df, "where"), old.geocode(df, "where"))


def test_other_settings_match_the_reference(ref):
    _, ref_geo = ref
    sample = QUERIES[::7]
    for kwargs in ({"fuzzy_threshold": 75, "ambiguity_margin": 6}, {"fuzzy_threshold": 95, "ambiguity_margin": 0}):
        _same(geocoding.Geocoder(**kwargs).geocode_names(sample), ref_geo.Geocoder(**kwargs).geocode_names(sample))


def test_a_smaller_gazetteer_matches_the_reference(ref):
    _, ref_geo = ref
    places = gazetteer()
    part = places[places.source != "geonames"].reset_index(drop=True)
    sample = QUERIES[::5]
    _same(geocoding.Geocoder(part).geocode_names(sample), ref_geo.Geocoder(part).geocode_names(sample))


def test_letters_that_fold_to_latin_are_all_listed():
    """The hint check's shortcut: beyond ASCII, only these letters match a-z when case is ignored."""
    import re

    folds = re.compile("[a-z]", re.I)
    beyond = {chr(c) for c in range(0x80, 0x110000) if folds.match(chr(c))}
    assert beyond == {ch for ch in "\u0130\u0131\u017f\u212a" if geocoding._FOLDS_TO_LATIN.match(ch)}
