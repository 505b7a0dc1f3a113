"""Point questions: inside Iraq? inside the Green Zone? how far from a place? which governorate, district?"""

from __future__ import annotations

from functools import lru_cache

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
    """The curated outline polygon of a place (shapely geometry, EPSG:4326).

    Parameters
    ----------
    place_id : str
        A place of ``outlines.geojson`` (default ``"green_zone"``).

    Returns
    -------
    shapely.geometry.Polygon
        The outline, longitude/latitude.

    Examples
    --------
    >>> outline("green_zone").contains(__import__("shapely").geometry.Point(44.396, 33.299))
    True
    """
    o = outlines()
    hit = o[o.place_id == place_id]
    if hit.empty:
        raise KeyError(f"no outline for place {place_id!r}")
    return hit.geometry.iloc[0]


def in_green_zone(lat, lon) -> np.ndarray | bool:
    """True for points inside the Green Zone outline (boundary counts as inside).

    Parameters
    ----------
    lat, lon : float or array-like
        WGS84 degrees.

    Returns
    -------
    bool or numpy.ndarray of bool
        A scalar for scalar input, else one value per point.

    Examples
    --------
    >>> in_green_zone(33.299, 44.396)  # the US embassy
    True
    >>> in_green_zone([33.299, 33.333], [44.396, 44.383]).tolist()  # embassy, Baghdad's reference point
    [True, False]
    """
    poly = outline("green_zone")
    scalar = np.isscalar(lat)
    pts = shapely.points(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
    res = shapely.covers(poly, pts)
    return bool(res[0]) if scalar else res


def distance_m(lat, lon, place_id: str) -> np.ndarray | float:
    """Geodesic distance in metres from points to a gazetteer place's point.

    Parameters
    ----------
    lat, lon : float or array-like
        WGS84 degrees.
    place_id : str
        A gazetteer id (see :func:`place`).

    Returns
    -------
    float or numpy.ndarray of float
        Metres on the WGS84 ellipsoid; a scalar for scalar input.

    Raises
    ------
    KeyError
        When the gazetteer has no such id.
    ValueError
        When the place has no coordinates.

    Examples
    --------
    >>> round(distance_m(30.5, 47.817, "capital_baghdad") / 1000)  # from Basra's point, km
    452
    >>> distance_m([33.299, 30.5], [44.396, 47.817], "capital_baghdad").round(-2).tolist()
    [4000.0, 451800.0]
    """
    p = place(place_id)
    if pd.isna(p.lat):
        raise ValueError(f"place {place_id!r} has no coordinates in the gazetteer")
    lat_a, lon_a = np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float))
    _, _, d = _GEOD.inv(lon_a, lat_a, np.full_like(lon_a, p.lon), np.full_like(lat_a, p.lat))
    return float(d[0]) if np.isscalar(lat) else d


