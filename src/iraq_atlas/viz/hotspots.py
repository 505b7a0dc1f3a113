"""Maps and charts of emerging hot spots and milestone effects.

* :func:`category_map`: the cells coloured by category on the offline base map
  (data travels only through :class:`iraq_atlas.viz.maps.SafeGeoJson`).
* :func:`trend_small_multiples`: counts and Gi* z-scores per step for the top cells.
* :func:`forest_plot`: rate ratios after/before a milestone with their intervals.
"""

from __future__ import annotations

import textwrap

import folium
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from iraq_atlas.analysis.hotspots import CATEGORIES, cube_matrix
from iraq_atlas.places.boundaries import Boundaries
from iraq_atlas.viz.charts import mark_empty

_HOT = {"new": "#fcbba1", "consecutive": "#fc9272", "intensifying": "#a50f15", "persistent": "#de2d26",
        "diminishing": "#fb6a4a", "sporadic": "#f7a072", "oscillating": "#c994c7", "historical": "#8c6d62"}
_COLD = {"new": "#c6dbef", "consecutive": "#9ecae1", "intensifying": "#08519c", "persistent": "#3182bd",
         "diminishing": "#6baed6", "sporadic": "#a6bddb", "oscillating": "#9e9ac8", "historical": "#62788c"}
#: Colour of each category: reds for hot spots, blues for cold spots, grey for no pattern.
CATEGORY_COLORS: dict[str, str] = {**{f"{k} hot spot": v for k, v in _HOT.items()},
                                   **{f"{k} cold spot": v for k, v in _COLD.items()},
                                   "no pattern detected": "#bdbdbd"}
GI_COLOR, COUNT_COLOR = "#b71c1c", "#90a4ae"


def category_map(result: gpd.GeoDataFrame, boundaries: Boundaries | None = None, *,
                 show_quiet_cells: bool = True) -> folium.Map:
    """Offline folium map of the cells coloured by category (one layer of patterns, one of quiet cells).

    The legend lists all seventeen categories in the order of
    :data:`iraq_atlas.analysis.hotspots.CATEGORIES`, whether or not a cell has them.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`iraq_atlas.analysis.hotspots.emerging_hotspots`.
    boundaries : Boundaries, optional
        Governorates drawn underneath (see :func:`iraq_atlas.viz.maps.base_map`).
    show_quiet_cells : bool
        Also draw, in grey and hidden at first, cells with incidents but no pattern.

    Returns
    -------
    folium.Map
        The finished map (layer switcher added, view fitted to the cells).

    Examples
    --------
    >>> from iraq_atlas.analysis.hotspots import emerging_hotspots
    >>> from iraq_atlas.incidents import load_incidents
    >>> m = category_map(emerging_hotspots(load_incidents().accepted, "adm1", "quarter"))
    >>> type(m).__name__
    'Map'
    """
    from iraq_atlas.viz.maps import SafeGeoJson, add_legend, base_map, features, finish

    m = base_map(boundaries=boundaries)
    cells = result.copy()
    cells["_color"] = cells["category"].map(CATEGORY_COLORS).fillna("#bdbdbd")
    cells["_stroke"], cells["_weight"] = "#424242", 0.5
    cells["_opacity"] = np.where(cells["category"] == "no pattern detected", 0.25, 0.75)
    for c in ("trend_z", "trend_p", "sen_slope", "last_gi_z"):
        cells[c] = cells[c].astype(float).round(3)
    props = ["name", "cell", "governorate_iso", "category", "events", "hot_steps", "cold_steps", "trend_z",
             "trend_p", "sen_slope", "last_gi_z", "_color", "_stroke", "_weight", "_opacity"]
    popup = [("category", "Category", False), ("name", "Place", False), ("cell", "Cell", False),
             ("governorate_iso", "Governorate", False), ("events", "Incidents", False),
             ("hot_steps", "Significant hot steps", False), ("cold_steps", "Significant cold steps", False),
             ("trend_z", "Trend of Gi* z (Mann-Kendall z)", False), ("trend_p", "Trend p-value", False),
             ("sen_slope", "Sen's slope of counts (per step)", False), ("last_gi_z", "Gi* z, last step", False)]
    pattern = cells[cells["category"] != "no pattern detected"]
    SafeGeoJson(features(pattern, props), name="Hot and cold spots", popup=popup, title="category",
                tooltip="category").add_to(m)
    if show_quiet_cells:
        quiet = cells[(cells["category"] == "no pattern detected") & (cells["events"] > 0)]
        SafeGeoJson(features(quiet, props), name="Cells with incidents, no pattern", popup=popup,
                    title="category", tooltip="name", show=False).add_to(m)
    add_legend(m, "Emerging hot-spot category", [(c, CATEGORY_COLORS[c]) for c in CATEGORIES], shape="square")
    return finish(m)


