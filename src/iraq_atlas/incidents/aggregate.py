"""Counting accepted incidents: casualties per row for map symbols, a density grid for heat layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from iraq_atlas.vocab import CRS


def casualties(incidents: pd.DataFrame) -> pd.Series:
    """Killed plus injured per row (unknown counts as 0), for sizing map symbols.

    Only for symbol sizes: sums of casualties report unknown rows separately
    (:func:`iraq_atlas.analysis.merge.governorate_summary`).

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``fatalities`` and ``injuries`` (nullable integers).

    Returns
    -------
    pandas.Series
        One integer per row.

    Examples
    --------
    >>> casualties(pd.DataFrame({"fatalities": pd.array([2, None], dtype="Int64"),
    ...                          "injuries": pd.array([None, 3], dtype="Int64")})).tolist()
    [2, 3]
    """
    return incidents["fatalities"].fillna(0).astype(int) + incidents["injuries"].fillna(0).astype(int)


def density_grid(incidents: gpd.GeoDataFrame, cell_deg: float) -> gpd.GeoDataFrame:
    """Incidents counted on a square lon/lat grid: one polygon per non-empty cell with ``count``.

    A heat layer that needs no map plugin: the counting happens here, the map
    only draws polygons.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points (EPSG:4326).
    cell_deg : float
        Cell size in degrees (positive).

    Returns
    -------
    geopandas.GeoDataFrame
        ``count`` and the cell polygon, one row per cell holding at least one point.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([44.31, 44.32, 45.1], [33.31, 33.32, 33.9]), crs=CRS)
    >>> sorted(density_grid(pts, 0.5)["count"])
    [1, 2]
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
