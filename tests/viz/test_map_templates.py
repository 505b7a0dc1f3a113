"""Data text never reaches a template engine while a map is built (Python side).

branca compiles each element's rendered script as a new Jinja2 template, so a
map that put data text into its scripts would evaluate ``{{ ... }}`` found in an
incident's notes. Every map-building path is built here with template syntax
in every text field: nothing may run, rendering must not fail, and every
string must reach the page's data exactly as it was given.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from iraq_atlas.cli import main
from iraq_atlas.html import escape
from iraq_atlas.places.boundaries import Boundaries, tile_grid
from iraq_atlas.viz import maps


def _templates(canary: Path) -> list[str]:
    return [
        "{{7*7}}",
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(canary) + "').read() }}",
        "{% raw %} unclosed",
        "{% for x in range(3) %}loop{% endfor %}",
        "{# comment #} {%- if true -%}",
        "{{ '</script><script>window.__pwned=1</script>' }}",
        "</script><script>window.__pwned=2</script> {{",
    ]


@pytest.fixture
def canary(tmp_path) -> Path:
    return tmp_path / "template-was-evaluated"


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _check(page: str, hostile: list[str], canary: Path) -> None:
    """Nothing ran; each hostile string is in the page's data as given (or HTML-escaped), never in its code."""
    assert not canary.exists(), "a template in the data was evaluated"
    found = _strings(maps.page_data(page))
    for h in hostile:
        assert any(h in s or escape(h) in s for s in found), f"{h!r} did not reach the page as data"
    code = maps._DATA_BLOCK.sub("", page)
    for marker in ("7*7", "cycler", "{% raw", "{% for", "{#", "__pwned"):
        assert marker not in code, f"{marker!r} appears in the page's code"


def _hostile_points(texts: list[str]) -> gpd.GeoDataFrame:
    n = len(texts)
    return gpd.GeoDataFrame({"name": texts, "notes": texts[::-1], "source": ["https://example.org/" + t for t in texts],
                             "day": ["2021-11-07"] * n},
                            geometry=[Point(44.38 + i / 100, 33.30) for i in range(n)], crs="EPSG:4326")


def test_points_layer_names_and_slider_keep_templates_as_data(canary):
    hostile = _templates(canary)
    m = maps.base_map((33.3, 44.4), 12)
    for i, h in enumerate(hostile):
        maps.add_points(m, _hostile_points(hostile), name=f"layer {i} {h}", title="name", tooltip="name",
                        popup=[("notes", h, False), ("source", "Source", True)], time_field="day")
    maps.add_time_slider(m, ["2021-11-07"])
    maps.finish(m)
    page, _ = maps.to_html(m)
    _check(page, hostile, canary)
    control = [v for k, v in maps.page_data(page).items() if k.startswith("layer_control_")]
    assert control and [escape(f"layer {i} {h}") for i, h in enumerate(hostile)] == \
        [n for n in control[0] if n.startswith("layer ")]


def test_compact_large_layer_keeps_templates_as_data(canary):
    hostile = _templates(canary)
    texts = (hostile * (maps.COMPACT_POINTS // len(hostile) + 2))[: maps.COMPACT_POINTS + 5]
    m = maps.base_map((33.3, 44.4), 12)
    maps.add_points(m, _hostile_points(texts), name="big", popup=[("notes", "Notes", False)], title="name")
    page, _ = maps.to_html(maps.finish(m))
    _check(page, hostile, canary)


def test_boundaries_attribution_and_places_keep_templates_as_data(canary):
    hostile = _templates(canary)
    grid = tile_grid()
    grid["name"] = [hostile[i % len(hostile)] for i in range(len(grid))]
    b = Boundaries(grid, "ADM1", "path", "test", attribution="credit " + hostile[1])
    m = maps.base_map(boundaries=b)
    places = _hostile_points(hostile).assign(name_ar=hostile, kind="city", precision_m=10,
                                            governorate_iso="IQ-BG", source_url="https://example.org")
    maps.add_places(m, places)
    page, _ = maps.to_html(maps.finish(m))
    _check(page, hostile, canary)


def test_incident_map_keeps_templates_as_data(canary):
    from iraq_atlas.incidents.load import load_incidents

    hostile = _templates(canary)
    inc = load_incidents().accepted
    inc = inc[inc.geometry.notna()].head(len(hostile) * 2).copy()
    for col in ["notes", "location", "sub_event_type", "actor1", "source", "target", "event_type"]:
        inc[col] = [hostile[i % len(hostile)] for i in range(len(inc))]
    page, _ = maps.to_html(maps.incident_map(inc, tile_grid_boundaries(), maps.BAGHDAD, 11))
    _check(page, hostile, canary)


def tile_grid_boundaries() -> Boundaries:
    return Boundaries(tile_grid(), "ADM1", "fallback", "tile grid", attribution="tile grid")


def test_seat_map_and_distance_rings_keep_templates_as_data(canary):
    from iraq_atlas import elections

    hostile = _templates(canary)
    b = tile_grid_boundaries()
    b.gdf["name"] = [hostile[i % len(hostile)] for i in range(len(b.gdf))]
    seats = elections.load_elections().governorate_seats
    page, _ = maps.to_html(maps.seats_folium_map(seats, 2021, b))
    _check(page, hostile, canary)

    focus = _hostile_points(hostile).assign(
        governorate_only=False, event_date=pd.Timestamp("2021-11-07"), event_type=hostile[0],
        sub_event_type=hostile[1], location=hostile[2], area=hostile[3], band_pm_residence=hostile[4],
        band_green_zone=hostile[5], fatalities=1, district=hostile[6], flags="", source_url="https://x.org",
        event_id_cnty=hostile[0])
    page, _ = maps.to_html(maps.baghdad_map(focus, b))
    _check(page, hostile, canary)


ACLED_TEXT = ["actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "admin2", "admin3", "location",
              "source", "notes", "tags"]


def test_cli_map_of_a_hostile_acled_export(canary, tmp_path, capsys):
    from synthetic import ACLED_HEADER
    from synthetic import acled_row as _acled_row

    hostile = _templates(canary)
    rows = [_acled_row(event_id_cnty=f"IRQ{i}",
                       **{c: hostile[(i + j) % len(hostile)] for j, c in enumerate(ACLED_TEXT)})
            for i in range(len(hostile))]
    src = tmp_path / "acled.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_HEADER)
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "map.html"
    assert main(["map", "--source", str(src), "--out", str(out)]) == 0
    assert "accepted 7, rejected 0" in capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    _check(page, hostile, canary)
    points = [f for k, v in maps.page_data(page).items() if k.startswith("safe_geo_json_")
              for f in v["data"]["features"] if f["geometry"]["type"] == "Point"]
    assert sorted(p["properties"]["notes"] for p in points) == sorted(r["notes"] for r in rows)
