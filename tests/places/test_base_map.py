"""base_map: labelled boundaries as data, OCHA credit, legends, and a view fitted to the data."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from iraq_atlas.viz import maps


def _data(m) -> dict:
    return maps.page_data(maps.to_html(m)[0])


def _labels(data: dict) -> list[list]:
    return [lab for k, v in data.items() if k.startswith("labels_") for lab in v["labels"]]


def test_iraq_map_shows_governorates_with_labels_and_credit():
    data = _data(maps.finish(maps.base_map(tiles=False)))
    labels = _labels(data)
    assert len(labels) == 18 and {lab[3] for lab in labels} == {"governorate"}
    assert "Baghdad" in {lab[2] for lab in labels}
    assert "Boundaries: OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO" in data.values()
    fit = [v for k, v in data.items() if k.startswith("fit_bounds_")][0]["bounds"]
    assert 28.5 < fit[0][0] < 29.6 and 37.2 < fit[1][0] < 37.6       # Iraq's south and north edges


def test_baghdad_map_shows_districts_and_subdistricts_with_labels():
    data = _data(maps.finish(maps.base_map(maps.BAGHDAD, 11, tiles=False)))
    labels = _labels(data)
    kinds = [lab[3] for lab in labels]
    assert kinds.count("district") == 7 and kinds.count("subdistrict") == 21
    assert {"Al-Karkh", "Al-Mansour", "Abu Ghraib"} <= {lab[2] for lab in labels}
    control = [v for k, v in data.items() if k.startswith("layer_control_")][0]
    assert "Baghdad: districts" in control and "Baghdad: sub-districts" in control


def test_view_fits_the_data_not_the_base():
    m = maps.base_map(tiles=False)
    pts = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(44.30, 33.20), Point(44.50, 33.40)], crs=4326)
    maps.add_points(m, pts, name="Two points", popup=[("name", "Name", False)])
    fit = [v for k, v in _data(maps.finish(m)).items() if k.startswith("fit_bounds_")][0]["bounds"]
    assert fit == [[33.2, 44.3], [33.4, 44.5]]


def test_place_kinds_get_a_legend_and_labels_stay_data():
    m = maps.base_map(tiles=False)
    places = gpd.GeoDataFrame({"name": ["<b>x</b>"], "name_ar": [""], "kind": ["embassy"], "precision_m": [300],
                               "governorate_iso": ["IQ-BG"], "source_url": ["https://example.org"]},
                              geometry=[Point(44.39, 33.30)], crs=4326)
    maps.add_places(m, places)
    page = maps.to_html(maps.finish(m))[0]
    legends = [v for k, v in maps.page_data(page).items() if k.startswith("legend_")]
    assert legends and legends[0]["title"] == "Place kinds" and legends[0]["items"][0][0] == "embassy"
    assert "<b>x</b>" not in maps._DATA_BLOCK.sub("", page)


def test_tiles_only_when_online():
    page = maps.to_html(maps.finish(maps.base_map()))[0]
    assert "navigator.onLine" in page
    assert "tile.openstreetmap.org" not in maps._DATA_BLOCK.sub("", page)
