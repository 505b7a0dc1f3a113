"""The synthetic inputs of the tests and benchmarks: their shape, their seeds and their noise mix."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
import synthetic as gen

# ACLED's export columns, written out here (not imported) so a change on either side shows.
ACLED = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
         "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
         "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
         "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
         "fatalities", "tags", "timestamp"]
ACLED_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
               "Strategic developments"}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return gen.acled_events(3000, seed=7)


def test_columns_and_row_count_are_acleds(events):
    assert list(events.columns) == ACLED
    assert len(events) == 3000
    assert events.event_id_cnty.is_unique
    assert (events.country == "Iraq").all() and (events.iso == "368").all()


def test_points_inside_iraq_bbox_and_dates_in_range(events):
    lat, lon = events.latitude.astype(float), events.longitude.astype(float)
    assert lat.between(29.0, 37.5).all() and lon.between(38.7, 48.7).all()
    from iraq_atlas.places.spatial import in_iraq

    # Iraq's box holds parts of its neighbours: no generated point may lie past the border
    assert in_iraq(lat.to_numpy(), lon.to_numpy(), 0).all()
    dates = pd.to_datetime(events.event_date, format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2019-01-01") and dates.max() <= pd.Timestamp("2022-12-31")
    assert set(dates.dt.year) == {2019, 2020, 2021, 2022}
    assert (events.year == dates.dt.year.astype(str)).all()


def test_event_types_valid_and_weighted(events):
    from iraq_atlas.vocab import VOCABULARY

    assert set(events.event_type) <= ACLED_TYPES
    assert all(s in VOCABULARY[t] for t, s in zip(events.event_type, events.sub_event_type))
    shares = events.event_type.value_counts(normalize=True)
    # 42 % remote violence assumed; 3000 draws keep it within a few points
    assert 0.38 < shares["Explosions/Remote violence"] < 0.46
    assert shares.index[0] == "Explosions/Remote violence"


def test_baghdad_is_the_heaviest_governorate(events):
    counts = events.admin1.value_counts()
    assert counts.index[0] == "Baghdad"
    assert set(counts.index[:6]) <= {"Baghdad", "Ninewa", "Al-Anbar", "Salah Al-Din", "Diyala", "Kirkuk"}


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = gen.acled_events(200, seed=3), gen.acled_events(200, seed=3), gen.acled_events(200, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_csv_reads_back_through_the_acled_importer(tmp_path):
    from iraq_atlas.incidents.load import read_acled

    path = gen.write_acled_csv(tmp_path / "acled.csv", 1200, seed=5, chunk=500)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(raw.columns) == ACLED and len(raw) == 1200 and raw.event_id_cnty.is_unique
    s = read_acled(path)
    assert (len(s.accepted), len(s.rejected), len(s.excluded)) == (1200, 0, 0)


def test_points_inside_their_governorate_polygons(adm1):
    events = gen.acled_events(2000, seed=9, boundaries=adm1)
    polys = dict(zip(adm1.gdf.iso_3166_2, adm1.gdf.geometry))
    iso = {"Baghdad": "IQ-BG", "Ninewa": "IQ-NI", "Al-Anbar": "IQ-AN", "Al-Basrah": "IQ-BA"}
    for name, code in iso.items():
        rows = events[events.admin1 == name]
        assert len(rows) > 10, name
        inside = shapely.contains_xy(polys[code], rows.longitude.astype(float), rows.latitude.astype(float))
        assert inside.all(), name
    lon, lat = gen.random_points(3000, seed=2, boundaries=adm1)
    country = shapely.union_all(adm1.gdf.geometry.values)
    assert shapely.covers(country, shapely.points(lon, lat)).all()


def test_name_noise_mix_counts_are_exact():
    names = gen.noisy_names(1000, seed=1)
    counts = names.noise.value_counts().to_dict()
    assert counts == {"exact": 400, "alias": 200, "arabic": 150, "misspelled": 150, "unknown": 100}
    odd = gen.noisy_names(7, seed=1, mix={"exact": 0.5, "unknown": 0.5}).noise.value_counts().to_dict()
    assert sorted(odd.values()) == [3, 4]


def test_name_noise_kinds_are_what_they_claim():
    from iraq_atlas.places.gazetteer import expand_aliases, gazetteer
    from iraq_atlas.places.names import is_arabic, normalise

    sp = expand_aliases(gazetteer())
    keys = set(sp.spelling.map(normalise))
    official = set(sp[sp.how == "name"].spelling)
    names = gen.noisy_names(2000, seed=4)
    by = {k: g for k, g in names.groupby("noise")}
    assert set(by["exact"].name) <= official
    assert by["arabic"].name.map(is_arabic).all()
    assert by["arabic"].name.map(normalise).isin(keys).all()     # variants a reader calls the same
    assert not by["misspelled"].name.map(normalise).isin(keys).any()
    assert not by["unknown"].name.map(normalise).isin(keys).any()
    assert (by["unknown"].place_id == "").all() and (by["exact"].place_id != "").all()


def test_unique_misspellings_are_unique_after_normalisation():
    from iraq_atlas.places.names import normalise

    names = gen.noisy_names(3000, seed=8, mix={"misspelled": 1.0}, unique_misspellings=True)
    assert len(names) == 3000 and names.name.map(normalise).is_unique


def test_unknown_mix_kind_is_refused():
    with pytest.raises(ValueError, match="typo"):
        gen.noisy_names(10, mix={"typo": 1.0})
