"""Name normalisation and the offline geocoder on spelling variants, Arabic, ambiguity and unknowns."""

import math

import geopandas as gpd
import pandas as pd
import pytest

from iraq_atlas.places.geocoding import Geocoder
from iraq_atlas.places.names import normalise


@pytest.mark.parametrize("a,b", [
    ("Al-Kadhimiya", "kadhimiya"),
    ("al Kadhimiya", "KADHIMIYA"),
    ("Ṣalāḥ ad Dīn", "salah din"),
    ("Karbalā’", "karbala"),
    ("الكاظمية", "كاظميه"),          # article, ta marbuta
    ("أربيل", "اربيل"),              # hamza on alef
    ("المُثَنّى", "مثني"),             # harakat, alef maqsura
])
def test_normalise_equates_spellings(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize("text,key", [
    ("البصرة", "بصره"),            # the article goes, ta marbuta becomes ha
    ("والبصرة", "بصره"),           # "and the" goes too
    ("الـبصرة", "بصره"),           # tatweel after the article
    ("الب", "الب"),                # an article would leave one letter: kept
    ("والب", "والب"),              # likewise "and the"
    ("مدينة الصدر", "مدينه صدر"),  # inside a phrase, word by word
    ("(الكوت)،", "كوت"),           # punctuation is a word break
    ("Sāmarrā’", "samarra"),       # Latin: diacritics and the glottal mark go
    ("AL-KUT", "kut"),             # Latin article, case
])
def test_normalise_keys(text, key):
    assert normalise(text) == key


def test_normalise_keeps_different_names_apart():
    assert normalise("Basra") != normalise("Balad")


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder()


def _one(geocoder, name):
    return geocoder.geocode_names([name]).iloc[0]


@pytest.mark.parametrize("query,place_id", [
    ("Green Zone", "green_zone"),
    ("international zone", "green_zone"),
    ("IZ", "green_zone"),
    ("المنطقة الخضراء", "green_zone"),
    ("al-Kadhimiya", "kadhimiya"),
    ("الكاظمية", "kadhimiya"),
    ("U.S. Embassy", "us_embassy_baghdad"),
    ("Ain al-Assad", "ain_al_asad"),
    ("Nineveh", "gov_iq_ni"),
    ("Dhi Qar", "gov_iq_dq"),
    ("Baghdad", "capital_baghdad"),   # the city wins over the governorate of the same name
])
def test_exact_and_alias_matches(geocoder, query, place_id):
    r = _one(geocoder, query)
    assert r.status == "matched", r.to_dict()
    assert r.place_id == place_id
    assert r.confidence >= 0.95


@pytest.mark.parametrize("query,place_id", [
    ("Kadimiya", "kadhimiya"),
    ("Bagdad airport", "baghdad_airport"),
    ("Sadr Cty", "sadr_city"),
])
def test_misspellings_are_fuzzy_with_lower_confidence(geocoder, query, place_id):
    r = _one(geocoder, query)
    assert r.status == "fuzzy"
    assert r.place_id == place_id
    assert 0.5 < r.confidence < 0.95


def test_unknown_names_are_unresolved_without_a_point(geocoder):
    res = geocoder.geocode_names(["Atlantis", "", "Springfield"])
    assert list(res.status) == ["unresolved"] * 3
    assert res.place_id.isna().all() and res.geometry.isna().all()


def test_ambiguous_names_list_candidates_and_carry_no_point():
    places = Geocoder().places
    twin = places[places.place_id == "dora"].copy()
    twin["place_id"], twin["governorate_iso"] = "dora_twin", "IQ-NI"
    twin["lat"], twin["lon"] = 36.34, 43.13        # far away: not the same place recorded twice
    twin["geometry"] = gpd.points_from_xy(twin.lon, twin.lat)
    g = Geocoder(pd.concat([places, twin], ignore_index=True))
    r = g.geocode_names(["Dora"]).iloc[0]
    assert r.status == "ambiguous"
    assert set(r.candidates.split("|")) == {"dora", "dora_twin"}
    assert math.isnan(r.lat) and r.geometry is None


def test_batch_keeps_every_row_in_order(geocoder):
    df = pd.DataFrame({"loc": ["Green Zone", "Atlantis", "Green Zone", None, "Kadimiya"], "n": range(5)})
    out = geocoder.geocode(df, "loc")
    assert len(out) == 5 and list(out.n) == [0, 1, 2, 3, 4]
    assert list(out.geo_status) == ["matched", "unresolved", "matched", "unresolved", "fuzzy"]
    assert out.crs.to_epsg() == 4326
    gz = out.iloc[0]
    assert 33.2 < gz.geometry.y < 33.4 and 44.3 < gz.geometry.x < 44.5


def test_geocode_cli_csv(capsys):
    from iraq_atlas.cli import main

    assert main(["geocode", "Green Zone", "Kadimiya", "Atlantis", "--format", "csv"]) == 0
    out = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(out.columns) == ["query", "place_id", "name", "lat", "lon", "governorate_iso", "confidence", "status",
                                 "precision_m", "point_note"]
    assert list(out.status) == ["matched", "fuzzy", "unresolved"]
    assert out.loc[0, "governorate_iso"] == "IQ-BG"


def test_geocode_cli_gives_a_point_for_tahrir_square_and_says_whose(capsys):
    """A place without sourced coordinates answers with its parent's point, its precision and a note."""
    from iraq_atlas.cli import main

    assert main(["geocode", "Tahrir Square", "ساحة التحرير", "Damascus", "--format", "csv"]) == 0
    out = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    tahrir = out.iloc[0]
    assert tahrir.status == "matched" and tahrir.place_id == "tahrir_square"
    assert 33.2 < tahrir.lat < 33.45 and 44.25 < tahrir.lon < 44.5
    assert tahrir.precision_m >= 1000 and "point of Baghdad" in tahrir.point_note
    assert out.iloc[1].place_id == "tahrir_square"
    assert out.iloc[2].status == "foreign" and pd.isna(out.iloc[2].lat) and "outside Iraq" in out.iloc[2].point_note


def test_to_iso_every_code_pcode_and_common_spelling():
    from iraq_atlas.places.governorates import iso_codes, load_governorates, to_iso

    for code in iso_codes():
        assert to_iso(code) == code and to_iso(code.lower()) == code
    table = load_governorates()
    for p, iso in zip(table.ocha_pcode, table.iso_3166_2):
        assert to_iso(p) == iso
    spellings = {"Ninewa": "IQ-NI", "Nineveh": "IQ-NI", "Thi Qar": "IQ-DQ", "Dhi Qar": "IQ-DQ",
                 "Kerbala": "IQ-KA", "Karbala": "IQ-KA", "Al-Qadissiya": "IQ-QA", "Diwaniyah": "IQ-QA",
                 "Salah Al-Din": "IQ-SD", "Saladin": "IQ-SD", "Duhok": "IQ-DA", "Dahuk": "IQ-DA",
                 "Erbil": "IQ-AR", "Arbil": "IQ-AR", "Al-Anbar": "IQ-AN", "Anbar": "IQ-AN",
                 "بغداد": "IQ-BG", "Atlantis": None, "": None}
    for name, iso in spellings.items():
        assert to_iso(name) == iso, name


@pytest.mark.parametrize("dtype", ["str", "string[python]", "string[pyarrow]", object])
def test_query_column_is_plain_text_whatever_the_input_dtype(geocoder, dtype):
    res = geocoder.geocode_names(pd.Series(["Baghdad", None, "Kut"], dtype=dtype))
    assert str(res["query"].dtype) == "str" and res["query"].tolist() == ["Baghdad", "", "Kut"]
    assert res.status.tolist() == ["matched", "unresolved", "matched"]
