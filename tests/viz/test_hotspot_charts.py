"""Maps and charts of emerging hot spots and milestone effects: legend, forest plot, small multiples."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from iraq_atlas.viz import hotspots as hv
from iraq_atlas.viz import maps

#: The seventeen categories in the documented order (docs/hotspots.md) with their colours.
LEGEND = [
    ["new hot spot", "#fcbba1"], ["consecutive hot spot", "#fc9272"], ["intensifying hot spot", "#a50f15"],
    ["persistent hot spot", "#de2d26"], ["diminishing hot spot", "#fb6a4a"], ["sporadic hot spot", "#f7a072"],
    ["oscillating hot spot", "#c994c7"], ["historical hot spot", "#8c6d62"],
    ["new cold spot", "#c6dbef"], ["consecutive cold spot", "#9ecae1"], ["intensifying cold spot", "#08519c"],
    ["persistent cold spot", "#3182bd"], ["diminishing cold spot", "#6baed6"], ["sporadic cold spot", "#a6bddb"],
    ["oscillating cold spot", "#9e9ac8"], ["historical cold spot", "#62788c"],
    ["no pattern detected", "#bdbdbd"],
]


def _result(categories: list[str]) -> gpd.GeoDataFrame:
    n = len(categories)
    return gpd.GeoDataFrame(
        {"cell": [f"c{i}" for i in range(n)], "name": [f"Cell {i}" for i in range(n)],
         "governorate_iso": ["IQ-BG"] * n, "category": categories, "events": [3] * n, "hot_steps": [1] * n,
         "cold_steps": [0] * n, "trend_z": [0.0] * n, "trend_p": [1.0] * n, "sen_slope": [0.0] * n,
         "last_gi_z": [2.5] * n},
        geometry=[box(44.0 + 0.2 * i, 33.0, 44.1 + 0.2 * i, 33.1) for i in range(n)], crs="EPSG:4326")


def test_category_map_legend_lists_all_seventeen_categories(tmp_path):
    # one cell only: the legend still names every category, in order, with its colour
    path = maps.save_map(hv.category_map(_result(["new hot spot"]), False), tmp_path / "categories.html")
    data = maps.page_data(path.read_text(encoding="utf-8"))
    legends = [v for v in data.values() if isinstance(v, dict) and {"title", "items"} <= set(v)]
    assert len(legends) == 1
    assert legends[0]["title"] == "Emerging hot-spot category"
    assert [name for name, _ in legends[0]["items"]] == [name for name, _ in LEGEND]
    assert legends[0]["items"] == LEGEND
    assert legends[0]["shape"] == "square"
