"""The fast geocoding path gives exactly the answers of a plain reference implementation.

The reference below is written for clarity, not speed: one query at a time, every rule
spelt out (normalising, the variant rules, a governorate or kind hint, the choice among
candidates, fuzzy scores against every fuzzy spelling), no batching, no index built ahead
and no cache. Hypothesis generates the queries -- gazetteer spellings as written, in other
case and spacing, with an article, with harakat, tatweel or hamza forms, misspelt, with a
hint or a kind word, foreign names and arbitrary text -- and every column of every result
row of :class:`~iraq_atlas.places.geocoding.Geocoder` must equal the reference's, for a
batch and for one name at a time. Nothing is written to disk.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from iraq_atlas.places import geocoding, names
from iraq_atlas.places.gazetteer import expand_aliases, foreign_names, gazetteer
from iraq_atlas.places.governorates import to_iso

SETTINGS = settings(max_examples=120, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- the reference: normalising ------------------------------------------------------------
ARABIC_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي",
                  "ی": "ي", "ک": "ك", "ء": ""}
ARABIC_MARKS = [(0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED), (0x0640, 0x0640)]
LATIN_ARTICLES = {"al", "el", "ad", "adh", "an", "ar", "as", "ash", "at", "az", "the"}
GLOTTAL = "’'ʿʾ`‘ʼ"


def ref_normalise(text: str) -> str:
    """Case, diacritics, punctuation, articles, alef/hamza forms, ta marbuta, harakat and tatweel ignored."""
    if not text:
        return ""
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        out = "".join(ARABIC_LETTERS.get(ch, ch) for ch in text)
        out = "".join(ch for ch in out if not any(lo <= ord(ch) <= hi for lo, hi in ARABIC_MARKS))
        out = re.sub(r"[^\w\s]+", " ", out)
        out = re.sub(r"(?<!\S)(?:وال|ال)(?=\S\S)", "", out)  # the article before a word of 2+ letters
    else:
        out = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
        out = "".join(ch for ch in out.casefold() if ch not in GLOTTAL)
        out = re.sub(r"[^\w\s]+", " ", out).replace("_", " ")
        out = " ".join(w for w in out.split() if w not in LATIN_ARTICLES)
    return re.sub(r"\s+", " ", out).strip()


def ref_loose(key: str) -> str:
    """The variant rules over a normalised key (see ``names.VARIANT_RULES``), then spaces dropped."""
    if not key:
        return ""
    if any("\u0600" <= ch <= "\u06ff" for ch in key):
        return key.replace(" ", "")
    key = re.sub(r"\b(?:tal|tel|tell|tall|til)\b", "tal", key)
    key = re.sub(r"\b(?:tel|til|tell|tall)(?=[a-z]{3})", "tal", key)
    key = key.replace("ou", "u").replace("oo", "u").replace("o", "u").replace("ee", "i")
    key = re.sub(r"([a-z])\1+", r"\1", key)
    key = re.sub(r"(?:iyyah|iyya|iyah|iyeh|iya|ia|(?<=[^aeiou ])yah|(?<=[^aeiou ])ya)\b", "iya", key)
    key = re.sub(r"(?<=[^aeiou ])(?:ah|eh)\b", "a", key)
    for a in ("ei", "ey", "ay"):
        key = key.replace(a, "ai")
    return key.replace(" ", "")


# -- the reference: hints ---------------------------------------------------------------------
GOV = r"(?:province|governorate|governate|muhafaz(?:a|ah|at)|muhafadh(?:a|ah|at))"
KIND_WORDS = [
    (rf"^(?:the\s+)?{GOV}\s+of\s+(.+)$", re.I, "governorate"),
    (rf"^(.+?)\s+{GOV}$", re.I, "governorate"),
    (r"^(?:محافظة|محافظه)\s+(.+)$", 0, "governorate"),
    (r"^(.+?)\s+(?:sub-?district|nahiy(?:a|ah|at)|nahia)$", re.I, "subdistrict"),
    (r"^(?:nahiy(?:a|ah|at)|nahia|ناحية|ناحيه)\s+(.+)$", re.I, "subdistrict"),
    (r"^(.+?)\s+(?:district|qada|qadaa|qadha|kaza)$", re.I, "district"),
    (r"^(?:قضاء)\s+(.+)$", 0, "district"),
]


def ref_parse(text: str) -> tuple[str, str | None, str | None]:
    """(name, governorate ISO code, kind): "Hit, Anbar", "Hit (Anbar)", "Anbar province", "قضاء هيت"."""
    name, iso, kind = text.strip(), None, None
    m = re.match(r"^(.+?)\s*(?:,|\(|،)\s*([^,()،]+?)\s*\)?\s*$", name)
    if m and to_iso(m.group(2)):
        name, iso = m.group(1).strip(), to_iso(m.group(2))
    for pattern, flags, k in KIND_WORDS:
        km = re.match(pattern, name, flags)
        if km and km.group(1).strip():
            return km.group(1).strip(), iso, k
    return name, iso, kind


# -- the reference: the gazetteer and the choice ------------------------------------------------
def km(lat1, lon1, lat2, lon2) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


class Reference:
    """A slow geocoder: exact spelling → variant rules → fuzzy, by the documented rules."""

    CONFIDENCE = {"name": 1.0, "name_ar": 1.0, "alias": 0.95, "variant": 0.9}

    def __init__(self, places: pd.DataFrame, foreign: pd.DataFrame, fuzzy_threshold=85.0, ambiguity_margin=3.0):
        self.t, self.margin = fuzzy_threshold, ambiguity_margin
        self.place = {}
        for r in places.itertuples():
            src = r.source if isinstance(r.source, str) else "curated"
            pop = pd.to_numeric(pd.Series([getattr(r, "population", None)]), errors="coerce").fillna(0.0).iloc[0]
            tier = 0 if src == "curated" and r.kind != "governorate" else \
                {"curated": 0, "city": 1, "subdistrict": 2, "district": 3, "governorate": 4}.get(r.kind, 1)
            pf = r.point_from if isinstance(getattr(r, "point_from", None), str) else ""
            self.place[r.place_id] = dict(name=r.name, lat=r.lat, lon=r.lon, governorate_iso=r.governorate_iso,
                                          kind=r.kind, geo_precision=r.geo_precision, precision_m=r.precision_m,
                                          source_url=r.source_url, source=src, population=float(pop),
                                          point_from=pf, tier=tier)
        for r in foreign.itertuples():
            self.place[r.place_id] = dict(name=r.name, lat=np.nan, lon=np.nan, governorate_iso=None, kind="foreign",
                                          geo_precision=pd.NA, precision_m=np.nan, source_url=r.source_url,
                                          source="foreign", population=0.0, point_from="", tier=9,
                                          country=r.country_iso)
        spell = pd.concat([expand_aliases(places), expand_aliases(foreign)], ignore_index=True)
        self.spellings = []  # (key, loose, place_id, how)
        for pid, s, how in zip(spell.place_id, spell.spelling, spell.how):
            key = ref_normalise(s)
            if key:
                self.spellings.append((key, ref_loose(key), pid, how))
        fuzzy = {}
        for key, loose, pid, how in self.spellings:
            if how != "alias" or self.place[pid]["source"] != "geonames":
                fuzzy.setdefault(loose, set())
        for key, loose, pid, how in self.spellings:
            if loose in fuzzy:
                fuzzy[loose].add(pid)
        self.fuzzy = fuzzy
        self.fuzzy_keys = list(fuzzy)

    def choose(self, pids, iso, kind, exact=frozenset()):
        info = self.place
        iraqi = [p for p in pids if info[p]["tier"] < 9]
        if not iraqi:
            return ("foreign", None, tuple(sorted(pids))) if pids else ("unresolved", None, ())
        cands = [p for p in iraqi if (not iso or info[p]["governorate_iso"] == iso)
                 and (not kind or info[p]["kind"] == kind)]
        if not cands:
            return "ambiguous", None, tuple(sorted(iraqi))
        if len(cands) == 1:
            return "matched", cands[0], ()
        govs = {info[p]["governorate_iso"] for p in cands if info[p]["kind"] == "governorate"}
        if govs:
            inside = [p for p in cands if info[p]["kind"] != "governorate" and info[p]["tier"] <= 1
                      and info[p]["governorate_iso"] in govs]
            cands = inside or [p for p in cands if info[p]["kind"] == "governorate"]
            if len(cands) == 1:
                return "matched", cands[0], ()
        rank = {p: (info[p]["tier"], 0 if (not exact or p in exact) else 1) for p in cands}
        best = sorted([p for p in cands if rank[p] == min(rank.values())], key=lambda p: (-info[p]["population"], p))
        if len(best) == 1:
            return "matched", best[0], ()
        first = info[best[0]]
        if all(pd.notna(info[p]["lat"]) for p in best) and all(
                km(first["lat"], first["lon"], info[p]["lat"], info[p]["lon"]) <= 10.0 for p in best[1:]):
            return "matched", best[0], ()
        if first["population"] > 0 and first["population"] >= 10.0 * info[best[1]]["population"]:
            return "matched", best[0], ()
        return "ambiguous", None, tuple(sorted(best))

    def resolve(self, query: str):
        """(status, place_id, confidence, candidates, match)."""
        name, iso, kind = ref_parse(query)
        key = ref_normalise(name)
        if not key:
            return "unresolved", None, 0.0, (), None
        loose = ref_loose(key)
        exact, found = {}, {}
        for k, lk, pid, how in self.spellings:
            if lk == loose:
                found[pid] = "variant"
        for k, lk, pid, how in self.spellings:
            if k == key and (pid not in exact or self.CONFIDENCE[how] > self.CONFIDENCE[exact[pid]]):
                exact[pid] = how
        found.update(exact)
        if found:
            status, pid, cands = self.choose(sorted(found), iso, kind, exact=set(exact))
            if status == "matched":
                return "matched", pid, self.CONFIDENCE[found[pid]], (), found[pid]
            return status, None, 0.0, cands, "name" if exact else "variant"
        if len(loose) < 5:
            return "unresolved", None, 0.0, (), None
        need = max(self.t, 92.0 if len(loose) < 8 else 0.0)
        scores = process.cdist([loose], self.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=need,
                               dtype=np.uint8, workers=1)[0]
        top = int(scores.max()) if len(scores) else 0
        if top == 0:
            return "unresolved", None, 0.0, (), None
        pids = {}
        for key_, sc in zip(self.fuzzy_keys, scores.tolist()):
            if sc > 0 and sc >= top - self.margin:
                for pid in self.fuzzy[key_]:
                    pids[pid] = max(pids.get(pid, -1), sc)
        if len(pids) == 1 and not iso and not kind:
            pid, sc = next(iter(pids.items()))
            if self.place[pid]["tier"] >= 9:
                return "foreign", None, 0.0, (pid,), "fuzzy"
            return "fuzzy", pid, round(0.9 * sc / 100, 3), (), "fuzzy"
        status, pid, cands = self.choose(list(pids), iso, kind)
        if status == "matched":
            return "fuzzy", pid, round(0.9 * pids[pid] / 100, 3), (), "fuzzy"
        return status, None, 0.0, cands, "fuzzy"

    def note(self, p) -> str | None:
        prec = p["precision_m"]
        if p["point_from"]:
            parent = self.place.get(p["point_from"], {}).get("name", p["point_from"])
            return f"no point of its own: point of {parent} ({p['point_from']}), precision {prec:.0f} m"
        if p["kind"] == "governorate":
            return f"point of the governorate capital, precision {prec:.0f} m"
        if p["source"] == "ocha":
            return f"representative point of the area, precision {prec:.0f} m"
        if pd.notna(prec) and prec >= 1000 and p["kind"] != "city":
            return f"approximate point, precision {prec:.0f} m"
        return None

    def row(self, query) -> dict:
        missing = query is None or (isinstance(query, float) and math.isnan(query))
        text = "" if missing else query if isinstance(query, str) else str(query)
        status, pid, conf, cands, match = self.resolve(text)
        row = dict.fromkeys(geocoding.RESULT_COLUMNS)
        row.update(query=text, status=status, confidence=conf, candidates="|".join(cands), match=match,
                   lat=np.nan, lon=np.nan)
        if pid is not None:
            p = self.place[pid]
            row.update(place_id=pid, name=p["name"], lat=p["lat"], lon=p["lon"], governorate_iso=p["governorate_iso"],
                       kind=p["kind"], geo_precision=p["geo_precision"], precision_m=p["precision_m"],
                       source_url=p["source_url"], point_from=p["point_from"] or None, point_note=self.note(p))
        elif status == "foreign":
            countries = sorted({self.place[c].get("country", "") for c in cands})
            row["point_note"] = "outside Iraq (" + ", ".join(countries) + "): no point is given"
        return row

    def geocode_names(self, queries) -> pd.DataFrame:
        out = pd.DataFrame([self.row(q) for q in queries], columns=geocoding.RESULT_COLUMNS)
        return out.astype(geocoding.RESULT_DTYPES)


# -- fixtures and generated queries -----------------------------------------------------------
PLACES = gazetteer()
FOREIGN = foreign_names()
SPELLINGS = sorted(set(pd.concat([expand_aliases(PLACES), expand_aliases(FOREIGN)]).spelling.dropna()))
LATIN = [s for s in SPELLINGS if not names.is_arabic(s)]
ARABIC = [s for s in SPELLINGS if names.is_arabic(s)]
GOV_WORDS = ["Anbar", "Ninawa", "Nineveh", "Salahuddin", "Diyala", "Basra", "Baghdad", "Kirkuk", "Erbil", "Dohuk",
             "Sulaymaniyah", "Babil", "Karbala", "Najaf", "Wasit", "Maysan", "Muthanna", "Qadisiyah", "Dhi Qar",
             "Halabja", "IQ-AN", "الأنبار", "nowhere"]


@pytest.fixture(scope="module")
def geocoder():
    return geocoding.Geocoder()


@pytest.fixture(scope="module")
def reference():
    return Reference(PLACES, FOREIGN)


@st.composite
def misspelt(draw, word: str) -> str:
    chars = list(word)
    for _ in range(draw(st.integers(1, 2))):
        if len(chars) < 3:
            break
        i = draw(st.integers(1, len(chars) - 2))
        op = draw(st.sampled_from(["drop", "double", "swap", "change"]))
        if op == "drop":
            del chars[i]
        elif op == "double":
            chars.insert(i, chars[i])
        elif op == "swap":
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = draw(st.sampled_from("aeiouhkqstyz"))
    return "".join(chars)


@st.composite
def arabic_form(draw) -> str:
    word = draw(st.sampled_from(ARABIC))
    change = draw(st.sampled_from(["as is", "article", "letters", "marks", "and", "misspelt"]))
    if change == "article":
        return word[2:] if word.startswith("ال") else "ال" + word
    if change == "letters":
        for a, b in (("ة", "ه"), ("ا", "أ"), ("ا", "إ"), ("ي", "ى"), ("ه", "ة")):
            if a in word and draw(st.booleans()):
                word = word.replace(a, b, 1)
        return word
    if change == "marks" and len(word) > 2:
        i = draw(st.integers(1, len(word) - 1))
        return word[:i] + draw(st.sampled_from(["\u0640", "\u064e", "\u0651", "\u064b"])) + word[i:]
    if change == "and":
        return "و" + word
    if change == "misspelt":
        return draw(misspelt(word))
    return word


@st.composite
def latin_form(draw) -> str:
    word = draw(st.sampled_from(LATIN))
    change = draw(st.sampled_from(["as is", "upper", "lower", "spaces", "article", "hyphens", "variant",
                                   "misspelt"]))
    if change == "upper":
        return word.upper()
    if change == "lower":
        return word.lower()
    if change == "spaces":
        return f"  {word}\t"
    if change == "article":
        return draw(st.sampled_from(["al-", "El ", "the ", "Al "])) + word
    if change == "hyphens":
        return word.replace(" ", "-")
    if change == "variant":
        return draw(st.sampled_from(sorted(names.spelling_variants(word))))
    if change == "misspelt":
        return draw(misspelt(word))
    return word


@st.composite
def hinted(draw) -> str:
    word = draw(st.one_of(latin_form(), arabic_form()))
    gov = draw(st.sampled_from(GOV_WORDS))
    form = draw(st.sampled_from(["{w}, {g}", "{w} ({g})", "{w}، {g}", "{w} province", "Province of {w}",
                                 "{w} district", "{w} qada", "nahiyat {w}", "{w} sub-district", "محافظة {w}",
                                 "قضاء {w}", "ناحية {w}"]))
    return form.format(w=word, g=gov)


TEXT = st.text(alphabet=st.sampled_from(list("abcdefghiklmnoqrstuyz -'’.,()_09") + list("ابتجدرسعقلمنهوي")
                                        + ["\u064e", "\u0640", "İ", "ß", "é", "\u00a0", "\n", "\x1f"]),
               max_size=16)
QUERY = st.one_of(latin_form(), arabic_form(), hinted(), TEXT, st.sampled_from(
    ["Damascus", "Tehran", "Deir ez-Zor", "al-Tanf", "Kadhimi's house", "prime minister's residence",
     "Hit, Anbar", "Tahrir Square", "", " ", None, float("nan"), 12, 3.5, "nan", "None"]))


def same(new: pd.DataFrame, ref: pd.DataFrame) -> None:
    plain = [c for c in new.columns if c != "geometry"]
    assert plain == geocoding.RESULT_COLUMNS
    pd.testing.assert_frame_equal(pd.DataFrame(new[plain]).reset_index(drop=True), ref, check_exact=True)
    assert new.crs == "EPSG:4326"
    has_point = ref.lat.notna().to_numpy()
    assert (new.geometry.notna().to_numpy() == has_point).all()
    assert np.allclose(new.geometry.x[has_point], ref.lon[has_point], rtol=0, atol=0)
    assert np.allclose(new.geometry.y[has_point], ref.lat[has_point], rtol=0, atol=0)


# -- tests ------------------------------------------------------------------------------------
@SETTINGS
@given(st.lists(st.one_of(TEXT, latin_form(), arabic_form(), hinted()), max_size=30))
def test_normalise_and_loose_keys_match_the_reference(texts):
    texts = [t for t in texts if isinstance(t, str)]
    want = [ref_normalise(t) for t in texts]
    assert [names.normalise(t) for t in texts] == want
    assert names.normalise_many(texts) == want
    assert [names.loose_key(t) for t in texts] == [ref_loose(k) for k in want]


@SETTINGS
@given(st.one_of(TEXT, latin_form(), arabic_form(), hinted()))
def test_hints_match_the_reference(text):
    assert geocoding.parse_query(text) == ref_parse(text)


@SETTINGS
@given(st.lists(QUERY, min_size=1, max_size=40))
@pytest.mark.slow
def test_batch_answers_match_the_reference(geocoder, reference, queries):
    queries = queries + queries[: len(queries) // 2]  # repeated names share one answer
    same(geocoder.geocode_names(queries), reference.geocode_names(queries))


@SETTINGS
@given(QUERY)
@pytest.mark.slow
def test_single_name_answers_match_the_reference(geocoder, reference, query):
    same(geocoder.geocode_names([query]), reference.geocode_names([query]))


@SETTINGS
@given(st.lists(st.one_of(latin_form(), arabic_form(), TEXT), min_size=1, max_size=20))
@pytest.mark.slow
def test_text_series_answers_match_the_reference(geocoder, reference, queries):
    """A Series of pandas' text dtype takes the path that keeps the input column as the query."""
    series = pd.Series(queries, dtype="str")
    want = reference.geocode_names([None if pd.isna(q) else q for q in series])
    same(geocoder.geocode_names(series), want)


