"""Point questions: inside the Green Zone? how far from a place? which governorate?"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from iraq_atlas.places.boundaries import Boundaries, capital_points, load_boundaries
from iraq_atlas.places.gazetteer import outlines, place
from iraq_atlas.vocab import CRS, METRIC_CRS

_GEOD = Geod(ellps="WGS84")
# UTM zone 38N covers Baghdad; used for metric buffers and distances to outlines.


def outline(place_id: str = "green_zone"):
    """The curated outline polygon of a place (shapely geometry, EPSG:4326)."""
    o = outlines()
    hit = o[o.place_id == place_id]
    if hit.empty:
        raise KeyError(f"no outline for place {place_id!r}")
    return hit.geometry.iloc[0]


def in_green_zone(lat, lon) -> np.ndarray | bool:
    """True for points inside the Green Zone outline (boundary counts as inside)."""
    poly = outline("green_zone")
    scalar = np.isscalar(lat)
    pts = shapely.points(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
    res = shapely.covers(poly, pts)
    return bool(res[0]) if scalar else res


def distance_m(lat, lon, place_id: str) -> np.ndarray | float:
    """Geodesic distance in metres from points to a gazetteer place's point."""
    p = place(place_id)
    if pd.isna(p.lat):
        raise ValueError(f"place {place_id!r} has no coordinates in the gazetteer")
    lat_a, lon_a = np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float))
    _, _, d = _GEOD.inv(lon_a, lat_a, np.full_like(lon_a, p.lon), np.full_like(lat_a, p.lat))
    return float(d[0]) if np.isscalar(lat) else d


