"""Maps and charts of emerging hot spots and milestone effects: legend, forest plot, small multiples."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
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


# -- forest plot -------------------------------------------------------------------------------------
def _effects() -> pd.DataFrame:
    return pd.DataFrame({
        "milestone_id": ["ed_2021"] * 4, "name": ["Baghdad", "Al Basrah", "Ninawa", "Dahuk"],
        "before": [2, 10, 0, 0], "after": [6, 1, 4, 0],
        "rate_ratio": [3.0, 0.1, np.inf, np.nan], "ci_low": [0.6, 0.01, 0.5, np.nan],
        "ci_high": [30.0, 0.7, np.inf, np.nan],
        "verdict": ["no detectable change", "lower after", "higher after", "no incidents"]})


def _interval(ax, y: float):
    """The two-point horizontal line drawn at height y (the interval of that row)."""
    found = [ln for ln in ax.lines if len(ln.get_ydata()) == 2 and list(ln.get_ydata()) == [y, y]]
    assert len(found) == 1, y
    return found[0]


def test_forest_plot_one_row_per_group_with_incidents_and_its_interval():
    fig = hv.forest_plot(_effects())
    try:
        ax = fig.axes[0]
        rows = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
        # Dahuk has no incident in either window: no row; one milestone, so no milestone in the labels
        assert rows == {"Baghdad  (2 → 6)": 2, "Al Basrah  (10 → 1)": 1, "Ninawa  (0 → 4)": 0}
        baghdad = _interval(ax, 2)
        assert list(baghdad.get_xdata()) == [0.6, 30.0]
        assert mcolors.to_hex(baghdad.get_color()) == "#616161"           # no detectable change: grey
        basra = _interval(ax, 1)
        assert list(basra.get_xdata()) == [0.01, 0.7]
        assert mcolors.to_hex(basra.get_color()) == "#1565c0"             # lower after: blue
        # an infinite upper bound runs to the right edge: 1.5 × the largest finite value (30) = 45
        ninawa = _interval(ax, 0)
        assert list(ninawa.get_xdata()) == [0.5, 45.0]
        assert mcolors.to_hex(ninawa.get_color()) == "#b71c1c"            # higher after: red
        assert ax.get_xscale() == "log"
        assert any(list(ln.get_xdata()) == [1, 1] for ln in ax.lines)     # the line of no change
        assert any("timing, not cause" in t.get_text() for t in fig.texts)
    finally:
        plt.close(fig)


def test_forest_plot_names_the_milestone_when_there_are_several():
    eff = pd.concat([_effects().head(1), _effects().head(1).assign(milestone_id="ed_2025", before=3)])
    fig = hv.forest_plot(eff)
    try:
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert sorted(labels) == ["Baghdad · ed_2021  (2 → 6)", "Baghdad · ed_2025  (3 → 6)"]
    finally:
        plt.close(fig)


def test_forest_plot_without_incidents_says_so():
    fig = hv.forest_plot(_effects().tail(1))
    try:
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert "No incidents in either window: no rate ratio to show." in texts
        assert not fig.axes[0].lines
    finally:
        plt.close(fig)


# -- trend small multiples ---------------------------------------------------------------------------
def _trend_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = pd.date_range("2021-01-01", periods=3, freq="MS")
    result = pd.DataFrame({"cell": ["a", "b", "c"], "name": ["Baghdad", "Al Basrah", "Dahuk"],
                           "category": ["new hot spot", "no pattern detected", "no pattern detected"],
                           "events": [7, 2, 0]})
    gstar = pd.DataFrame({"cell": np.repeat(["a", "b", "c"], 3), "step": np.tile(steps, 3),
                          "events": [0, 1, 6, 1, 1, 0, 0, 0, 0],
                          "gi_z": [-0.5, 0.2, 2.4, 0.3, 0.1, -1.0, 0.0, 0.0, 0.0],
                          "hot": [0, 0, 1, 0, 0, 0, 0, 0, 0], "cold": [0, 0, 0, 0, 0, 0, 0, 0, 0]})
    return result, gstar


def test_trend_small_multiples_draws_the_counts_and_z_of_each_cell_with_incidents():
    result, gstar = _trend_tables()
    fig = hv.trend_small_multiples(result, gstar)
    try:
        # Dahuk has no incident and no pattern: two panels (each a bar axis and its twin z axis)
        bar_axes = [ax for ax in fig.axes if ax.patches]
        assert [ax.get_title() for ax in bar_axes] == ["Baghdad · new hot spot", "Al Basrah · no pattern detected"]
        assert [p.get_height() for p in bar_axes[0].patches] == [0, 1, 6]
        assert [p.get_height() for p in bar_axes[1].patches] == [1, 1, 0]
        z_axes = [ax for ax in fig.axes if ax.get_ylabel() == "Gi* z"]
        assert len(z_axes) == 2
        assert list(z_axes[0].lines[0].get_ydata()) == [-0.5, 0.2, 2.4]
        # the one significant hot step of Baghdad is marked: a dot at z = 2.4
        dots = [c.get_offsets() for c in z_axes[0].collections if len(c.get_offsets())]
        assert len(dots) == 1 and dots[0][0][1] == 2.4
    finally:
        plt.close(fig)


def test_trend_small_multiples_without_incidents_says_so():
    result, gstar = _trend_tables()
    quiet = result.assign(events=0, category="no pattern detected")
    fig = hv.trend_small_multiples(quiet, gstar)
    try:
        assert [t.get_text() for t in fig.axes[0].texts] == ["No cell has incidents in this period."]
    finally:
        plt.close(fig)
