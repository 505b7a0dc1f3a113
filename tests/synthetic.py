"""Synthetic, ACLED-shaped incident data and noisy place names for the tests and the benchmarks.

Nothing here is real data: it exists to time the library at scale (100k–1M rows)
on inputs that look like what users feed it. The shape is realistic, the numbers
are assumptions, stated here so nobody mistakes them for facts:

* Governorate weights (:data:`GOVERNORATE_WEIGHTS`) are an *assumed* share of
  events per governorate, heavy where ACLED's Iraq data is dense (Baghdad, Ninawa,
  Anbar, Salah ad Din, Diyala, Kirkuk), with the Kurdistan Region (Turkish strikes
  in Duhok/Erbil) and the protest-heavy south (Basrah, Dhi Qar) in between.
* Event and sub-event type proportions (:data:`EVENT_TYPE_WEIGHTS`,
  :data:`SUB_EVENT_WEIGHTS`) are likewise assumed, in the order ACLED's Iraq
  data shows them: remote violence first, then protests, strategic developments,
  battles, violence against civilians, riots.
* Points are jittered around gazetteer points of the chosen governorate (a few
  hundred metres for a building, ~5 km for a city, ~15 km for a governorate
  capital standing for the whole governorate). With boundaries given, every point
  is redrawn until it lies inside its governorate's polygon; without them, points
  are kept inside Iraq's bounding box.
* Dates are uniform over 2019-01-01 … 2022-12-31.
* Place names come in five kinds (:data:`NAME_MIX`): the gazetteer's English
  name, an alias, an Arabic spelling variant, a misspelling (a letter dropped,
  doubled or two letters swapped) and unknown villages made of Arabic-looking
  syllables.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS
from iraq_atlas.places.boundaries import Boundaries
from iraq_atlas.places.gazetteer import expand_aliases, gazetteer
from iraq_atlas.places.governorates import load_governorates
from iraq_atlas.places.names import is_arabic, normalise
from iraq_atlas.places.spatial import in_iraq
from iraq_atlas.vocab import IRAQ_BBOX, VOCABULARY

START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2022-12-31")

# Assumed share of events per governorate (not measured; see the module docstring).
GOVERNORATE_WEIGHTS: dict[str, float] = {
    "IQ-BG": 0.20, "IQ-NI": 0.12, "IQ-AN": 0.10, "IQ-SD": 0.11, "IQ-DI": 0.10, "IQ-KI": 0.08,
    "IQ-BA": 0.05, "IQ-DQ": 0.05, "IQ-DA": 0.04, "IQ-AR": 0.03, "IQ-SU": 0.02, "IQ-BB": 0.02,
    "IQ-MA": 0.015, "IQ-NA": 0.015, "IQ-KA": 0.01, "IQ-WA": 0.01, "IQ-QA": 0.01, "IQ-MU": 0.01,
}
# Assumed event-type shares and, within each type, sub-type shares (ACLED vocabulary).
EVENT_TYPE_WEIGHTS: dict[str, float] = {
    "Explosions/Remote violence": 0.42, "Protests": 0.22, "Strategic developments": 0.12,
    "Battles": 0.10, "Violence against civilians": 0.08, "Riots": 0.06,
}
SUB_EVENT_WEIGHTS: dict[str, dict[str, float]] = {
    "Explosions/Remote violence": {"Remote explosive/landmine/IED": 0.45, "Air/drone strike": 0.25,
                                   "Shelling/artillery/missile attack": 0.25, "Grenade": 0.03,
                                   "Suicide bomb": 0.02},
    "Protests": {"Peaceful protest": 0.85, "Protest with intervention": 0.10,
                 "Excessive force against protesters": 0.05},
    "Strategic developments": {"Arrests": 0.35, "Looting/property destruction": 0.15,
                               "Disrupted weapons use": 0.20, "Change to group/activity": 0.10,
                               "Headquarters or base established": 0.05, "Agreement": 0.05,
                               "Non-violent transfer of territory": 0.02, "Other": 0.08},
    "Battles": {"Armed clash": 0.93, "Government regains territory": 0.04,
                "Non-state actor overtakes territory": 0.03},
    "Violence against civilians": {"Attack": 0.75, "Abduction/forced disappearance": 0.23,
                                   "Sexual violence": 0.02},
    "Riots": {"Violent demonstration": 0.70, "Mob violence": 0.30},
}
DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
            "Violence against civilians": "Political violence", "Protests": "Demonstrations",
            "Riots": "Demonstrations", "Strategic developments": "Strategic developments"}
# Share of each kind of place name (exact English name, alias, Arabic variant, misspelling, unknown).
NAME_MIX: dict[str, float] = {"exact": 0.40, "alias": 0.20, "arabic": 0.15, "misspelled": 0.15, "unknown": 0.10}
NAME_KINDS = tuple(NAME_MIX)
ACTORS = ["Islamic State (Iraq)", "Military Forces of Iraq (2020-)", "Police Forces of Iraq (2020-)",
          "Popular Mobilization Forces", "Military Forces of Turkey (2016-)", "PKK: Kurdistan Workers Party",
          "Protesters (Iraq)", "Rioters (Iraq)", "Unidentified Armed Group (Iraq)", "Civilians (Iraq)"]
SOURCES = ["Shafaq News", "Rudaw", "Kurdistan 24", "Xinhua", "Iraqi News Agency", "Baghdad Today", "AFP"]
SCALES = ["National", "Regional", "International", "Subnational"]
# Jitter (degrees, one standard deviation) around a gazetteer point of each kind.
JITTER_DEG = {"governorate": 0.15, "city": 0.05, "district": 0.02}
DEFAULT_JITTER_DEG = 0.005
_SYLLABLES = ["al", "ba", "da", "ha", "ja", "ka", "ma", "na", "qa", "ra", "sa", "ta", "wa", "za", "kh",
              "sh", "bu", "mu", "ri", "zi", "lu", "ya", "fi", "gh", "dh"]
_UNKNOWN_PREFIX = ["Tell", "Qaryat", "Umm", "Kafr", "Bir", "Jurf", "Hay", "Albu"]
_ARABIC_SWAPS = [("ة", "ه"), ("ي", "ى"), ("ا", "أ")]


def _counts(n: int, weights: dict[str, float]) -> dict[str, int]:
    """Split n into whole counts proportional to weights (largest remainders), summing to n."""
    keys = list(weights)
    w = np.array([weights[k] for k in keys], float)
    share = n * w / w.sum()
    base = np.floor(share).astype(int)
    rest = n - base.sum()
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    return dict(zip(keys, base.tolist()))


def _spellings() -> pd.DataFrame:
    """Every spelling in the gazetteer with its place, how it is known, script and normalised key."""
    sp = expand_aliases(gazetteer())
    sp["arabic"] = sp.spelling.map(is_arabic)
    sp["key"] = sp.spelling.map(normalise)
    return sp[sp.key != ""].reset_index(drop=True)


def _misspell(word: str, rng: np.random.Generator, edits: int = 1) -> str:
    """Drop, double or swap letters at random interior positions."""
    chars = list(word)
    for _ in range(edits):
        letters = [i for i in range(1, len(chars) - 1) if chars[i].isalpha()]
        if not letters:
            break
        i = int(rng.choice(letters))
        op = int(rng.integers(3))
        if op == 0:
            del chars[i]
        elif op == 1:
            chars.insert(i, chars[i])
        elif i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _arabic_variant(word: str, rng: np.random.Generator) -> str:
    """An Arabic spelling a reader treats as the same name: ta marbuta/ha, alef forms, tatweel, harakat."""
    out = word
    for a, b in _ARABIC_SWAPS:
        if a in out and rng.random() < 0.5:
            out = out.replace(a, b, 1)
    if len(out) > 2 and rng.random() < 0.5:
        i = int(rng.integers(1, len(out) - 1))
        if out[i - 1] != " " and out[i] != " ":
            out = out[:i] + rng.choice(["\u0640", "\u064e"]) + out[i:]
    return out


def _unknown_name(rng: np.random.Generator) -> str:
    body = "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 4))))
    return f"{rng.choice(_UNKNOWN_PREFIX)} {body.capitalize()}"


def noisy_names(n: int, seed: int = 0, mix: dict[str, float] | None = None,
                unique_misspellings: bool = False) -> pd.DataFrame:
    """``n`` place names with columns ``name``, ``noise`` (one of :data:`NAME_KINDS`) and ``place_id``.

    ``noise`` counts follow ``mix`` exactly (largest remainders). With
    ``unique_misspellings`` every misspelled name has its own normalised key, none
    of them a gazetteer spelling, so a geocoder's per-name cache cannot help.
    Unknown names never normalise to a gazetteer spelling.
    """
    rng = np.random.default_rng(seed)
    mix = NAME_MIX if mix is None else mix
    unknown_kinds = set(mix) - set(NAME_KINDS)
    if unknown_kinds:
        raise ValueError(f"mix: unknown name kinds {sorted(unknown_kinds)}; use {list(NAME_KINDS)}")
    sp = _spellings()
    known_keys = set(sp.key)
    latin = sp[~sp.arabic]
    pools = {
        "exact": latin[latin.how == "name"],
        "alias": latin[latin.how == "alias"],
        "arabic": sp[sp.arabic],
        # long spellings only, so one edit stays a recognisable misspelling
        "misspelled": latin[latin.key.str.len() >= 6],
    }
    parts = []
    for kind, count in _counts(n, mix).items():
        if count == 0:
            continue
        if kind == "unknown":
            names, seen = [], set()
            while len(names) < count:
                name = _unknown_name(rng)
                key = normalise(name)
                if key not in known_keys and (key not in seen or len(seen) > 5000):
                    seen.add(key)
                    names.append(name)
            parts.append(pd.DataFrame({"name": names, "noise": kind, "place_id": ""}))
            continue
        pool = pools[kind]
        pick = pool.iloc[rng.integers(len(pool), size=count)]
        names = pick.spelling.tolist()
        if kind == "arabic":
            names = [_arabic_variant(s, rng) for s in names]
        elif kind == "misspelled":
            names = _misspellings(pick.spelling.tolist(), rng, known_keys, unique_misspellings)
        parts.append(pd.DataFrame({"name": names, "noise": kind, "place_id": pick.place_id.tolist()}))
    out = pd.concat(parts, ignore_index=True)
    return out.iloc[rng.permutation(len(out))].reset_index(drop=True)


def _misspellings(sources: list[str], rng: np.random.Generator, known: set[str], unique: bool) -> list[str]:
    """One misspelling per source spelling; distinct normalised keys when ``unique``."""
    out, seen = [], set()
    for src in sources:
        for attempt in range(200):
            # one edit while it yields new keys; more edits once a spelling's single edits run out
            word = _misspell(src, rng, edits=1 + attempt // 20)
            key = normalise(word)
            if key in known or key == normalise(src):
                continue
            if unique and key in seen:
                continue
            break
        else:
            raise RuntimeError(f"could not make a new misspelling of {src!r}")
        seen.add(key)
        out.append(word)
    return out


def _inside(points_x: np.ndarray, points_y: np.ndarray, poly) -> np.ndarray:
    return shapely.contains_xy(poly, points_x, points_y)


def _place_points(rng: np.random.Generator, gov: np.ndarray) -> pd.DataFrame:
    """Pick a gazetteer point in each row's governorate; return its place, kind and coordinates."""
    gz = gazetteer()
    gz = gz[gz.lat.notna()]
    rows = np.empty(len(gov), dtype=np.int64)
    for iso in np.unique(gov):
        idx = np.flatnonzero(gov == iso)
        cand = np.flatnonzero(gz.governorate_iso.to_numpy() == iso)
        rows[idx] = cand[rng.integers(len(cand), size=len(idx))]
    return gz.iloc[rows].reset_index(drop=True)