def distance_to_outline_m(lat, lon, place_id: str = "green_zone") -> np.ndarray:
    """Metres from points to an outline polygon (0 inside), in UTM 38N."""
    poly = gpd.GeoSeries([outline(place_id)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
    pts = gpd.GeoSeries(gpd.points_from_xy(np.atleast_1d(lon), np.atleast_1d(lat)), crs=CRS).to_crs(METRIC_CRS)
    return shapely.distance(poly, pts.values).astype(float)


def assign_governorate(gdf: gpd.GeoDataFrame, boundaries: Boundaries | None = None) -> gpd.GeoDataFrame:
    """Add ``governorate_iso`` and ``governorate_method`` to point rows; every row is kept.

    method: ``polygon`` (inside one governorate), ``boundary`` (on a shared edge or
    in an overlap of two polygons: the lowest ISO code of those touched is used), ``outside`` (no
    polygon covers it; governorate left empty), ``nearest_capital`` (no
    polygons loaded; nearest governorate capital), ``no_point`` (row has no geometry).
    """
    boundaries = boundaries or load_boundaries("ADM1")
    out = gdf.copy()
    if out.crs is None:
        out = out.set_crs(CRS)
    pts = out.geometry.to_crs(CRS).values
    has = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    iso = np.full(len(out), None, dtype=object)
    method = np.where(has, "outside", "no_point").astype(object)
    idx = np.flatnonzero(has)
    if boundaries.is_fallback:
        caps = capital_points()
        tree = shapely.STRtree(caps.geometry.values)
        nearest = tree.nearest(pts[idx])
        iso[idx] = caps.iso_3166_2.values[nearest]
        method[idx] = "nearest_capital"
    else:
        polys = boundaries.gdf
        tree = shapely.STRtree(polys.geometry.values)
        p_idx, t_idx = tree.query(pts[idx], predicate="intersects")
        codes = polys.iso_3166_2.values
        hits = pd.DataFrame({"pt": idx[p_idx], "iso": codes[t_idx]}).sort_values(["pt", "iso"])
        counts = hits.groupby("pt", sort=False).size()
        first = hits.drop_duplicates("pt")
        iso[first.pt.values] = first.iso.values
        method[first.pt.values] = "polygon"
        multi = counts.index[counts.values > 1].to_numpy()
        method[multi] = "boundary"
    out["governorate_iso"] = iso
    out["governorate_method"] = method
    return out


_IRAQ_SHAPES: dict = {}


def _iraq_shapes():
    """Iraq's outline (EPSG:4326, prepared) and the same outline in UTM 38N, read once."""
    if not _IRAQ_SHAPES:
        from pyproj import Transformer

        from iraq_atlas.files import data_path

        gdf = gpd.read_file(data_path("boundaries", "adm0.geojson"))
        poly = shapely.union_all(gdf.to_crs(CRS).geometry.values)
        shapely.prepare(poly)
        metric = gpd.GeoSeries([poly], crs=CRS).to_crs(METRIC_CRS).iloc[0]
        # a coarse outline well inside the border (0.1° in, simplified by at most 0.05°):
        # most points are decided against its few vertices
        inner = poly.buffer(-0.1).simplify(0.05)
        shapely.prepare(inner)
        _IRAQ_SHAPES.update(poly=poly, inner=inner, metric=metric, buffered={},
                            to_metric=Transformer.from_crs(CRS, METRIC_CRS, always_xy=True))
    return _IRAQ_SHAPES


def _buffered_metric(tolerance_m: float):
    """Iraq's outline in UTM 38N grown by ``tolerance_m`` (prepared, cached per tolerance)."""
    shapes = _iraq_shapes()
    grown = shapes["buffered"].get(tolerance_m)
    if grown is None:
        grown = shapes["metric"].buffer(tolerance_m)
        shapely.prepare(grown)
        shapes["buffered"][tolerance_m] = grown
    return grown


def in_iraq(lat, lon, tolerance_m: float) -> np.ndarray | bool:
    """True for points inside Iraq's outline or within ``tolerance_m`` metres of it.

    The outline is the embedded ``geodata/boundaries/adm0.geojson``. Points are
    tested with ``shapely.contains_xy`` on the prepared polygon; only the points it
    leaves out are measured, in UTM 38N, against the tolerance (a point given to
    three decimals, or coded at the border, may sit a few kilometres outside the
    drawn line). NaN coordinates are never inside.

    Parameters
    ----------
    lat, lon : float or array-like
        Latitudes and longitudes (EPSG:4326), same shape.
    tolerance_m : float
        Distance outside the outline, in metres, still counted as inside (≥ 0).

    Returns
    -------
    numpy.ndarray of bool, or bool for scalar input.

    Examples
    --------
    >>> bool(in_iraq(33.31, 44.39, 5000))   # Baghdad
    True
    >>> bool(in_iraq(29.37, 47.98, 5000))   # Kuwait City
    False
    """
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise ValueError(f"tolerance_m must be a distance ≥ 0 in metres, not {tolerance_m!r}")
    scalar = np.isscalar(lat) and np.isscalar(lon)
    y = np.atleast_1d(np.asarray(lat, dtype=float))
    x = np.atleast_1d(np.asarray(lon, dtype=float))
    shapes = _iraq_shapes()
    poly = shapes["poly"]
    finite = np.isfinite(x) & np.isfinite(y)
    inside = np.zeros(x.shape, dtype=bool)
    inside[finite] = shapely.contains_xy(shapes["inner"], x[finite], y[finite])
    rest = finite & ~inside
    if rest.any():
        inside[rest] = shapely.contains_xy(poly, x[rest], y[rest])
    if tolerance_m > 0:
        # only points near the outline can be within the tolerance: ~0.1° margin per 10 km
        margin = tolerance_m / 80_000 + 0.01
        x0, y0, x1, y1 = poly.bounds
        near = finite & ~inside & (x >= x0 - margin) & (x <= x1 + margin) & (y >= y0 - margin) & (y <= y1 + margin)
        if near.any():
            mx, my = shapes["to_metric"].transform(x[near], y[near])
            inside[near] = shapely.contains_xy(_buffered_metric(float(tolerance_m)), mx, my)
    return bool(inside[0]) if scalar else inside
