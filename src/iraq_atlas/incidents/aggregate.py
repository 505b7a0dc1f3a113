"""Counting accepted incidents: casualties per row for map symbols, a density grid for heat layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from iraq_atlas.vocab import CRS


def casualties(incidents: pd.DataFrame) -> pd.Series:
    """Killed plus injured per row (unknown counts as 0), for sizing map symbols."""
    return incidents["fatalities"].fillna(0).astype(int) + incidents["injuries"].fillna(0).astype(int)


def density_grid(incidents: gpd.GeoDataFrame, cell_deg: float) -> gpd.GeoDataFrame:
    """Incidents counted on a square lon/lat grid: one polygon per non-empty cell with ``count``.

    A heat layer that needs no map plugin: the counting happens here, the map
    only draws polygons.
    """
    from shapely import box

    if cell_deg <= 0:
        raise ValueError("cell_deg must be positive")
    pts = incidents[incidents.geometry.notna()]
    if pts.empty:
        return gpd.GeoDataFrame({"count": pd.Series(dtype=int)}, geometry=[], crs=CRS)
    ix = np.floor(pts.geometry.x.to_numpy() / cell_deg).astype(int)
    iy = np.floor(pts.geometry.y.to_numpy() / cell_deg).astype(int)
    cells = pd.DataFrame({"ix": ix, "iy": iy}).value_counts().rename("count").reset_index()
    geoms = box(cells.ix * cell_deg, cells.iy * cell_deg, (cells.ix + 1) * cell_deg, (cells.iy + 1) * cell_deg)
    return gpd.GeoDataFrame({"count": cells["count"].to_numpy()}, geometry=geoms, crs=CRS)