def _points(rng: np.random.Generator, gov: np.ndarray, places: pd.DataFrame,
            boundaries: Boundaries | None) -> tuple[np.ndarray, np.ndarray]:
    """Jittered coordinates around each row's place, inside its polygon (or Iraq's outline)."""
    sigma = places.kind.map(JITTER_DEG).fillna(DEFAULT_JITTER_DEG).to_numpy()
    x0, y0, x1, y1 = IRAQ_BBOX
    lon = places.lon.to_numpy(float).copy()
    lat = places.lat.to_numpy(float).copy()
    base_lon, base_lat = lon.copy(), lat.copy()
    lon += rng.normal(0, 1, len(lon)) * sigma
    lat += rng.normal(0, 1, len(lat)) * sigma
    if boundaries is None or boundaries.is_fallback:
        margin = 0.05
        lon, lat = np.clip(lon, x0 + margin, x1 - margin), np.clip(lat, y0 + margin, y1 - margin)
        # Iraq's box holds parts of Kuwait, Iran, Syria, ...: a point past the border is an error to
        # validation, so redraw it (a point still outside after 20 draws takes its place's own point).
        bad = np.flatnonzero(~in_iraq(lat, lon, 0))
        for _ in range(20):
            if not len(bad):
                break
            lon[bad] = base_lon[bad] + rng.normal(0, 1, len(bad)) * sigma[bad]
            lat[bad] = base_lat[bad] + rng.normal(0, 1, len(bad)) * sigma[bad]
            bad = bad[~in_iraq(lat[bad], lon[bad], 0)]
        lon[bad], lat[bad] = base_lon[bad], base_lat[bad]
        return lon, lat
    polys = dict(zip(boundaries.gdf.iso_3166_2, boundaries.gdf.geometry))
    for iso in np.unique(gov):
        poly = polys[iso]
        shapely.prepare(poly)
        idx = np.flatnonzero(gov == iso)
        bad = idx[~_inside(lon[idx], lat[idx], poly)]
        for _ in range(20):  # redraw the jitter for points that fell outside
            if not len(bad):
                break
            lon[bad] = base_lon[bad] + rng.normal(0, 1, len(bad)) * sigma[bad]
            lat[bad] = base_lat[bad] + rng.normal(0, 1, len(bad)) * sigma[bad]
            bad = bad[~_inside(lon[bad], lat[bad], poly)]
        bx0, by0, bx1, by1 = poly.bounds
        while len(bad):  # a place on the edge of its governorate: uniform inside the polygon
            lon[bad] = rng.uniform(bx0, bx1, len(bad))
            lat[bad] = rng.uniform(by0, by1, len(bad))
            bad = bad[~_inside(lon[bad], lat[bad], poly)]
    return lon, lat


