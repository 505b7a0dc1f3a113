"""Gazetteer validation, Green Zone polygon tests, distances and governorate assignment."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from iraq_atlas.errors import DataError
from iraq_atlas.places import gazetteer, spatial
from iraq_atlas.places.boundaries import load_boundaries
from iraq_atlas.vocab import METRIC_CRS

REQUIRED = ["green_zone", "pm_residence", "us_embassy_baghdad", "council_of_representatives", "republican_palace",
            "tahrir_square", "jumhuriya_bridge", "july14_bridge", "sinak_bridge", "baghdad_airport",
            "victory_base_complex", "camp_taji", "sadr_city", "dora", "kadhimiya", "adhamiya", "mansour",
            "karrada", "jadriya", "ain_al_asad", "balad_air_base", "erbil_airport", "harir_air_base", "k1_air_base"]


def test_gazetteer_has_required_places_and_capitals():
    places = gazetteer.load_places()
    assert set(REQUIRED) <= set(places.place_id)
    from iraq_atlas.places.governorates import load_governorates
    govs = load_governorates()
    assert len(govs) == 18
    assert set(govs.capital_place_id) <= set(places.place_id)
    assert places.source_url.str.startswith("http").all()
    assert places.crs.to_epsg() == 4326


def test_pm_residence_embassy_and_palace_inside_green_zone():
    for pid in ["pm_residence", "us_embassy_baghdad", "republican_palace"]:
        p = gazetteer.place(pid)
        assert spatial.in_green_zone(p.lat, p.lon), pid


def test_places_across_the_river_are_outside_the_green_zone():
    for pid in ["sadr_city", "karrada", "dora", "kadhimiya", "capital_baghdad", "baghdad_airport"]:
        p = gazetteer.place(pid)
        if pd.notna(p.lat):
            assert not spatial.in_green_zone(p.lat, p.lon), pid


def test_green_zone_outline_is_valid_and_of_plausible_size():
    poly = gpd.GeoSeries([spatial.outline("green_zone")], crs=4326).to_crs(METRIC_CRS).iloc[0]
    assert poly.is_valid
    assert 2e6 < poly.area < 15e6  # square metres: the zone is roughly 10 km²


def test_distance_m_against_hand_geodesy():
    # 0.01° of latitude at 33.3° N is about 1109 m (WGS84 meridian arc)
    p = gazetteer.place("us_embassy_baghdad")
    d = spatial.distance_m(p.lat + 0.01, p.lon, "us_embassy_baghdad")
    assert d == pytest.approx(1109, abs=3)
    arr = spatial.distance_m(np.array([p.lat, p.lat]), np.array([p.lon, p.lon + 0.01]), "us_embassy_baghdad")
    assert arr[0] == pytest.approx(0, abs=0.01)
    assert arr[1] == pytest.approx(930, abs=5)  # 0.01° lon × cos(33.3°) ≈ 930 m


def test_distance_to_outline_zero_inside_positive_outside():
    p = gazetteer.place("us_embassy_baghdad")
    d = spatial.distance_to_outline_m([p.lat, 33.40], [p.lon, 44.39])
    assert d[0] == 0 and d[1] > 5000


def test_bad_places_file_names_file_row_and_column(tmp_path):
    src = gazetteer.data_path("places", "places.csv")
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df.loc[2, "lat"], df.loc[2, "lon"] = "44.39", "33.30"      # swapped
    df.loc[3, "kind"] = "castle"
    df.loc[4, "governorate_iso"] = "IQ-XX"
    df.loc[5, "source_url"] = ""
    bad = tmp_path / "places.csv"
    df.to_csv(bad, index=False)
    with pytest.raises(DataError) as err:
        gazetteer.load_places(bad)
    msg = str(err.value)
    assert "places.csv, row 3, column 'lat'" in msg and "swapped" in msg
    assert "row 4, column 'kind'" in msg
    assert "row 5, column 'governorate_iso'" in msg
    assert "row 6, column 'source_url'" in msg


def test_capitals_fall_in_their_governorate(adm1):
    from iraq_atlas.places.governorates import load_governorates

    govs = load_governorates()
    caps = gazetteer.load_places().set_index("place_id").loc[govs.capital_place_id]
    pts = gpd.GeoDataFrame({"expected": govs.iso_3166_2.values}, geometry=caps.geometry.values, crs=4326)
    got = spatial.assign_governorate(pts, adm1)
    assert (got.governorate_iso == got.expected).all(), got[got.governorate_iso != got.expected]
    assert set(got.governorate_method) == {"polygon"}


def test_assign_governorate_edge_outside_and_missing(adm1):
    # a point exactly on a vertex shared by Baghdad and a neighbour lies on both outlines
    bg = adm1.gdf.set_index("iso_3166_2").geometry["IQ-BG"]
    shared = None
    for iso, geom in adm1.gdf.set_index("iso_3166_2").geometry.items():
        if iso != "IQ-BG":
            inter = bg.boundary.intersection(geom.boundary)
            if not inter.is_empty:
                shared = inter.representative_point() if inter.geom_type != "Point" else inter
                neighbour = iso
                break
    assert shared is not None
    pts = gpd.GeoDataFrame(geometry=[Point(44.39, 33.30), shared, Point(50.0, 30.0), None], crs=4326)
    got = spatial.assign_governorate(pts, adm1)
    assert list(got.governorate_method) == ["polygon", "boundary", "outside", "no_point"]
    assert got.governorate_iso[0] == "IQ-BG"
    assert got.governorate_iso[1] == min("IQ-BG", neighbour)
    assert pd.isna(got.governorate_iso[2]) and pd.isna(got.governorate_iso[3])
    assert len(got) == 4


def test_assign_governorate_on_the_tile_grid_uses_nearest_capital():
    from iraq_atlas.places.boundaries import tile_grid_boundaries

    fb = tile_grid_boundaries()
    assert fb.is_fallback
    pts = gpd.GeoDataFrame(geometry=[Point(44.40, 33.31), Point(43.13, 36.34), Point(47.80, 30.52)], crs=4326)
    got = spatial.assign_governorate(pts, fb)
    assert list(got.governorate_iso) == ["IQ-BG", "IQ-NI", "IQ-BA"]
    assert set(got.governorate_method) == {"nearest_capital"}


def test_assign_governorate_defaults_to_embedded_polygons():
    pts = gpd.GeoDataFrame(geometry=[Point(44.40, 33.31), Point(43.13, 36.34), Point(47.80, 30.52)], crs=4326)
    got = spatial.assign_governorate(pts)
    assert list(got.governorate_iso) == ["IQ-BG", "IQ-NI", "IQ-BA"]
    assert set(got.governorate_method) == {"polygon"}
    assert load_boundaries("ADM1").origin == "embedded"