def top_cells(result: pd.DataFrame, n: int = 6) -> list[str]:
    """Cells to chart: cells with incidents, those with a pattern first (hot before cold), then the busiest;
    cells with a pattern but no incident of their own only fill up the list.

    Parameters
    ----------
    result : pandas.DataFrame
        ``cell``, ``category`` and ``events`` per cell (from
        :func:`iraq_atlas.analysis.hotspots.emerging_hotspots`).
    n : int
        How many cells at most.

    Returns
    -------
    list of str
        Cell ids, in the order they are charted.

    Examples
    --------
    >>> top_cells(pd.DataFrame({"cell": ["a", "b"], "category": ["no pattern detected", "new hot spot"],
    ...                         "events": [9, 1]}), 1)
    ['b']
    """
    rank = result["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    busy = result.assign(_r=rank).sort_values(["_r", "events", "cell"], ascending=[True, False, True])
    own = busy[busy["events"] > 0]
    rest = busy[(busy["events"] == 0) & (busy["category"] != "no pattern detected")]
    return list(pd.concat([own, rest])["cell"].head(n))


def trend_small_multiples(result: gpd.GeoDataFrame, gstar: pd.DataFrame, cells: list[str] | None = None, *,
                          n: int = 6, ncols: int = 3):
    """Counts (bars) and Gi* z-scores (line, right axis) per step for a few cells; a note when there is none.

    Parameters
    ----------
    result : geopandas.GeoDataFrame
        One row per cell (``cell``, ``name``, ``category``, ``events``): the first table of
        :func:`iraq_atlas.analysis.hotspots.hotspot_analysis`.
    gstar : pandas.DataFrame
        One row per cell and step (``events``, ``gi_z``, ``hot``, ``cold``): its second table.
    cells : list of str, optional
        The cells to chart, in order (default: :func:`top_cells` of ``result``).
    n : int
        How many cells :func:`top_cells` picks.
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        A panel per cell, titled with its name and category: the counts on the left axis, the
        Gi* z-scores on a twin axis (so ``fig.axes`` holds the count axes, then the z axes).
        With no cell to chart, a one-line note, marked empty (:func:`~iraq_atlas.viz.charts.mark_empty`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from iraq_atlas.analysis.hotspots import hotspot_analysis
    >>> from iraq_atlas.incidents import load_incidents
    >>> from iraq_atlas.viz.charts import nothing_to_show
    >>> result, gstar = hotspot_analysis(load_incidents().accepted, "adm1", "quarter")
    >>> fig = trend_small_multiples(result, gstar, n=2)
    >>> [ax.get_title().split(" · ")[0] for ax in fig.axes[:2]], [ax.get_ylabel() for ax in fig.axes]
    (['Baghdad', 'Arbil'], ['incidents', 'incidents', 'Gi* z', 'Gi* z'])
    >>> nothing_to_show(trend_small_multiples(result, gstar, []))
    'no cell has incidents in this period'
    >>> plt.close("all")
    """
    gi = gstar
    cells = top_cells(result, n) if cells is None else list(cells)
    if not cells:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No cell has incidents in this period.", ha="center", va="center")
        return mark_empty(fig, "no cell has incidents in this period")
    counts, index, steps = cube_matrix(gi, "events")
    z, _, _ = cube_matrix(gi, "gi_z")
    hot, _, _ = cube_matrix(gi, "hot")
    cold, _, _ = cube_matrix(gi, "cold")
    info = result.set_index("cell")
    ncols = min(ncols, len(cells))
    nrows = int(np.ceil(len(cells) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), squeeze=False, sharex=True)
    width = (steps[1] - steps[0]).days * 0.8 if len(steps) > 1 else 20
    for ax, cell in zip(axes.ravel(), cells):
        i = index.get_loc(cell)
        ax.bar(steps, counts[i], width=width, color=COUNT_COLOR, label="incidents", align="edge")
        ax.set_ylabel("incidents", fontsize=8)
        ax2 = ax.twinx()
        ax2.plot(steps, z[i], color=GI_COLOR, lw=1.2, label="Gi* z")
        ax2.scatter(steps[hot[i] > 0], z[i][hot[i] > 0], color=GI_COLOR, s=14, zorder=3)
        ax2.scatter(steps[cold[i] > 0], z[i][cold[i] > 0], color="#1565c0", s=14, zorder=3)
        ax2.axhline(0, color="#9e9e9e", lw=0.6)
        ax2.set_ylabel("Gi* z", fontsize=8, color=GI_COLOR)
        row = info.loc[cell]
        ax.set_title(textwrap.shorten(f"{row['name']} · {row['category']}", 48), fontsize=9)
        ax.tick_params(labelsize=7)
        ax2.tick_params(labelsize=7)
    for ax in axes.ravel()[len(cells):]:
        ax.axis("off")
    fig.suptitle("Incidents per step (bars) and Gi* z-score (line; dots: significant hot/cold steps)", fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def forest_plot(effects: pd.DataFrame, *, min_events: int = 1, caption: str | None = None):
    """Rate ratio after/before with its interval for every group with incidents, on a log axis.

    Rows with no incident in either window are left out (they have no ratio);
    an infinite bound is drawn as an arrow to the edge. The caption warns
    against a causal reading.

    Parameters
    ----------
    effects : pandas.DataFrame
        From :func:`iraq_atlas.analysis.effects.milestone_effects`: ``name``, ``before``,
        ``after``, ``rate_ratio``, ``ci_low``, ``ci_high`` and ``verdict`` per group.
    min_events : int
        Groups with fewer incidents in both windows together are left out.
    caption : str, optional
        Replaces the default caption.

    Returns
    -------
    matplotlib.figure.Figure
        One axis, a row per group.

    Examples
    --------
    >>> eff = pd.DataFrame({"milestone_id": ["m"], "name": ["Baghdad"], "before": [2], "after": [6],
    ...                     "rate_ratio": [3.0], "ci_low": [0.6], "ci_high": [30.0], "verdict": ["no detectable change"]})
    >>> len(forest_plot(eff).axes)
    1
    """
    from iraq_atlas.analysis.effects import EFFECTS_CAPTION

    caption = EFFECTS_CAPTION if caption is None else caption
    df = effects[(effects["before"] + effects["after"]) >= min_events].copy()
    if df.empty:
        fig, ax = plt.subplots(figsize=(7, 1.8))
        ax.axis("off")
        ax.text(0.5, 0.6, "No incidents in either window: no rate ratio to show.", ha="center", va="center")
        ax.text(0.5, 0.15, "\n".join(textwrap.wrap(caption, 110)), ha="center", va="center", fontsize=7,
                color="#555555")
        return mark_empty(fig, "no incidents in either window of any milestone: no rate ratio to show")
    label = df["name"].astype(str) + (" · " + df["milestone_id"].astype(str)
                                      if df["milestone_id"].nunique() > 1 else "")
    df["label"] = label + "  (" + df["before"].astype(str) + " → " + df["after"].astype(str) + ")"
    finite = pd.concat([df["ci_low"], df["ci_high"], df["rate_ratio"]]).replace([np.inf, -np.inf], np.nan)
    finite = finite[finite > 0].dropna()
    lo_edge = min(0.05, finite.min() / 1.5) if len(finite) else 0.05
    hi_edge = max(20.0, finite.max() * 1.5) if len(finite) else 20.0
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(df) + 1.6))
    y = np.arange(len(df))[::-1]
    colors = df["verdict"].map({"higher after": "#b71c1c", "lower after": "#1565c0"}).fillna("#616161")
    for yi, (_, r), col in zip(y, df.iterrows(), colors):
        lo = r["ci_low"] if r["ci_low"] > 0 else lo_edge
        hi = r["ci_high"] if np.isfinite(r["ci_high"]) else hi_edge
        ax.plot([lo, hi], [yi, yi], color=col, lw=1.6)
        if not np.isfinite(r["ci_high"]):
            ax.annotate("", xy=(hi_edge, yi), xytext=(hi_edge / 1.6, yi),
                        arrowprops={"arrowstyle": "->", "color": col})
        rr = r["rate_ratio"]
        rr_plot = rr if np.isfinite(rr) and rr > 0 else (hi_edge if np.isinf(rr) else lo_edge)
        marker = "s" if np.isfinite(rr) and rr > 0 else (">" if np.isinf(rr) else "<")
        ax.plot([rr_plot], [yi], marker=marker, color=col, ms=6)
    ax.axvline(1, color="#212121", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlim(lo_edge / 1.2, hi_edge * 1.2)
    ax.set_yticks(y)
    ax.set_yticklabels(df["label"], fontsize=8)
    ax.set_xlabel("rate ratio, after ÷ before (log scale; 1 = no change)")
    ax.set_title("Incidents after vs before the milestone (counts before → after)", fontsize=10)
    fig.text(0.01, -0.02, "\n".join(textwrap.wrap(caption, 120)), fontsize=7, color="#555555", va="top")
    fig.tight_layout()
    return fig


def category_counts(result: pd.DataFrame) -> pd.DataFrame:
    """Number of cells and incidents per category, every category listed (zeros included).

    Parameters
    ----------
    result : pandas.DataFrame
        ``category`` and ``events`` per cell (from :func:`iraq_atlas.analysis.hotspots.emerging_hotspots`).

    Returns
    -------
    pandas.DataFrame
        ``category``, ``cells`` and ``events``, one row per category of
        :data:`iraq_atlas.analysis.hotspots.CATEGORIES`.

    Examples
    --------
    >>> t = category_counts(pd.DataFrame({"category": ["new hot spot"], "events": [3]}))
    >>> t.iloc[0]["category"], int(t.iloc[0]["cells"]), int(t.iloc[0]["events"])
    ('new hot spot', 1, 3)
    """
    g = result.groupby("category")
    return pd.DataFrame({"category": list(CATEGORIES),
                         "cells": [int(g.size().get(c, 0)) for c in CATEGORIES],
                         "events": [int(g["events"].sum().get(c, 0)) for c in CATEGORIES]})


__all__ = ["CATEGORY_COLORS", "category_map", "top_cells", "trend_small_multiples", "forest_plot",
           "category_counts"]