def _choice(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def acled_events(n: int, seed: int = 0, boundaries: Boundaries | None = None,
                 mix: dict[str, float] | None = None, date_format: str = "%Y-%m-%d") -> pd.DataFrame:
    """``n`` synthetic Iraq events with exactly ACLED's columns (as text, the way an export reads).

    ``location`` carries the name noise of :func:`noisy_names`; coordinates are
    always given (4 decimals, like ACLED). ``date_format`` "%d %B %Y" gives the
    '07 November 2021' style of ACLED's export tool.
    """
    rng = np.random.default_rng(seed)
    gov = _choice(rng, GOVERNORATE_WEIGHTS, n)
    places = _place_points(rng, gov)
    lon, lat = _points(rng, gov, places, boundaries)
    etype = _choice(rng, EVENT_TYPE_WEIGHTS, n)
    sub = np.empty(n, dtype=object)
    for t, subs in SUB_EVENT_WEIGHTS.items():
        idx = np.flatnonzero(etype == t)
        sub[idx] = _choice(rng, subs, len(idx))
    days = (END - START).days + 1
    dates = START + pd.to_timedelta(rng.integers(days, size=n), unit="D")
    names = noisy_names(n, seed + 1, mix)
    # half the rows name their own place as the gazetteer spells it, half carry a noisy name
    location = np.where(rng.random(n) < 0.5, names.name.to_numpy(object), places.name.to_numpy(object))
    admin1 = pd.Series(gov).map(dict(zip(*load_governorates()[["iso_3166_2", "ocha_name"]].T.values)))
    fatalities = np.where(rng.random(n) < 0.7, 0, rng.geometric(0.35, n))
    actor1 = np.array(ACTORS, dtype=object)[rng.integers(len(ACTORS), size=n)]
    actor2 = np.where(rng.random(n) < 0.6, np.array(ACTORS, dtype=object)[rng.integers(len(ACTORS), size=n)], "")
    inter1 = rng.integers(1, 9, n)
    inter2 = np.where(actor2 == "", 0, rng.integers(1, 9, n))
    geo_prec = np.where(places.kind.to_numpy() == "governorate", 3,
                        np.where(places.kind.to_numpy() == "city", 2, 1))
    ids = np.char.add("IRQ", np.arange(1, n + 1).astype(str)).astype(object)
    df = pd.DataFrame({
        "event_id_cnty": ids,
        "event_date": dates.strftime(date_format),
        "year": dates.year.astype(str),
        "time_precision": rng.choice(np.array(["1", "2", "3"]), size=n, p=[0.85, 0.12, 0.03]),
        "disorder_type": pd.Series(etype).map(DISORDER),
        "event_type": etype,
        "sub_event_type": sub,
        "actor1": actor1,
        "assoc_actor_1": "",
        "inter1": inter1.astype(str),
        "actor2": actor2,
        "assoc_actor_2": "",
        "inter2": inter2.astype(str),
        "interaction": (inter1 * 10 + inter2).astype(str),
        "civilian_targeting": np.where(etype == "Violence against civilians", "Civilian targeting", ""),
        "iso": "368",
        "region": "Middle East",
        "country": "Iraq",
        "admin1": admin1,
        "admin2": "",
        "admin3": "",
        "location": location,
        "latitude": np.round(lat, 4).astype(str),
        "longitude": np.round(lon, 4).astype(str),
        "geo_precision": geo_prec.astype(str),
        "source": np.array(SOURCES, dtype=object)[rng.integers(len(SOURCES), size=n)],
        "source_scale": np.array(SCALES, dtype=object)[rng.integers(len(SCALES), size=n)],
        "notes": "Synthetic event: " + pd.Series(sub).astype(str) + " near " + pd.Series(location).astype(str) + ".",
        "fatalities": fatalities.astype(str),
        "tags": "",
        "timestamp": (1_600_000_000 + rng.integers(0, 90_000_000, n)).astype(str),
    })
    assert list(df.columns) == ACLED_COLUMNS
    assert set(zip(df.event_type, df.sub_event_type)) <= {(t, s) for t, ss in VOCABULARY.items() for s in ss}
    return df


def write_acled_csv(path: str | Path, n: int, seed: int = 0, boundaries: Boundaries | None = None,
                    chunk: int = 250_000, **kwargs) -> Path:
    """Write :func:`acled_events` to a CSV in chunks (bounded memory for millions of rows)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for i, start in enumerate(range(0, n, chunk)):
            size = min(chunk, n - start)
            df = acled_events(size, seed + 1000 * i, boundaries, **kwargs)
            df["event_id_cnty"] = "IRQ" + pd.Series(np.arange(start + 1, start + size + 1)).astype(str)
            df.to_csv(fh, index=False, header=(i == 0))
    tmp.replace(path)
    return path


def random_points(n: int, seed: int = 0, boundaries: Boundaries | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of ``n`` event-like points (same weighting and jitter as :func:`acled_events`)."""
    rng = np.random.default_rng(seed)
    gov = _choice(rng, GOVERNORATE_WEIGHTS, n)
    return _points(rng, gov, _place_points(rng, gov), boundaries)


def expected_kinds(n: int, mix: dict[str, float] | None = None) -> dict[str, int]:
    """How many names of each kind :func:`noisy_names` makes for ``n`` (for reports)."""
    return _counts(n, NAME_MIX if mix is None else mix)




# -- news articles ------------------------------------------------------------------
_ROOT = Path(__file__).resolve().parents[1]
ARTICLE_SOURCES = (_ROOT / "geodata" / "articles" / "eval", _ROOT / "tests" / "fixtures" / "articles")


def _english_texts() -> list[tuple[str, pd.DataFrame]]:
    """(text, labels) of the English labelled articles: the evaluation corpus and the test fixtures."""
    out = []
    for folder in ARTICLE_SOURCES:
        for txt in sorted(folder.rglob("*.txt")):
            lab = txt.with_name(txt.stem + ".labels.csv")
            if txt.name.startswith("ar_") or not lab.is_file():
                continue
            out.append((txt.read_text(encoding="utf-8"), pd.read_csv(lab, dtype=str, keep_default_na=False)))
    return out


def news_articles(n: int, seed: int = 0, chars: int = 2000) -> list[str]:
    """``n`` English news articles of about ``chars`` characters, made of real reporting.

    Each article strings together paragraphs of the labelled English articles
    (``geodata/articles/eval`` and the test fixtures, chosen at random) until it
    reaches ``chars``; every labelled Iraqi place in them is replaced by a random
    English name of a gazetteer town, district or governorate, so the articles
    name many different places (as a day of news does) while keeping the
    sentences, dates, casualty figures, event phrases, armed groups and foreign
    places of real text.
    """
    rng = np.random.default_rng(seed)
    g = gazetteer()
    names = sorted(g.loc[g.kind.isin(["city", "district", "governorate"]), "name"].astype(str).unique())
    sources = _english_texts()
    out = []
    for _ in range(n):
        paras: list[str] = []
        size = 0
        while size < chars:
            text, lab = sources[int(rng.integers(len(sources)))]
            places = lab[lab.kind == "place"].astype({"start": int, "end": int}).sort_values("start")
            parts, pos = [], 0
            for r in places.itertuples():
                if r.start >= pos:
                    parts += [text[pos:r.start], names[int(rng.integers(len(names)))]]
                    pos = r.end
            text = "".join(parts) + text[pos:]
            ps = [p for p in text.split("\n\n") if p.strip()]
            k = int(rng.integers(len(ps)))
            for p in ps[k:k + int(rng.integers(1, 4))]:
                paras.append(p.strip())
                size += len(p) + 2
        art = "\n\n".join(paras)
        # end on the sentence end nearest to ``chars``
        ends = [e for e in (art.rfind(". ", 0, chars), art.find(". ", chars)) if e > chars // 2]
        cut = min(ends, key=lambda e: abs(e - chars), default=chars - 1)
        out.append(art[:cut + 1])
    return out


START_TEN_YEARS = pd.Timestamp("2015-01-01")
TEN_YEARS_DAYS = 3653


def synthetic_incidents(n: int, seed: int = 0):
    """``n`` validated-looking incidents over ten years (columns incident_map uses), built in seconds.

    Points, governorates and type shares come from this module; names and notes are
    drawn from small vocabularies so that a million rows take seconds rather than minutes.

    Examples
    --------
    >>> g = synthetic_incidents(10, seed=1)
    >>> len(g), g.crs.to_epsg()
    (10, 4326)
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lon, lat = random_points(n, seed)
    etype = _choice(rng, EVENT_TYPE_WEIGHTS, n)
    sub = np.empty(n, dtype=object)
    for t, subs in SUB_EVENT_WEIGHTS.items():
        idx = np.flatnonzero(etype == t)
        sub[idx] = _choice(rng, subs, len(idx))
    places = np.array([f"Village {i}" for i in range(20_000)], dtype=object)
    location = places[rng.integers(len(places), size=n)]
    fat = np.where(rng.random(n) < 0.7, 0, rng.geometric(0.35, n)).astype(float)
    inj = np.where(rng.random(n) < 0.8, np.nan, rng.geometric(0.3, n))
    low = np.where(rng.random(n) < 0.05, np.maximum(fat - 1, 0), np.nan)
    high = np.where(np.isnan(low), np.nan, fat + 2)
    ids = np.char.add("IRQ", np.arange(1, n + 1).astype(str)).astype(object)
    df = pd.DataFrame({
        "event_id_cnty": ids,
        "event_date": START_TEN_YEARS + pd.to_timedelta(rng.integers(TEN_YEARS_DAYS, size=n), unit="D"),
        "event_type": etype, "sub_event_type": sub,
        "actor1": np.array(ACTORS, dtype=object)[rng.integers(len(ACTORS), size=n)],
        "location": location, "target": np.where(rng.random(n) < 0.3, "Civilians", ""),
        "fatalities": pd.array(fat, dtype="Int64"), "fatalities_low": pd.array(low, dtype="Int64"),
        "fatalities_high": pd.array(high, dtype="Int64"), "injuries": pd.array(inj, dtype="Int64"),
        "injuries_low": pd.array([pd.NA] * n, dtype="Int64"), "injuries_high": pd.array([pd.NA] * n, dtype="Int64"),
        "source": np.array(SOURCES, dtype=object)[rng.integers(len(SOURCES), size=n)],
        "source_url": "",
        "notes": "Synthetic event: " + pd.Series(sub).astype(str) + " near " + pd.Series(location).astype(str)
                 + ", report " + pd.Series(rng.integers(1, 10**6, n)).astype(str) + ".",
    })
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(np.round(lon, 4), np.round(lat, 4)), crs="EPSG:4326")


# -- one hand-made ACLED row, for tests that write small exports ------------------------------
#: ACLED's export columns, written out (not imported from the library) so a change on either side shows.
ACLED_HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                "fatalities", "tags", "timestamp"]


def acled_row(**kw) -> dict:
    """One ACLED export row for Baghdad, 7 Nov 2021, a drone strike; ``kw`` overrides any field."""
    base = dict.fromkeys(ACLED_HEADER, "")
    base.update(year="2021", time_precision="1", disorder_type="Political violence", iso="368",
                region="Middle East", country="Iraq", admin1="Baghdad", location="Baghdad",
                latitude="33.3333", longitude="44.3833", geo_precision="1", source="Test source",
                source_scale="National", notes="test", fatalities="0", timestamp="1700000000",
                event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                actor1="Unidentified Armed Group (Iraq)", event_date="2021-11-07")
    base.update(kw)
    return base
