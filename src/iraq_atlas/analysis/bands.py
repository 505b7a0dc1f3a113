"""Baghdad: the Green Zone, distances to it and to the Prime Minister's residence, distance bands.

Rules (each one is tested in ``tests/analysis/test_merge.py``)
------------------------------------------------------

* Incidents whose governorate is Baghdad (IQ-BG) and whose location is more
  precise than the governorate.
* ``in_green_zone``: inside the curated Green Zone outline (the outline
  itself counts as inside).
* Distance to the Green Zone is to its outline (0 inside); distance to the
  PM residence is geodesic (WGS84) to its gazetteer point.
* Bands are half-open [lo, hi) in km from the ``bands`` lower edges (default
  0, 1, 5, 20 → 0–1, 1–5, 5–20, 20+ km); distances are rounded to the
  millimetre before banding, so a point 1 km away lies in 1–5.
"""

from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from iraq_atlas.vocab import CRS, METRIC_CRS

BAGHDAD_ISO = "IQ-BG"
DEFAULT_BANDS_KM: tuple[float, ...] = (0, 1, 5, 20)


def check_bands(bands: Sequence) -> tuple[float, ...]:
    """Band lower edges in km: numbers, first 0, strictly increasing (ValueError naming the parameter).

    Parameters
    ----------
    bands : sequence
        Numbers or texts, e.g. the notebook's ``distance_bands_km``.

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> check_bands(["0", "1", "5", "20"])
    (0.0, 1.0, 5.0, 20.0)
    """
    try:
        edges = tuple(float(b) for b in bands)
    except (TypeError, ValueError):
        raise ValueError(f"parameter 'distance_bands_km': not all numbers: {list(bands)}") from None
    if not edges or edges[0] != 0 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"parameter 'distance_bands_km': edges must start at 0 and increase: {list(bands)}")
    return edges


def band_labels(bands: Sequence[float] = DEFAULT_BANDS_KM) -> list[str]:
    """Labels '0–1 km', '1–5 km', …, '20+ km' for the lower edges given.

    Parameters
    ----------
    bands : sequence of float
        Lower edges (see :func:`check_bands`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> band_labels([0, 2, 10])
    ['0–2 km', '2–10 km', '10+ km']
    """
    e = check_bands(bands)
    fmt = lambda v: f"{v:g}"  # noqa: E731
    return [f"{fmt(a)}–{fmt(b)} km" for a, b in zip(e[:-1], e[1:])] + [f"{fmt(e[-1])}+ km"]


def distance_band(km, bands: Sequence[float] = DEFAULT_BANDS_KM) -> pd.Categorical:
    """Band label of each distance: half-open [lo, hi) after rounding to the millimetre.

    Parameters
    ----------
    km : array-like of float
        Distances in km (NaN: no band).
    bands : sequence of float
        Lower edges.

    Returns
    -------
    pandas.Categorical
        Ordered, with every band as a category.

    Examples
    --------
    >>> list(distance_band([0.5, 1.0, 25]))
    ['0–1 km', '1–5 km', '20+ km']
    """
    e = check_bands(bands)
    km = np.round(np.asarray(km, dtype=float), 6)
    idx = np.searchsorted(np.asarray(e), km, side="right") - 1
    labels = band_labels(e)
    return pd.Categorical([labels[i] if not np.isnan(k) else None for i, k in zip(idx, km)], categories=labels,
                          ordered=True)