def distance_to_outline_m(lat, lon, place_id: str = "green_zone") -> np.ndarray:
    """Metres from points to an outline polygon (0 inside), in UTM 38N.

    Parameters
    ----------
    lat, lon : float or array-like
        Points in degrees (EPSG:4326).
    place_id : str
        A place of ``outlines.geojson`` (default ``"green_zone"``).

    Returns
    -------
    numpy.ndarray
        One distance in metres per point, 0 for a point inside the outline.

    Examples
    --------
    >>> d = distance_to_outline_m([33.299, 33.40], [44.396, 44.39])
    >>> float(d[0]), bool(d[1] > 5000)
    (0.0, True)
    """
    poly = gpd.GeoSeries([outline(place_id)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
    pts = gpd.GeoSeries(gpd.points_from_xy(np.atleast_1d(lon), np.atleast_1d(lat)), crs=CRS).to_crs(METRIC_CRS)
    return shapely.distance(poly, pts.values).astype(float)


def assign_governorate(gdf: gpd.GeoDataFrame, boundaries: Boundaries | None = None) -> gpd.GeoDataFrame:
    """Add ``governorate_iso`` and ``governorate_method`` to point rows; every row is kept.

    method: ``polygon`` (inside one governorate), ``boundary`` (on a shared edge or
    in an overlap of two polygons: the lowest ISO code of those touched is used), ``outside`` (no
    polygon covers it; governorate left empty), ``nearest_capital`` (no
    polygons loaded; nearest governorate capital), ``no_point`` (row has no geometry).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Point rows (a missing CRS is taken as EPSG:4326).
    boundaries : Boundaries, optional
        ADM1 polygons; the embedded (or configured) ones by default.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``governorate_iso`` and ``governorate_method`` added.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"name": ["Baghdad", "Basra", "Kuwait City", "unknown"]},
    ...                        geometry=[Point(44.383, 33.333), Point(47.817, 30.5), Point(47.9774, 29.3759), None],
    ...                        crs=4326)
    >>> out = assign_governorate(pts)
    >>> out.governorate_iso.tolist()[:2], out.governorate_method.tolist()
    (['IQ-BG', 'IQ-BA'], ['polygon', 'polygon', 'outside', 'no_point'])
    >>> blank = gpd.GeoDataFrame(geometry=gpd.points_from_xy([44.383, None], [33.333, None]), crs=4326)
    >>> assign_governorate(blank).governorate_method.tolist()
    ['polygon', 'no_point']
    """
    boundaries = boundaries or load_boundaries("ADM1")
    out = gdf.copy()
    if out.crs is None:
        out = out.set_crs(CRS)
    pts = out.geometry.to_crs(CRS).values
    has = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    if has.any():  # gpd.points_from_xy makes POINT (NaN NaN) of a blank latitude or longitude
        xy = shapely.get_coordinates(pts[has])
        firsts = np.cumsum(np.r_[0, shapely.get_num_coordinates(pts[has])[:-1]])
        has[np.flatnonzero(has)] = np.isfinite(xy[firsts]).all(axis=1) if len(xy) else False
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


# Fast acceptance for many points: a grid of cells over Iraq's bounding box, each marked when
# the whole cell lies inside the outline with room to spare, so its points are inside for any
# tolerance; only points elsewhere (near the border, or outside) take the polygon test.
_INTERIOR_CELL_DEG = 0.05
_INTERIOR_MARGIN_M = 100.0  # far more than the few centimetres a cell's edges bend in UTM
_INTERIOR_MIN_POINTS = 5_000  # below this, building the grid costs more than it saves


@lru_cache(maxsize=1)
def _interior_grid() -> np.ndarray:
    """Boolean grid (rows: latitude, columns: longitude) of cells wholly inside Iraq's outline."""
    from pyproj import Transformer

    from iraq_atlas.vocab import IRAQ_BBOX

    x0, y0, x1, y1 = IRAQ_BBOX
    d = _INTERIOR_CELL_DEG
    nx, ny = int(np.ceil((x1 - x0) / d)), int(np.ceil((y1 - y0) / d))
    # cell corners in UTM; a 5 km edge bends by well under a metre there, far inside the margin
    gx, gy = Transformer.from_crs(CRS, METRIC_CRS, always_xy=True).transform(
        *np.meshgrid(x0 + np.arange(nx + 1) * d, y0 + np.arange(ny + 1) * d))
    corners = [(gx[:-1, :-1], gy[:-1, :-1]), (gx[:-1, 1:], gy[:-1, 1:]), (gx[1:, 1:], gy[1:, 1:]),
               (gx[1:, :-1], gy[1:, :-1])]
    rings = np.stack([np.stack([x.ravel(), y.ravel()], axis=-1) for x, y in corners], axis=1)
    cells = shapely.polygons(rings)
    core = _country_metric().buffer(-_INTERIOR_MARGIN_M)
    shapely.prepare(core)
    return shapely.contains(core, cells).reshape(ny, nx)


def _in_interior_cell(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """True for points in a cell of :func:`_interior_grid` (certainly inside Iraq); False says nothing."""
    from iraq_atlas.vocab import IRAQ_BBOX

    grid = _interior_grid()
    ny, nx = grid.shape
    # cell numbers in place, in one scratch array each (a million points make few temporaries)
    i = np.subtract(lon, IRAQ_BBOX[0])
    i /= _INTERIOR_CELL_DEG
    np.floor(i, out=i)
    j = np.subtract(lat, IRAQ_BBOX[1])
    j /= _INTERIOR_CELL_DEG
    np.floor(j, out=j)
    fits = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
    j *= nx
    j += i
    out = np.zeros(len(lat), dtype=bool)
    out[fits] = grid.ravel()[j[fits].astype(np.intp)]
    return out


@lru_cache(maxsize=1)
def _country_metric():
    """The embedded ADM0 polygon in UTM 38N, prepared for repeated tests."""
    from iraq_atlas.places.boundaries import embedded_path, read_boundary_file

    adm0 = read_boundary_file(embedded_path("ADM0"), "ADM0").to_crs(METRIC_CRS)
    poly = adm0.geometry.iloc[0]
    shapely.prepare(poly)
    return poly


def in_iraq(lat, lon, tolerance_m: float = 0.0) -> np.ndarray | bool:
    """True for points inside Iraq (the embedded OCHA ADM0 polygon) or within ``tolerance_m`` of it.

    The embedded outline is simplified (edges move up to about 200 m), so a tolerance of a
    few hundred metres keeps towns on the border inside; a precision-3 point may need more.
    Missing coordinates give False.

    Parameters
    ----------
    lat, lon : float or array-like
        WGS84 degrees.
    tolerance_m : float, default 0
        Distance outside the outline still counted as inside, in metres.

    Returns
    -------
    bool or numpy.ndarray of bool
        A scalar for scalar input, else one value per point.

    Examples
    --------
    >>> bool(in_iraq(33.3152, 44.3661)), bool(in_iraq(29.3759, 47.9774, tolerance_m=5000))  # Baghdad, Kuwait City
    (True, False)
    """
    scalar = np.isscalar(lat) and np.isscalar(lon)
    la = np.atleast_1d(np.asarray(lat, dtype=float))
    lo = np.atleast_1d(np.asarray(lon, dtype=float))
    ok = ~(np.isnan(la) | np.isnan(lo))
    res = np.zeros(len(la), dtype=bool)
    if len(la) >= _INTERIOR_MIN_POINTS:  # points in a grid cell wholly inside the outline need no test
        res[ok] = _in_interior_cell(la[ok], lo[ok])
        ok &= ~res
    if ok.any():
        pts = gpd.GeoSeries(gpd.points_from_xy(lo[ok], la[ok]), crs=CRS).to_crs(METRIC_CRS).values
        poly = _country_metric()
        if tolerance_m > 0:
            res[ok] = shapely.dwithin(poly, pts, float(tolerance_m))
        else:
            res[ok] = shapely.covers(poly, pts)
    return bool(res[0]) if scalar else res


def assign_admin(gdf: gpd.GeoDataFrame, level: str = "ADM3", boundaries: Boundaries | None = None
                 ) -> gpd.GeoDataFrame:
    """Add the OCHA district and sub-district (p-codes and English names) holding each point.

    Adds ``district_pcode``, ``district`` (ADM2 and ADM3) and ``subdistrict_pcode``,
    ``subdistrict`` (ADM3); points outside every polygon, and rows without a point, get
    empty values. A point on a shared edge takes the lowest p-code. Every row is kept.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Point rows.
    level : {"ADM2", "ADM3"}
        How deep to go.
    boundaries : Boundaries, optional
        Polygons of that level; the embedded (or configured) ones by default.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the new columns.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([44.36], [33.31]), crs=4326)
    >>> assign_admin(pts).subdistrict_pcode.tolist()
    ['IQG08Q03N03']
    """
    level = level.upper()
    b = boundaries or load_boundaries(level)
    out = gdf.copy()
    if out.crs is None:
        out = out.set_crs(CRS)
    pts = out.geometry.to_crs(CRS).values
    has = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    idx = np.flatnonzero(has)
    polys = b.gdf
    key = "subdistrict_pcode" if level == "ADM3" else "district_pcode"
    tree = shapely.STRtree(polys.geometry.values)
    p_idx, t_idx = tree.query(pts[idx], predicate="intersects")
    hits = pd.DataFrame({"pt": idx[p_idx], "row": t_idx, "code": polys[key].values[t_idx]})
    first = hits.sort_values(["pt", "code"]).drop_duplicates("pt")
    cols = ["district_pcode", "district"] + (["subdistrict_pcode", "subdistrict"] if level == "ADM3" else [])
    for c in cols:
        vals = np.full(len(out), None, dtype=object)
        vals[first.pt.values] = polys[c].values[first.row.values]
        out[c] = vals
    return out