def test_every_gazetteer_spelling_as_written_matches_the_reference(geocoder, reference):
    """Spellings as written take the precomputed path: all of them, in one batch."""
    same(geocoder.geocode_names(SPELLINGS), reference.geocode_names(SPELLINGS))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QUERY, min_size=1, max_size=30), st.sampled_from([(75, 6), (95, 0)]))
def test_other_settings_match_the_reference(queries, thresholds):
    t, margin = thresholds
    new = _geocoder(t, margin).geocode_names(queries)
    same(new, _reference(t, margin).geocode_names(queries))


_BUILT: dict = {}


def _built(key, make):
    """One geocoder or reference per setting for the whole module (built on first use)."""
    if key not in _BUILT:
        _BUILT[key] = make()
    return _BUILT[key]


def _geocoder(t, margin):
    return _built(("geocoder", t, margin), lambda: geocoding.Geocoder(fuzzy_threshold=t, ambiguity_margin=margin))


def _reference(t, margin):
    return _built(("reference", t, margin), lambda: Reference(PLACES, FOREIGN, t, margin))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QUERY, min_size=1, max_size=30))
def test_a_smaller_gazetteer_matches_the_reference(queries):
    part = PLACES[PLACES.source != "geonames"].reset_index(drop=True)
    new = _built("geocoder without GeoNames", lambda: geocoding.Geocoder(part))
    ref = _built("reference without GeoNames", lambda: Reference(part, FOREIGN))
    same(new.geocode_names(queries), ref.geocode_names(queries))


def test_result_types_do_not_depend_on_the_answers(geocoder):
    """One foreign name, one unknown name and a mixed batch give the same column types."""
    types = [geocoder.geocode_names(q).drop(columns="geometry").dtypes.to_dict()
             for q in (["Damascus"], ["zzqxv"], ["Heet", "Damascus", None, "Hit, Anbar"])]
    assert types[0] == types[1] == types[2]
    assert types[0]["precision_m"] == np.float64 and types[0]["geo_precision"] == "Int64"
    assert all(str(types[0][c]) == "str" for c in ("place_id", "name", "point_from", "source_url"))


def test_letters_that_fold_to_latin_are_all_listed():
    """The hint check's shortcut: beyond ASCII, only these letters match a-z when case is ignored."""
    folds = re.compile("[a-z]", re.I)
    beyond = {chr(c) for c in range(0x80, 0x110000) if folds.match(chr(c))}
    assert beyond == {ch for ch in "\u0130\u0131\u017f\u212a" if geocoding._FOLDS_TO_LATIN.match(ch)}
