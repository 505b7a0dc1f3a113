"""Joining incidents to governorates and districts: every incident kept, doubtful ones flagged.

The question behind the analysis: how does political violence line up with the
electoral map and the electoral calendar? This module places validated incidents
(:mod:`iraq_atlas.incidents`) in governorate and district polygons. Every incident
is kept; doubtful ones carry flags instead of disappearing.

Rules (each one is tested in ``tests/analysis/test_merge.py``)
------------------------------------------------------

Governorate of an incident (:func:`join_incidents`):

* ``geo_precision`` 3 means the source only names the governorate: the data's
  ``admin1`` is kept and the row is flagged ``governorate_only`` (its point
  is a stand-in, so it is never used for a district, a distance band or the
  Green Zone test).
* Otherwise the point is joined to the ADM1 polygons. Inside one polygon →
  that governorate (``polygon``). On a polygon edge, or inside two
  overlapping polygons → ``boundary``: the data's ``admin1`` when it is one
  of the governorates touched, else the lowest ISO code touched; every
  touched code is listed in ``governorate_candidates``.
* Outside every polygon (e.g. just across the border) → ``outside``: the
  data's ``admin1`` is kept.
* No polygons loaded (tile-grid fallback) → ``no_polygons``: the data's
  ``admin1`` is kept.
* When the polygon disagrees with the data's ``admin1`` the row is flagged
  ``admin1_mismatch``; ``governorate`` holds the polygon's code and
  ``admin1`` the data's, so both stay visible.
* ``district`` comes from ADM2 polygons when they are loaded (the Baghdad
  districts in particular); empty otherwise.

Dates and windows (:func:`milestone_windows`, :func:`window_counts`):
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from iraq_atlas.places.boundaries import Boundaries, capital_points
from iraq_atlas.places.governorates import governorate_names
from iraq_atlas.vocab import CRS

FLAG_NAMES = ("governorate_only", "outside", "boundary", "no_polygons", "admin1_mismatch")


def _touched(points: np.ndarray, polys: gpd.GeoDataFrame, code_col: str) -> tuple[list, list]:
    """Per point: codes of polygons it lies strictly inside, and of polygons it touches at all."""
    tree = shapely.STRtree(polys.geometry.values)
    codes = polys[code_col].to_numpy()
    inside: list[list] = [[] for _ in range(len(points))]
    touch: list[list] = [[] for _ in range(len(points))]
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    idx = np.flatnonzero(ok)
    for pred, store in (("within", inside), ("intersects", touch)):
        p_idx, t_idx = tree.query(points[idx], predicate=pred)
        for p, t in zip(idx[p_idx], t_idx):
            store[p].append(codes[t])
    return [sorted(set(c)) for c in inside], [sorted(set(c)) for c in touch]


def join_incidents(incidents: gpd.GeoDataFrame, adm1: Boundaries,
                   adm2: Boundaries | None = None) -> gpd.GeoDataFrame:
    """Every incident with ``governorate``, how it was found, its flags and its district.

    Adds ``governorate``, ``governorate_name``, ``governorate_method``,
    ``governorate_polygon`` (what the polygons say, empty when nothing),
    ``governorate_candidates`` ("|"-joined codes touched), ``district``, the
    boolean flags in :data:`FLAG_NAMES` and ``flags`` ("|"-joined names).
    No row is removed or reordered.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Accepted incidents (``admin1``, ``geo_precision``, points).
    adm1 : Boundaries
        Governorate polygons (or the tile-grid fallback).
    adm2 : Boundaries, optional
        District polygons.

    Returns
    -------
    geopandas.GeoDataFrame

    Examples
    --------
    >>> from iraq_atlas.places.boundaries import load_boundaries
    >>> inc = gpd.GeoDataFrame({"admin1": ["IQ-BG"], "geo_precision": [1]},
    ...                        geometry=gpd.points_from_xy([44.39], [33.31]), crs=CRS)
    >>> j = join_incidents(inc, load_boundaries("ADM1"))
    >>> j[["governorate", "governorate_method", "flags"]].values.tolist()
    [['IQ-BG', 'polygon', '']]
    """
    out = incidents.copy()
    if out.crs is None:
        out = out.set_crs(CRS)
    pts = out.geometry.to_crs(CRS).values
    n = len(out)
    admin1 = out["admin1"].astype(object).where(out["admin1"].notna(), None).to_numpy()
    # a row without geo_precision (a user's own table) is placed by its point, as precise ones are
    coarse = (pd.to_numeric(out["geo_precision"], errors="coerce") == 3).to_numpy(bool, na_value=False)
    gov = np.array(admin1, dtype=object)
    method = np.full(n, "", dtype=object)
    polygon = np.full(n, "", dtype=object)
    candidates = np.full(n, "", dtype=object)
    flags = {f: np.zeros(n, bool) for f in FLAG_NAMES}
    if adm1.is_fallback:
        caps = capital_points()
        near = shapely.STRtree(caps.geometry.values).nearest(pts)
        candidates[:] = caps.iso_3166_2.to_numpy()[near]   # a hint only; polygons are unknown
        method[:] = "no_polygons"
        flags["no_polygons"][:] = True
    else:
        inside, touch = _touched(pts, adm1.gdf, "iso_3166_2")
        for i in range(n):
            candidates[i] = "|".join(touch[i])
            if len(inside[i]) == 1 and len(touch[i]) == 1:
                method[i], polygon[i] = "polygon", inside[i][0]
            elif touch[i]:
                method[i] = "boundary"
                polygon[i] = admin1[i] if admin1[i] in touch[i] else touch[i][0]
                flags["boundary"][i] = True
            else:
                method[i] = "outside"
                flags["outside"][i] = True
            if polygon[i]:
                gov[i] = polygon[i]
                flags["admin1_mismatch"][i] = admin1[i] is not None and admin1[i] not in touch[i]
    # governorate precision: the data's admin1 wins; the point is only a stand-in
    gov = np.where(coarse, admin1, gov)
    method = np.where(coarse, "governorate_only", method)
    flags["governorate_only"] = coarse
    flags["admin1_mismatch"] &= ~coarse
    out["governorate"] = gov
    out["governorate_name"] = pd.Series(gov, index=out.index).map(governorate_names())
    out["governorate_method"] = method
    out["governorate_polygon"] = polygon
    out["governorate_candidates"] = candidates
    out["district"] = _districts(pts, adm2) if adm2 is not None else ""
    out.loc[coarse, "district"] = ""
    for f in FLAG_NAMES:
        out[f] = flags[f]
    names = np.array(FLAG_NAMES, dtype=object)
    out["flags"] = ["|".join(names[row]) for row in np.column_stack([flags[f] for f in FLAG_NAMES])]
    return out


def load_districts(boundaries_path: str | os.PathLike | None = None) -> Boundaries | None:
    """ADM2 polygons beside the ADM1 source, or None when no district file is found there.

    Looks in the given folder, the folder of a given file, or the usual search
    (environment, cache, download).

    Parameters
    ----------
    boundaries_path : path-like, optional
        A boundaries file or folder.

    Returns
    -------
    Boundaries or None

    Examples
    --------
    >>> adm2 = load_districts()
    >>> adm2 is None or adm2.level == "ADM2"
    True
    """
    from iraq_atlas.places.boundaries import load_boundaries

    path = Path(boundaries_path) if boundaries_path else None
    if path is not None and path.is_file():
        path = path.parent
    try:
        return load_boundaries("ADM2", path)
    except FileNotFoundError:
        return None


def _districts(points: np.ndarray, adm2: Boundaries) -> np.ndarray:
    """ADM2 district name per point ("" when no polygons, none covers it, or it sits on an edge)."""
    if adm2.is_fallback or "district" not in adm2.gdf.columns:
        return np.full(len(points), "", dtype=object)
    _, touch = _touched(points, adm2.gdf.assign(district=adm2.gdf["district"].fillna("")), "district")
    return np.array([t[0] if len(t) == 1 else "" for t in touch], dtype=object)


__all__ = ["FLAG_NAMES", "join_incidents", "load_districts"]
