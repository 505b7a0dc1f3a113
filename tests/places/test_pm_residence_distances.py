"""Distances to the PM residence say, beside the numbers, that its point is approximate and whence."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from iraq_atlas import analysis
from iraq_atlas.places.gazetteer import approximate_point_note, place
from iraq_atlas.viz import maps

SHAFAQ = "https://www.shafaq.com/en/Iraq-News/Iraqi-PM-decries-cowardly-attack-on-his-home-by-drones-carrying-explosives"


def test_the_note_names_the_parent_point_precision_and_source():
    note = approximate_point_note("pm_residence")
    assert note.startswith("Prime Minister's residence (al-Kadhimi home): approximate point")
    assert "Green Zone reference point" in note and "±2.5 km" in note and note.endswith(SHAFAQ)
    assert place("pm_residence").source_url == SHAFAQ


def test_sourced_points_get_no_note():
    assert approximate_point_note("us_embassy_baghdad") is None
    assert approximate_point_note("july14_bridge") is None


def _joined() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"governorate": ["IQ-BG", "IQ-BG", "IQ-AN"], "governorate_only": [False, True, False],
                             "fatalities": [2, 0, 1]},
                            geometry=[Point(44.40, 33.31), Point(44.36, 33.31), Point(43.3, 33.4)], crs=4326)


def test_baghdad_incidents_carry_the_note_beside_the_distance():
    focus = analysis.baghdad_focus(_joined())
    assert len(focus) == 2 and (focus["km_pm_residence_note"] == approximate_point_note("pm_residence")).all()
    cols = list(focus.columns)
    assert cols.index("km_pm_residence") < cols.index("km_pm_residence_note")


def test_band_table_rows_from_the_residence_carry_the_note():
    table = analysis.band_table(analysis.baghdad_focus(_joined()))
    pm = table[table["from"] == "PM residence"]
    gz = table[table["from"] == "Green Zone outline"]
    assert len(pm) == 5 and (pm["note"] == approximate_point_note("pm_residence")).all()
    assert gz["note"].isna().all()
    assert int(pm.loc[pm.band == "0–1 km", "incidents"].iloc[0]) == 1


def test_rings_say_the_point_is_approximate():
    r = analysis.rings((0, 1, 5))
    assert list(r.label) == ["1 km from Prime Minister's residence (al-Kadhimi home) (approximate point)",
                             "5 km from Prime Minister's residence (al-Kadhimi home) (approximate point)"]
    assert (r.note == approximate_point_note("pm_residence")).all()


def test_ring_map_says_so_in_the_layer_name_and_popups():
    only_governorate = _joined().assign(governorate_only=True)  # rings without incident points
    page = maps.to_html(maps.baghdad_map(analysis.baghdad_focus(only_governorate), False))[0]
    data = maps.page_data(page)
    control = [v for k, v in data.items() if k.startswith("layer_control_")][0]
    assert "Distance from the PM residence (approximate point)" in control
    ring_layers = [v for v in data.values() if isinstance(v, dict) and "data" in v
                   and any("km from Prime Minister" in str(f["properties"].get("label"))
                           for f in v["data"].get("features", []))]
    assert ring_layers and ["note", "Note", False] in ring_layers[0]["options"]["popup"]
    assert all(f["properties"]["note"] == approximate_point_note("pm_residence")
               for f in ring_layers[0]["data"]["features"])


def test_notebook_table_of_baghdad_sites_has_the_note_column():
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[2] / "notebooks" / "01_places.ipynb").read_text("utf-8"))
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'approximate_point_note("pm_residence")' in code and '"km_to_pm_residence_note"' in code
    assert pd.notna(approximate_point_note("pm_residence"))


def test_ring_map_has_an_event_type_legend_for_its_incidents():
    from iraq_atlas.incidents.load import load_incidents
    from iraq_atlas.places.boundaries import load_boundaries

    inc = load_incidents().accepted
    focus = analysis.baghdad_focus(analysis.join_incidents(inc, load_boundaries("ADM1")))
    placed = focus[~focus["governorate_only"].astype(bool)]
    assert len(placed) > 5
    data = maps.page_data(maps.to_html(maps.baghdad_map(focus, False))[0])
    legends = [v for k, v in data.items() if k.startswith("legend_")]
    assert len(legends) == 1 and legends[0]["title"] == "Event types"
    assert [i[0] for i in legends[0]["items"]] == sorted(placed["event_type"].unique())
