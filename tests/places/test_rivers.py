"""The embedded river lines: what the build script wrote, how it picks rivers, and the map layer."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point

from iraq_atlas.places.rivers import RIVERS_ATTRIBUTION, load_rivers
from iraq_atlas.viz import maps

ROOT = Path(__file__).resolve().parents[2]
RIVERS = ROOT / "geodata" / "rivers"
METRIC = "EPSG:32638"


def _script():
    spec = importlib.util.spec_from_file_location("build_rivers", ROOT / "scripts" / "build_rivers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _km(geom, lon, lat) -> float:
    line = gpd.GeoSeries([geom], crs=4326).to_crs(METRIC).iloc[0]
    return line.distance(gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(METRIC).iloc[0]) / 1000


def test_metadata_records_source_licence_settings_and_checksums():
    meta = json.loads((RIVERS / "metadata.json").read_text(encoding="utf-8"))
    assert meta["source"]["licence"] == "public domain"
    assert meta["source"]["url"].startswith("https://www.naturalearthdata.com/")
    assert meta["source"]["attribution"] == RIVERS_ATTRIBUTION
    assert len(meta["input"]["sha256"]) == 64 and meta["input"]["file"] == "ne_50m_rivers_lake_centerlines.geojson"
    assert meta["simplification"]["tolerance_m"] > 0 and meta["clip"]["margin_m"] > 0
    out = RIVERS / "rivers.geojson"
    assert meta["output"]["bytes"] == out.stat().st_size
    country = ROOT / "geodata" / "boundaries" / "adm0.geojson"
    assert meta["clip"]["country_sha256"] == hashlib.sha256(country.read_bytes()).hexdigest()
    # no absolute path of the machine that built it: the input is named by file name only
    assert "/" not in meta["input"]["file"] and not re.search(r"(?:^|\s)/", meta["command"])


def test_rivers_are_valid_lines_inside_iraq_and_small():
    r = load_rivers()
    assert sorted(r.name) == ["Euphrates", "Shatt al-Arab", "Tigris"]
    assert dict(zip(r.name, r.name_ar)) == {"Tigris": "دجلة", "Euphrates": "الفرات", "Shatt al-Arab": "شط العرب"}
    assert set(r.geometry.geom_type) <= {"LineString", "MultiLineString"} and r.geometry.is_valid.all()
    assert (RIVERS / "rivers.geojson").stat().st_size < 50_000
    meta = json.loads((RIVERS / "metadata.json").read_text(encoding="utf-8"))
    country = gpd.read_file(ROOT / "geodata" / "boundaries" / "adm0.geojson").to_crs(METRIC)
    area = shapely.buffer(country.geometry.iloc[0], meta["clip"]["margin_m"] + 1.0)
    assert r.to_crs(METRIC).geometry.within(area).all()
    lengths = dict(zip(r.name, r.to_crs(METRIC).length / 1000))
    assert 900 < lengths["Tigris"] < 1500 and 800 < lengths["Euphrates"] < 1300 and 150 < lengths["Shatt al-Arab"] < 220


@pytest.mark.parametrize("river, town, lon, lat", [
    ("Tigris", "Mosul", 43.13, 36.34), ("Tigris", "Samarra", 43.87, 34.20), ("Tigris", "Baghdad", 44.37, 33.31),
    ("Tigris", "Kut", 45.82, 32.51), ("Euphrates", "Haditha", 42.37, 34.14), ("Euphrates", "Hit", 42.83, 33.64),
    ("Euphrates", "Ramadi", 43.30, 33.42), ("Euphrates", "Fallujah", 43.78, 33.35),
    ("Euphrates", "Nasiriyah", 46.26, 31.04), ("Shatt al-Arab", "Basra", 47.81, 30.51)])
def test_each_river_passes_its_towns(river, town, lon, lat):
    r = load_rivers().set_index("name")
    assert _km(r.geometry[river], lon, lat) < 5, town
    others = [_km(g, lon, lat) for n, g in r.geometry.items() if n != river]
    assert min(others) > 3, f"{town} is by {river} only"


def test_build_picks_rivers_by_name_or_by_first_vertex_and_clips_to_iraq(tmp_path):
    build = _script()
    tigris_start = build.RIVERS["Tigris"][2]
    src = gpd.GeoDataFrame({"name": [None, "Euphrates", "Shatt al Arab", "Thames"]}, geometry=[
        LineString([tigris_start, (43.1, 36.3), (44.4, 33.3), (47.4, 31.0)]),    # no name: its first vertex
        LineString([(38.0, 36.0), (41.0, 34.4), (43.8, 33.35), (46.3, 31.0)]),  # starts in Syria
        LineString([(47.47, 30.97), (48.55, 29.96)]),
        LineString([(-2.0, 51.7), (0.4, 51.5)])], crs=4326)
    country = gpd.read_file(ROOT / "geodata" / "boundaries" / "adm0.geojson")
    out = build.build(src, country, 200.0, 3000.0, 5).set_index("name")
    assert sorted(out.index) == ["Euphrates", "Shatt al-Arab", "Tigris"]
    euphrates = out.geometry["Euphrates"]
    assert min(x for x, _ in shapely.get_coordinates(euphrates)) > 40.5   # the Syrian stretch is clipped off
    assert _km(euphrates, 43.8, 33.35) < 1


def test_build_refuses_an_input_without_the_rivers(tmp_path):
    build = _script()
    src = gpd.GeoDataFrame({"name": ["Thames"]}, geometry=[LineString([(-2.0, 51.7), (0.4, 51.5)])], crs=4326)
    country = gpd.read_file(ROOT / "geodata" / "boundaries" / "adm0.geojson")
    with pytest.raises(SystemExit, match="Euphrates.*Shatt al Arab.*Tigris"):
        build.build(src, country, 200.0, 3000.0, 5)


def test_build_script_writes_identical_files_twice(tmp_path):
    build = _script()
    src = tmp_path / "ne_50m_rivers_lake_centerlines.geojson"
    feats = [{"type": "Feature", "properties": {"name": n},
              "geometry": {"type": "LineString", "coordinates": c}} for n, c in (
        ("Tigris", [[42.38, 37.06], [44.4, 33.3], [47.44, 31.0]]),
        ("Euphrates", [[41.0, 34.4], [43.8, 33.35], [47.47, 30.97]]),
        ("Shatt al Arab", [[47.47, 30.97], [48.55, 29.96]]))]
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    for out in ("a", "b"):
        assert build.main(["--input", str(src), "--out", str(tmp_path / out)]) == 0
    a, b = (tmp_path / "a" / "rivers.geojson").read_bytes(), (tmp_path / "b" / "rivers.geojson").read_bytes()
    assert a == b
    meta = json.loads((tmp_path / "a" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["input"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert meta["output"]["features"] == 3


def _data(m) -> dict:
    return maps.page_data(maps.to_html(m)[0])


def _layer_names(data: dict) -> list:
    return [v for k, v in data.items() if k.startswith("layer_control_")][0]


@pytest.mark.parametrize("area", ["iraq", "baghdad"])
def test_maps_draw_the_rivers_as_a_layer_with_their_credit(area):
    data = _data(maps.finish(maps.base_map(area=area, tiles=False)))
    assert "Rivers" in _layer_names(data)
    assert RIVERS_ATTRIBUTION in data.values()
    drawn = [f["properties"]["name"] for v in data.values() if isinstance(v, dict) and "data" in v
             for f in v["data"].get("features", []) if f["properties"].get("name_ar") == "دجلة"]
    assert drawn == ["Tigris"]


def test_rivers_can_be_left_off():
    data = _data(maps.finish(maps.base_map(tiles=False, rivers=False)))
    assert "Rivers" not in _layer_names(data) and RIVERS_ATTRIBUTION not in data.values()


def test_baghdad_view_is_not_widened_by_the_rivers():
    data = _data(maps.finish(maps.base_map(area="baghdad", tiles=False)))
    fit = [v for k, v in data.items() if k.startswith("fit_bounds_")][0]["bounds"]
    assert 32.8 < fit[0][0] < 33.4 and 33.3 < fit[1][0] < 33.8    # Baghdad governorate, not the Tigris' length


def test_missing_river_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("IRAQ_ATLAS_GEODATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="rivers.geojson"):
        load_rivers()