def baghdad_focus(joined: gpd.GeoDataFrame, bands: Sequence[float] = DEFAULT_BANDS_KM) -> gpd.GeoDataFrame:
    """Baghdad incidents with Green Zone membership and distance bands (governorate-only rows: no band).

    Parameters
    ----------
    joined : geopandas.GeoDataFrame
        From :func:`~iraq_atlas.analysis.joins.join_incidents`.
    bands : sequence of float
        Lower edges of the distance bands in km.

    Returns
    -------
    geopandas.GeoDataFrame
        The Baghdad rows plus ``area``, ``in_green_zone``, ``km_green_zone``,
        ``km_pm_residence``, ``band_green_zone``, ``band_pm_residence`` and
        ``km_pm_residence_note``: the PM residence's point is approximate (see
        :func:`~iraq_atlas.places.gazetteer.approximate_point_note`), and the note
        says so, with its source, beside the distances.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"governorate": ["IQ-BG"], "governorate_only": [False], "fatalities": [0]},
    ...                        geometry=gpd.points_from_xy([44.390259], [33.307577]), crs=CRS)
    >>> f = baghdad_focus(pts)
    >>> f["area"].tolist(), float(f["km_green_zone"].iloc[0])
    (['Green Zone'], 0.0)
    """
    from iraq_atlas.places.gazetteer import approximate_point_note
    from iraq_atlas.places.spatial import distance_m, distance_to_outline_m, in_green_zone

    bg = joined[joined["governorate"] == BAGHDAD_ISO].copy()
    placed = ~bg["governorate_only"].astype(bool)
    lat, lon = bg.geometry.y.to_numpy(), bg.geometry.x.to_numpy()
    gz = np.asarray(in_green_zone(lat, lon), bool) if len(bg) else np.zeros(0, bool)
    d_gz = distance_to_outline_m(lat, lon) / 1000 if len(bg) else np.zeros(0)
    d_pm = np.asarray(distance_m(lat, lon, "pm_residence"), float) / 1000 if len(bg) else np.zeros(0)
    bg["area"] = np.where(~placed, "Baghdad (governorate only)",
                          np.where(gz, "Green Zone", "rest of Baghdad"))
    bg["in_green_zone"] = pd.array([bool(g) if p else pd.NA for g, p in zip(gz, placed)], dtype="boolean")
    bg["km_green_zone"] = np.where(placed, np.round(d_gz, 6), np.nan)
    bg["km_pm_residence"] = np.where(placed, np.round(d_pm, 6), np.nan)
    bg["band_green_zone"] = distance_band(bg["km_green_zone"], bands)
    bg["band_pm_residence"] = distance_band(bg["km_pm_residence"], bands)
    bg["km_pm_residence_note"] = approximate_point_note("pm_residence")
    return bg


def green_zone_table(focus: pd.DataFrame) -> pd.DataFrame:
    """Incidents and fatalities: Green Zone, rest of Baghdad, Baghdad (governorate only); zeros kept.

    Parameters
    ----------
    focus : pandas.DataFrame
        From :func:`baghdad_focus`.

    Returns
    -------
    pandas.DataFrame
        ``area, incidents, fatalities``: three rows.

    Examples
    --------
    >>> focus = pd.DataFrame({"area": ["Green Zone", "Green Zone"], "fatalities": [1, None]})
    >>> green_zone_table(focus).values.tolist()
    [['Green Zone', 2, 1], ['rest of Baghdad', 0, 0], ['Baghdad (governorate only)', 0, 0]]
    """
    areas = ["Green Zone", "rest of Baghdad", "Baghdad (governorate only)"]
    fat = pd.to_numeric(focus["fatalities"], errors="coerce")
    g = focus.assign(_f=fat).groupby("area")
    return pd.DataFrame({"area": areas,
                         "incidents": [int(g.size().get(a, 0)) for a in areas],
                         "fatalities": [int(g["_f"].sum().get(a, 0)) for a in areas]})


