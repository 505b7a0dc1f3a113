"""Matplotlib charts with one palette for blocs and event types across the suite."""

from __future__ import annotations

import geopandas as gpd
import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline") else None
import matplotlib.pyplot as plt  # noqa: E402

from .boundaries import Boundaries  # noqa: E402
from .maps import EVENT_COLORS, KIND_COLORS  # noqa: E402

BLOC_COLORS = {
    "sadrist": "#2e7d32",
    "iran_aligned": "#c62828",
    "shia_other": "#f9a825",
    "sunni": "#1565c0",
    "kurdish": "#ef6c00",
    "protest": "#6a1b9a",
    "minority": "#00838f",
    "independent": "#9e9e9e",
    "other": "#5d4037",
}
BLOC_LABELS = {
    "sadrist": "Sadrist", "iran_aligned": "Iran-aligned (Fatah & allies)", "shia_other": "Other Shia lists",
    "sunni": "Sunni lists", "kurdish": "Kurdish lists", "protest": "Protest movement",
    "minority": "Minority quota", "independent": "Independents", "other": "Other",
}
BLOC_ORDER = list(BLOC_COLORS)

__all__ = ["BLOC_COLORS", "BLOC_LABELS", "BLOC_ORDER", "EVENT_COLORS", "KIND_COLORS", "places_overview"]


def places_overview(boundaries: Boundaries, places: gpd.GeoDataFrame):
    """A static map of governorates (or the tile grid) with gazetteer places coloured by kind."""
    fig, ax = plt.subplots(figsize=(7, 7))
    gdf = boundaries.gdf
    gdf.plot(ax=ax, color="#eceff1", edgecolor="#78909c", linewidth=0.8)
    if boundaries.is_fallback:
        for r in gdf.itertuples():
            c = r.geometry.centroid
            ax.annotate(r.iso_3166_2, (c.x, c.y), ha="center", va="center", fontsize=8, color="#455a64")
    for kind, grp in places[places.geometry.notna()].groupby("kind"):
        grp.plot(ax=ax, color=KIND_COLORS.get(kind, "#555"), markersize=28, label=kind, zorder=3)
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    ax.set_title("Iraq Atlas gazetteer: places by kind")
    ax.set_axis_off()
    ax.text(0.99, 0.01, boundaries.attribution, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555")
    return fig