def band_table(focus: pd.DataFrame, bands: Sequence[float] = DEFAULT_BANDS_KM) -> pd.DataFrame:
    """Incidents per distance band from the Green Zone outline and from the PM residence (zeros kept).

    Parameters
    ----------
    focus : pandas.DataFrame
        From :func:`baghdad_focus`.
    bands : sequence of float
        The lower edges used for ``focus``.

    Returns
    -------
    pandas.DataFrame
        ``from, band, incidents, fatalities, note``, a "no band (governorate only)" row per
        reference; rows measured from the PM residence carry a ``note``: its point is
        approximate, and whence.

    Examples
    --------
    >>> focus = pd.DataFrame({"band_green_zone": distance_band([0.2]), "band_pm_residence": distance_band([3.0]),
    ...                       "fatalities": [2]})
    >>> t = band_table(focus)
    >>> t[t["incidents"] > 0][["from", "band", "fatalities"]].values.tolist()
    [['Green Zone outline', '0–1 km', 2], ['PM residence', '1–5 km', 2]]
    """
    from iraq_atlas.places.gazetteer import approximate_point_note

    labels = band_labels(bands)
    rows = []
    notes = {"band_green_zone": None, "band_pm_residence": approximate_point_note("pm_residence")}
    for ref, col in (("Green Zone outline", "band_green_zone"), ("PM residence", "band_pm_residence")):
        counts = focus[col].value_counts()
        fat = pd.to_numeric(focus["fatalities"], errors="coerce").groupby(focus[col], observed=False).sum()
        for lab in labels:
            rows.append({"from": ref, "band": lab, "incidents": int(counts.get(lab, 0)),
                         "fatalities": int(fat.get(lab, 0)), "note": notes[col]})
        rows.append({"from": ref, "band": "no band (governorate only)",
                     "incidents": int(focus[col].isna().sum()),
                     "fatalities": int(pd.to_numeric(focus.loc[focus[col].isna(), "fatalities"],
                                                     errors="coerce").sum()), "note": notes[col]})
    return pd.DataFrame(rows)


def rings(bands: Sequence[float] = DEFAULT_BANDS_KM, place_id: str = "pm_residence") -> gpd.GeoDataFrame:
    """Circles of the band edges (km > 0) around a gazetteer point, built in UTM 38N, returned in 4326.

    Parameters
    ----------
    bands : sequence of float
        Lower edges in km; a circle for each edge above 0.
    place_id : str
        The gazetteer point at the centre.

    Returns
    -------
    geopandas.GeoDataFrame
        ``radius_km``, ``label``, ``note`` and the circles. When the point is
        approximate (the PM residence's is), each label says so and ``note``
        gives the precision and the source.

    Examples
    --------
    >>> rings()["radius_km"].tolist()
    [1.0, 5.0, 20.0]
    """
    from iraq_atlas.places.gazetteer import approximate_point_note, place

    p = place(place_id)
    note = approximate_point_note(place_id)
    centre = gpd.GeoSeries(gpd.points_from_xy([p.lon], [p.lat]), crs=CRS).to_crs(METRIC_CRS).iloc[0]
    radii = [b for b in check_bands(bands) if b > 0]
    circles = gpd.GeoSeries([centre.buffer(r * 1000, quad_segs=64) for r in radii],
                            crs=METRIC_CRS).to_crs(CRS)
    approx = " (approximate point)" if note else ""
    return gpd.GeoDataFrame({"radius_km": radii, "label": [f"{r:g} km from {p['name']}{approx}" for r in radii],
                             "note": note}, geometry=circles.values, crs=CRS)


def outline_rings(bands: Sequence[float] = DEFAULT_BANDS_KM, place_id: str = "green_zone") -> gpd.GeoDataFrame:
    """Buffers at each band edge (km > 0) around an outline, buffered in UTM 38N, returned in 4326.

    Parameters
    ----------
    bands : sequence of float
        Lower edges in km.
    place_id : str
        The curated outline (default: the Green Zone).

    Returns
    -------
    geopandas.GeoDataFrame
        ``radius_km``, ``label`` and the buffers.

    Examples
    --------
    >>> outline_rings([0, 2])["label"].tolist()
    ['2 km from the Green Zone outline']
    """
    from iraq_atlas.places.spatial import outline

    poly = gpd.GeoSeries([outline(place_id)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
    radii = [b for b in check_bands(bands) if b > 0]
    lines = gpd.GeoSeries([poly.buffer(r * 1000, quad_segs=32) for r in radii], crs=METRIC_CRS).to_crs(CRS)
    return gpd.GeoDataFrame({"radius_km": radii, "label": [f"{r:g} km from the Green Zone outline" for r in radii]},
                            geometry=lines.values, crs=CRS)


__all__ = ["BAGHDAD_ISO", "DEFAULT_BANDS_KM", "check_bands", "band_labels", "distance_band", "baghdad_focus",
           "green_zone_table", "band_table", "rings", "outline_rings"]
