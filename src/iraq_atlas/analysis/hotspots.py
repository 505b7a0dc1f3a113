"""Emerging hot spots: a space-time cube of incidents, Getis-Ord Gi* per cell and step, trends, categories.

The question behind this module: where do incidents cluster, and is the
clustering new, lasting, growing or fading? Incidents are counted in a
*space-time cube* (cells × time steps), every cell-step gets a Gi* z-score
against its neighbourhood, each cell's series of z-scores gets a Mann-Kendall
trend, and the pattern of significant steps gives the cell one of the
emerging-hot-spot categories. ``docs/hotspots.md`` states every rule and
threshold in plain words; the rules are summarised here.

Cube (:func:`space_time_cube`):

* Cells: H3 hexagons (``"h3:R"``, resolution R from 0 to 10) or the embedded
  OCHA administrative units (``"adm1"`` governorates, ``"adm2"`` districts,
  ``"adm3"`` sub-districts). An H3 cell belongs to the cube when its centre
  lies in Iraq or when an incident inside Iraq falls in it; every unit of the
  chosen admin level belongs to it. Incidents outside Iraq are dropped.
* Steps: calendar weeks (Monday–Sunday), months or quarters from ``start`` to
  ``end`` (default: the first and last incident). Empty cell-steps are zeros.
* Incidents whose place is only the governorate (``geo_precision`` 3) are not
  put in a cell finer than a governorate (their point is a stand-in), and
  incidents whose possible dates (:func:`iraq_atlas.analysis.windows.possible_dates`)
  span two steps are not put in a step. Neither disappears silently: the cube's
  ``attrs["dropped"]`` counts them by reason.

Neighbourhood (:func:`neighbours`, stated in every result's ``attrs``):

* ``contiguity``: H3 cells within ``order`` rings (1 ring = the six touching
  hexagons); admin units sharing an edge or a corner (queen contiguity,
  ``libpysal``), ``order`` steps away. Each cell is its own neighbour (Gi*).
* ``distance``: cells whose centres (UTM 38N) are at most ``distance_km`` apart.
* Time window ``time_window`` = k: cell-step (i, t) also takes its neighbours'
  counts in the k previous steps; the reference population of step t is all
  cells in steps t-k … t.

Gi* (:func:`local_gstar`): binary weights, the Getis-Ord (1995) Gi* z-score,
equal to ``esda.G_Local(y, w, transform="B", star=True).Zs`` for k = 0; a step
where every count is equal has z = 0 and p = 1. P-values are two-sided, from
the normal distribution (``analytical``) or from permutations
(:mod:`iraq_atlas.analysis.permutations`: time linear in their number, spread
over ``n_jobs`` processes with the same result for any ``n_jobs``); the
Benjamini–Hochberg false discovery rate correction is applied per step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse, stats

from iraq_atlas.analysis.permutations import permutation_p, resolve_jobs
from iraq_atlas.analysis.permutations import window_sum as _window_sum
from iraq_atlas.errors import ParameterError
from iraq_atlas.files import data_path
from iraq_atlas.vocab import CRS, METRIC_CRS

STEPS = {"week": "W-SUN", "month": "M", "quarter": "Q"}
ADMIN_LEVELS = ("adm1", "adm2", "adm3")
NEIGHBOURHOODS = ("contiguity", "distance")
HOT_CATEGORIES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                  "oscillating", "historical")
CATEGORIES = tuple(f"{c} hot spot" for c in HOT_CATEGORIES) + tuple(f"{c} cold spot" for c in HOT_CATEGORIES) \
    + ("no pattern detected",)
#: Share of steps that must be significant for intensifying, persistent, diminishing and historical.
PERSISTENT_SHARE = 0.9
MAX_CUBE_CELLS = 60_000_000
CUBE_COLUMNS = ["cell", "step", "events", "fatalities"]
RESULT_COLUMNS = ["cell", "name", "governorate_iso", "category", "trend_z", "trend_p", "sen_slope",
                  "last_gi_z", "events"]


# -- cells ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CellKind:
    """A parsed cell choice: ``kind`` ('h3' or an admin level) and the H3 resolution (None for admin)."""

    kind: str
    resolution: int | None = None

    @property
    def label(self) -> str:
        return f"h3:{self.resolution}" if self.kind == "h3" else self.kind


def parse_cell(cell: str) -> CellKind:
    """Parse ``"h3:6"``, ``"adm1"``, ``"adm2"`` or ``"adm3"`` (ParameterError otherwise).

    Parameters
    ----------
    cell : str
        ``h3:R`` (an H3 resolution R from 0 to 10) or an admin level; case and surrounding
        spaces do not matter.

    Returns
    -------
    CellKind
        The kind of cell and, for H3, the resolution.

    Raises
    ------
    ParameterError
        For anything else.

    Examples
    --------
    >>> parse_cell("h3:6")
    CellKind(kind='h3', resolution=6)
    >>> parse_cell(" ADM2 ").label
    'adm2'
    """
    text = str(cell).strip().lower()
    if text in ADMIN_LEVELS:
        return CellKind(text)
    m = re.fullmatch(r"h3:(\d{1,2})", text)
    if m and 0 <= int(m.group(1)) <= 10:
        return CellKind("h3", int(m.group(1)))
    raise ParameterError(f"parameter 'cell': {cell!r} is not one of h3:R (R = 0…10), adm1, adm2, adm3")


def parse_step(step: str) -> str:
    """The pandas period frequency of a step name (week, month, quarter), ParameterError otherwise.

    Parameters
    ----------
    step : str
        ``week``, ``month`` or ``quarter`` (case and surrounding spaces do not matter).

    Returns
    -------
    str
        The period frequency: ``W-SUN`` (weeks from Monday), ``M`` or ``Q``.

    Raises
    ------
    ParameterError
        For any other name.

    Examples
    --------
    >>> parse_step("month"), parse_step("Week")
    ('M', 'W-SUN')
    """
    if str(step).strip().lower() not in STEPS:
        raise ParameterError(f"parameter 'step': {step!r} is not one of {list(STEPS)}")
    return STEPS[str(step).strip().lower()]


def _read_admin(level: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(data_path("boundaries", f"{level}.geojson"))
    return gdf.set_crs(CRS) if gdf.crs is None else gdf.to_crs(CRS)


def iraq_outline() -> shapely.Geometry:
    """Iraq's outline (embedded OCHA ADM0), EPSG:4326."""
    return _read_admin("adm0").union_all()


def _iso_of_pcodes(pcodes: pd.Series) -> pd.Series:
    from iraq_atlas.places.governorates import to_iso

    return pcodes.map(to_iso)


def _admin_cells(level: str) -> gpd.GeoDataFrame:
    n = level[-1]
    raw = _read_admin(level)
    out = gpd.GeoDataFrame({"cell": raw[f"ADM{n}_PCODE"], "name": raw[f"ADM{n}_EN"],
                            "governorate_iso": _iso_of_pcodes(raw["ADM1_PCODE"])},
                           geometry=raw.geometry.values, crs=CRS)
    if level == "adm1":
        from iraq_atlas.places.governorates import governorate_names

        out["name"] = out["governorate_iso"].map(governorate_names()).fillna(out["name"])
    return out.sort_values("cell").reset_index(drop=True)


def _h3_polygons(cells: Iterable[str]) -> list:
    import h3

    rings = [np.asarray(h3.cell_to_boundary(c))[:, ::-1] for c in cells]
    if rings and all(len(r) == len(rings[0]) for r in rings):
        return list(shapely.polygons(np.stack(rings)))
    return [shapely.Polygon(r) for r in rings]


def _label_points(points: np.ndarray) -> pd.DataFrame:
    """District name and governorate ISO code of each point (nearest unit for points just outside)."""
    adm2 = _read_admin("adm2")
    tree = shapely.STRtree(adm2.geometry.values)
    idx = np.full(len(points), -1)
    p_idx, t_idx = tree.query(points, predicate="intersects")
    idx[p_idx[::-1]] = t_idx[::-1]  # first hit wins
    miss = np.flatnonzero(idx < 0)
    if len(miss):
        idx[miss] = tree.nearest(points[miss])
    return pd.DataFrame({"name": adm2["ADM2_EN"].to_numpy()[idx],
                         "governorate_iso": _iso_of_pcodes(adm2["ADM1_PCODE"]).to_numpy()[idx]})


def cell_grid(cell: str, extra_cells: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """The cells of the cube: ``cell``, ``name``, ``governorate_iso``, ``geometry`` (EPSG:4326).

    H3: every hexagon whose centre lies in Iraq, plus ``extra_cells`` (the
    hexagons of incidents inside Iraq whose centre lies just across the border).
    ``name`` is the district (ADM2) holding the hexagon's centre. Admin levels:
    every unit, named in English (OCHA spelling; governorates by the suite's names).

    Examples
    --------
    >>> grid = cell_grid("adm1")
    >>> len(grid), list(grid.columns)
    (18, ['cell', 'name', 'governorate_iso', 'geometry'])
    """
    spec = parse_cell(cell)
    if spec.kind != "h3":
        return _admin_cells(spec.kind)
    import h3

    outline = iraq_outline()
    polys = list(outline.geoms) if hasattr(outline, "geoms") else [outline]
    ids: set[str] = set()
    for poly in polys:
        ids.update(h3.geo_to_cells(poly, spec.resolution))
    ids.update(extra_cells)
    ids_sorted = sorted(ids)
    latlng = np.array([h3.cell_to_latlng(c) for c in ids_sorted]).reshape(-1, 2)
    centres = shapely.points(latlng[:, 1], latlng[:, 0])
    labels = _label_points(centres) if len(ids_sorted) else pd.DataFrame({"name": [], "governorate_iso": []})
    return gpd.GeoDataFrame({"cell": ids_sorted, "name": labels["name"].to_numpy(),
                             "governorate_iso": labels["governorate_iso"].to_numpy()},
                            geometry=_h3_polygons(ids_sorted), crs=CRS)


def _points(incidents: pd.DataFrame) -> np.ndarray:
    geo = incidents.geometry if isinstance(incidents, gpd.GeoDataFrame) else None
    if geo is not None:
        if geo.crs is not None and geo.crs != CRS:
            geo = geo.to_crs(CRS)
        return geo.values.to_numpy() if hasattr(geo.values, "to_numpy") else np.asarray(geo.values)
    return shapely.points(pd.to_numeric(incidents["longitude"]), pd.to_numeric(incidents["latitude"]))


def assign_cells(incidents: pd.DataFrame, cell: str, grid: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Each incident's cell (``cell``; empty when it has none) and why not (``dropped``; empty when kept).

    Reasons: ``outside Iraq``, ``no location``, ``governorate only`` (for cells
    finer than a governorate). Rows are neither removed nor reordered.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cells = assign_cells(load_incidents().accepted, "adm1")
    >>> sorted(cells.columns)
    ['cell', 'dropped']
    """
    spec = parse_cell(cell)
    n = len(incidents)
    pts = _points(incidents)
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts)) if n else np.zeros(0, bool)
    dropped = np.where(ok, "", "no location").astype(object)
    coarse = np.zeros(n, bool)
    if "geo_precision" in incidents.columns:
        # an unstated precision (a user's table without that column) is not "governorate only"
        coarse = (pd.to_numeric(incidents["geo_precision"], errors="coerce") == 3).to_numpy(bool, na_value=False)
    out_cell = np.full(n, "", dtype=object)
    if spec.kind == "adm1" and "admin1" in incidents.columns:
        pass  # governorate-only rows keep their stated governorate (below)
    elif spec.kind != "adm1":
        dropped[coarse & ok] = "governorate only"
    live = np.flatnonzero(ok & (dropped == ""))
    outline = iraq_outline()
    shapely.prepare(outline)
    xy = shapely.get_coordinates(pts[live]) if len(live) else np.zeros((0, 2))
    inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1]) if len(live) else np.zeros(0, bool)
    if (~inside).any():  # points on the outline itself count as inside
        inside[~inside] = shapely.intersects(outline, pts[live][~inside])
    dropped[live[~inside]] = "outside Iraq"
    live = live[inside]
    if spec.kind == "h3":
        import h3

        res = spec.resolution
        xy_live = shapely.get_coordinates(pts[live])
        to_cell = h3.latlng_to_cell
        out_cell[live] = [to_cell(y, x, res) for x, y in zip(xy_live[:, 0].tolist(), xy_live[:, 1].tolist())]
    else:
        units = grid if grid is not None else _admin_cells(spec.kind)
        tree = shapely.STRtree(units.geometry.values)
        hit = np.full(len(live), -1)
        p_idx, t_idx = tree.query(pts[live], predicate="intersects")
        hit[p_idx[::-1]] = t_idx[::-1]
        miss = hit < 0
        if miss.any():  # inside Iraq's outline but in a sliver between simplified units
            hit[miss] = tree.nearest(pts[live][miss])
        out_cell[live] = units["cell"].to_numpy()[hit]
        if spec.kind == "adm1" and "admin1" in incidents.columns and coarse.any():
            iso_to_cell = dict(zip(units["governorate_iso"], units["cell"]))
            stated = incidents["admin1"].map(iso_to_cell).to_numpy()
            keep = coarse & (dropped == "") & pd.notna(stated)
            out_cell[keep] = stated[keep]
    out_cell[dropped != ""] = ""
    return pd.DataFrame({"cell": out_cell, "dropped": dropped}, index=incidents.index)


# -- the cube ----------------------------------------------------------------------------------
def _dates(value, name: str) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r}: not a date {value!r} (use YYYY-MM-DD)") from None


def space_time_cube(incidents: pd.DataFrame, cell: str = "h3:5", step: str = "month", start=None, end=None,
                    *, grid: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Incidents and fatalities per cell and step, every cell-step present (zeros included).

    Parameters
    ----------
    incidents : GeoDataFrame
        Accepted incidents (``event_date``, ``geometry``; optional
        ``time_precision``, ``geo_precision``, ``fatalities``, ``admin1``).
    cell : str
        ``"h3:R"``, ``"adm1"``, ``"adm2"`` or ``"adm3"``.
    step : str
        ``"week"`` (Monday–Sunday), ``"month"`` or ``"quarter"``.
    start, end : date-like, optional
        First and last day covered (default: first and last incident).
    grid : GeoDataFrame, optional
        The cells (default :func:`cell_grid`; :func:`cube_grid` gives it back).

    Returns
    -------
    DataFrame
        ``cell``, ``step`` (first day of the step), ``events``, ``fatalities``,
        sorted by cell then step. ``attrs``: ``cell``, ``step_kind``,
        ``dropped`` (reason → number of incidents left out).

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cube = space_time_cube(load_incidents().accepted, "adm1", "quarter")
    >>> int(cube["events"].sum()) <= 92
    True
    """
    return _build_cube(incidents, cell, step, start, end, grid)[0]


def _build_cube(incidents: pd.DataFrame, cell: str, step: str, start, end,
                grid: gpd.GeoDataFrame | None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The cube and its grid (see :func:`space_time_cube`)."""
    from iraq_atlas.analysis.windows import possible_dates

    spec = parse_cell(cell)
    freq = parse_step(step)
    start_d, end_d = _dates(start, "start"), _dates(end, "end")
    inc = incidents
    where = assign_cells(inc, spec.label, grid if spec.kind != "h3" else None)
    if len(inc):
        span = possible_dates(inc.assign(time_precision=inc["time_precision"]) if "time_precision" in inc
                              else inc.assign(time_precision=1))
    else:
        span = pd.DataFrame({"day": pd.Series([], dtype="datetime64[ns]"),
                             "first_day": pd.Series([], dtype="datetime64[ns]"),
                             "last_day": pd.Series([], dtype="datetime64[ns]")})
    days = span["day"]
    if start_d is None:
        start_d = days.min() if len(days) and days.notna().any() else None
    if end_d is None:
        end_d = days.max() if len(days) and days.notna().any() else None
    if start_d is None or end_d is None:
        raise ParameterError("parameters 'start' and 'end': no incidents to take the period from; give both dates")
    if start_d > end_d:
        raise ParameterError(f"parameters 'start' and 'end': start {start_d.date()} is after end {end_d.date()}")
    periods = pd.period_range(start_d, end_d, freq=freq)
    dropped = where["dropped"].to_numpy().copy()
    in_period = ((days >= start_d) & (days <= end_d)).to_numpy()
    dropped[(dropped == "") & ~in_period] = "outside the period"
    first_p = span["first_day"].dt.to_period(freq)
    last_p = span["last_day"].dt.to_period(freq)
    dropped[(dropped == "") & (first_p != last_p).to_numpy()] = "date spans two steps"
    if grid is None:
        extra = where.loc[dropped == "", "cell"].unique() if spec.kind == "h3" else ()
        grid = cell_grid(spec.label, extra)
    elif spec.kind == "h3":
        known = set(grid["cell"])
        dropped[(dropped == "") & ~where["cell"].isin(known).to_numpy()] = "cell not in the grid"
    n_cells, n_steps = len(grid), len(periods)
    if n_cells * n_steps > MAX_CUBE_CELLS:
        raise ParameterError(f"parameter 'cell': {n_cells} cells × {n_steps} steps is too large a cube; "
                             "use a coarser H3 resolution or a longer step")
    keep = dropped == ""
    ci = pd.Index(grid["cell"]).get_indexer(where.loc[keep, "cell"])
    ti = (first_p[keep].astype("int64").to_numpy() - periods[0].ordinal) if keep.any() else np.zeros(0, int)
    fat = pd.to_numeric(inc["fatalities"], errors="coerce").fillna(0).to_numpy()[keep] \
        if "fatalities" in inc.columns else np.zeros(int(keep.sum()))
    flat = ci * n_steps + ti
    events = np.bincount(flat, minlength=n_cells * n_steps)
    fsum = np.bincount(flat, weights=fat, minlength=n_cells * n_steps)
    out = pd.DataFrame({"cell": np.repeat(grid["cell"].to_numpy(), n_steps),
                        "step": np.tile(periods.start_time, n_cells),
                        "events": events.astype(int), "fatalities": fsum.astype(int)})
    reasons = pd.Series(dropped[~keep]).value_counts()
    out.attrs.update({"cell": spec.label, "step_kind": step,
                      "dropped": {str(k): int(v) for k, v in reasons.items()}})
    return out, grid


def cube_grid(cube: pd.DataFrame) -> gpd.GeoDataFrame:
    """The cells of a cube made by :func:`space_time_cube`, in the cube's order.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> len(cube_grid(space_time_cube(load_incidents().accepted, "adm1", "quarter")))
    18
    """
    label = cube.attrs.get("cell")
    if not label:
        raise ParameterError("cube: no 'cell' in attrs (build it with space_time_cube)")
    cells = pd.unique(cube["cell"])
    grid = cell_grid(label, cells if parse_cell(label).kind == "h3" else ())
    return grid.set_index("cell").loc[cells].reset_index()


def cube_matrix(cube: pd.DataFrame, column: str = "events") -> tuple[np.ndarray, pd.Index, pd.DatetimeIndex]:
    """The cube as a cells × steps array (rows in ``cube`` order of cells), with the cell and step labels."""
    cells = pd.Index(pd.unique(cube["cell"]))
    steps = pd.DatetimeIndex(pd.unique(cube["step"]))
    values = cube[column].to_numpy(dtype=float)
    if len(values) != len(cells) * len(steps):
        raise ParameterError("cube: every cell must have every step (build it with space_time_cube)")
    return values.reshape(len(cells), len(steps)), cells, steps


# -- neighbourhoods --------------------------------------------------------------------------
def neighbours(grid: gpd.GeoDataFrame, method: str = "contiguity", *, order: int = 1,
               distance_km: float | None = None) -> pd.DataFrame:
    """Neighbour pairs ``cell``, ``neighbour`` of the grid, each cell paired with itself too (Gi*).

    Parameters
    ----------
    grid : GeoDataFrame
        ``cell`` and ``geometry`` (from :func:`cell_grid`).
    method : {"contiguity", "distance"}
        ``contiguity``: H3 rings (``order`` rings) or queen contiguity of admin
        units (``order`` steps). ``distance``: centres within ``distance_km``
        in UTM 38N.

    Examples
    --------
    >>> pairs = neighbours(cell_grid("adm1"))
    >>> bool((pairs["cell"] == pairs["neighbour"]).any())
    True
    """
    if method not in NEIGHBOURHOODS:
        raise ParameterError(f"parameter 'neighbourhood': {method!r} is not one of {list(NEIGHBOURHOODS)}")
    cells = grid["cell"].astype(str).to_numpy()
    pos = {c: i for i, c in enumerate(cells)}
    if method == "distance":
        if distance_km is None or not float(distance_km) > 0:
            raise ParameterError("parameter 'distance_km': a positive distance is needed for the distance band")
        from scipy.spatial import cKDTree

        cen = grid.geometry.to_crs(METRIC_CRS).centroid
        xy = np.column_stack([cen.x, cen.y])
        pairs = cKDTree(xy).query_pairs(float(distance_km) * 1000 * (1 + 1e-12), output_type="ndarray")
        a = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(len(cells))])
        b = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(len(cells))])
    else:
        if int(order) < 1:
            raise ParameterError(f"parameter 'order': at least 1 ring or step, not {order}")
        a_list: list[int] = []
        b_list: list[int] = []
        if cells.size and _is_h3(cells[0]):
            import h3

            for i, c in enumerate(cells):
                for nb in h3.grid_disk(c, int(order)):
                    j = pos.get(nb)
                    if j is not None:
                        a_list.append(i)
                        b_list.append(j)
            a, b = np.asarray(a_list, int), np.asarray(b_list, int)
        else:
            a, b = _queen_pairs(grid, int(order))
    out = pd.DataFrame({"cell": cells[a], "neighbour": cells[b]}).drop_duplicates()
    out.attrs["neighbourhood"] = describe_neighbourhood(method, order=order, distance_km=distance_km,
                                                        h3=bool(cells.size and _is_h3(cells[0])))
    return out.sort_values(["cell", "neighbour"]).reset_index(drop=True)


def _is_h3(text: str) -> bool:
    import h3

    try:
        return bool(h3.is_valid_cell(text))
    except (TypeError, ValueError):
        return False


def _queen_pairs(grid: gpd.GeoDataFrame, order: int) -> tuple[np.ndarray, np.ndarray]:
    from libpysal.graph import Graph

    g = Graph.build_contiguity(grid.reset_index(drop=True), rook=False)
    if order > 1:
        g = g.higher_order(k=order, lower_order=True)
    adj = g.adjacency.reset_index()
    adj = adj[(adj["weight"] > 0) & (adj["focal"] != adj["neighbor"])]
    n = len(grid)
    a = np.concatenate([adj["focal"].to_numpy(int), np.arange(n)])
    b = np.concatenate([adj["neighbor"].to_numpy(int), np.arange(n)])
    return a, b


def describe_neighbourhood(method: str, *, order: int = 1, distance_km: float | None = None,
                           h3: bool = True, time_window: int | None = None) -> str:
    """One sentence stating the neighbourhood, for captions and ``attrs``."""
    if method == "distance":
        text = f"cells whose centres are at most {float(distance_km):g} km apart (distance band)"
    elif h3:
        text = f"hexagons within {order} ring{'s' if order > 1 else ''} (contiguity)"
    else:
        text = "units sharing an edge or a corner (queen contiguity" + (f", order {order})" if order > 1 else ")")
    text += ", each cell its own neighbour"
    if time_window is not None:
        text += (", current step only" if time_window == 0
                 else f", over the current and {time_window} previous step{'s' if time_window > 1 else ''}")
    return text


def _matrix(pairs: pd.DataFrame, cells: pd.Index) -> sparse.csr_matrix:
    a = cells.get_indexer(pairs["cell"])
    b = cells.get_indexer(pairs["neighbour"])
    ok = (a >= 0) & (b >= 0)
    n = len(cells)
    return sparse.csr_matrix((np.ones(int(ok.sum())), (a[ok], b[ok])), shape=(n, n))


# -- Gi* ---------------------------------------------------------------------------------------
def gstar_z(x: np.ndarray, w: sparse.spmatrix, time_window: int = 0) -> np.ndarray:
    """Gi* z-scores for a cells × steps array with binary weights ``w`` (self included); 0 where undefined.

    For cell i at step t, with N cell-steps in the reference population,
    ``W`` the number of neighbour cell-steps, ``L`` the sum of their counts,
    and the mean ``m`` and standard deviation ``s`` (divided by N) of the
    population: ``z = (L - W m) / (s sqrt((N W - W²) / (N - 1)))``.

    Examples
    --------
    >>> from scipy import sparse
    >>> w = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]]))
    >>> np.round(gstar_z(np.array([[3.0], [1.0], [0.0]]), w), 4).ravel().tolist()
    [1.069, 0.0, -1.3363]
    """
    x = np.asarray(x, dtype=float)
    n, t = x.shape
    k = int(time_window)
    lag = np.asarray(w @ x)
    card = np.asarray(w.sum(axis=1)).ravel()[:, None]
    steps_in = np.minimum(np.arange(t) + 1, k + 1)[None, :].astype(float)
    big_n = n * steps_in
    total = _window_sum(x.sum(axis=0, keepdims=True), k)
    sq = _window_sum((x ** 2).sum(axis=0, keepdims=True), k)
    mean = total / big_n
    var = np.maximum(sq / big_n - mean ** 2, 0.0)
    wsum = card * steps_in
    lsum = _window_sum(lag, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.sqrt(var) * np.sqrt((big_n * wsum - wsum ** 2) / (big_n - 1))
        z = (lsum - wsum * mean) / den
    z[~np.isfinite(z)] = 0.0
    z[np.broadcast_to(var <= 1e-12 * np.maximum(mean ** 2, 1), z.shape)] = 0.0
    return z


def local_gstar(cube: pd.DataFrame, pairs: pd.DataFrame, *, time_window: int = 0, p_values: str = "analytical",
                permutations: int = 999, fdr: bool = True, alpha: float = 0.05,
                min_neighbourhood_events: int = 1, seed: int | None = 12345, n_jobs: int = 1) -> pd.DataFrame:
    """Gi* z-score, p-value and hot/cold flag of every cell-step of the cube.

    Parameters
    ----------
    cube : DataFrame
        From :func:`space_time_cube`.
    pairs : DataFrame
        Neighbour pairs from :func:`neighbours` (self pairs included).
    time_window : int
        Previous steps included in each neighbourhood (0: the current step only).
    p_values : {"analytical", "permutation"}
        Normal approximation, or ``permutations`` shuffles of the other cells' counts.
    fdr : bool
        Benjamini–Hochberg correction per step (``p_adjusted``); otherwise
        ``p_adjusted`` equals ``p``.
    alpha : float
        Significance level applied to ``p_adjusted``.
    min_neighbourhood_events : int
        A cell-step is a hot spot only when its neighbourhood holds at least
        this many incidents (1, the default, changes nothing: a hot spot always
        has at least one). With few incidents, 2 or 3 keeps a single incident
        from making its whole neighbourhood a hot spot.
    seed : int or None
        Seed of the permutations (:class:`numpy.random.SeedSequence`); a fixed
        seed gives the same p-values on every run.
    n_jobs : int
        Processes running the permutations (-1: every core). The p-values are
        identical for every value (:mod:`iraq_atlas.analysis.permutations`).

    Returns
    -------
    DataFrame
        The cube's columns plus ``neighbourhood_events``, ``gi_z``, ``p``,
        ``p_adjusted``, ``hot``, ``cold``.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cube = space_time_cube(load_incidents().accepted, "adm1", "quarter")
    >>> gi = local_gstar(cube, neighbours(cube_grid(cube)))
    >>> {"gi_z", "p_adjusted", "hot", "cold"} <= set(gi.columns)
    True
    """
    if p_values not in ("analytical", "permutation"):
        raise ParameterError(f"parameter 'p_values': {p_values!r} is not 'analytical' or 'permutation'")
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"parameter 'alpha': must be between 0 and 1, not {alpha}")
    if int(time_window) < 0:
        raise ParameterError(f"parameter 'time_window': must be 0 or more, not {time_window}")
    resolve_jobs(n_jobs)
    x, cells, steps = cube_matrix(cube)
    w = _matrix(pairs, cells)
    z = gstar_z(x, w, int(time_window))
    if p_values == "analytical":
        p = 2 * stats.norm.sf(np.abs(z))
    else:
        p = permutation_p(x, w, z, int(permutations), int(time_window), seed, n_jobs)
    p = np.where(z == 0, 1.0, p)
    p_adj = stats.false_discovery_control(p, axis=0, method="bh") if fdr and p.size else p
    out = cube.copy()
    out["neighbourhood_events"] = _window_sum(np.asarray(w @ x), int(time_window)).ravel().astype(int)
    out["gi_z"] = z.ravel()
    out["p"] = p.ravel()
    out["p_adjusted"] = np.asarray(p_adj).ravel()
    sig = out["p_adjusted"].to_numpy() < float(alpha)
    out["hot"] = sig & (out["gi_z"].to_numpy() > 0) \
        & (out["neighbourhood_events"].to_numpy() >= int(min_neighbourhood_events))
    out["cold"] = sig & (out["gi_z"].to_numpy() < 0)
    method = pairs.attrs.get("neighbourhood", "given neighbour pairs")
    out.attrs.update(cube.attrs)
    out.attrs.update({"time_window": int(time_window), "p_values": p_values, "fdr": bool(fdr),
                      "min_neighbourhood_events": int(min_neighbourhood_events),
                      "alpha": float(alpha), "permutations": int(permutations) if p_values != "analytical" else 0,
                      "neighbourhood": method + (", current step only" if int(time_window) == 0 else
                                                 f", over the current and {int(time_window)} previous step(s)")})
    return out


# -- trends -------------------------------------------------------------------------------------
def mann_kendall(x: np.ndarray, slope: bool = True) -> pd.DataFrame:
    """Mann-Kendall trend test and Sen's slope of each row of a 2-D array (vectorised over rows).

    Columns: ``s`` (the statistic), ``var_s`` (with the tie correction),
    ``z`` (continuity-corrected), ``p`` (two-sided), ``sen_slope`` (median of
    all pairwise slopes, per step; 0 when ``slope`` is False), ``tau``. Rows with fewer than 3 values
    have z = 0, p = 1.

    Examples
    --------
    >>> mk = mann_kendall(np.array([[1.0, 2.0, 3.0, 5.0]]))
    >>> float(mk["s"].iloc[0]), round(float(mk["sen_slope"].iloc[0]), 4)
    (6.0, 1.1667)
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    m, t = x.shape
    n_pairs = t * (t - 1) // 2
    s = np.zeros(m)
    sen = np.zeros(m)
    chunk = max(1, int(1.5e7 // max(n_pairs, 1)))
    for lo in range(0, m, chunk):
        xc = x[lo:lo + chunk]
        sc = np.zeros(len(xc))
        slopes = np.empty((len(xc), n_pairs)) if slope and n_pairs else None
        off = 0
        for k in range(1, t):  # all pairs k steps apart at once: no fancy indexing
            d = xc[:, k:] - xc[:, :-k]
            sc += np.count_nonzero(d > 0, axis=1) - np.count_nonzero(d < 0, axis=1)
            if slopes is not None:
                slopes[:, off:off + t - k] = d / k
                off += t - k
        s[lo:lo + chunk] = sc
        if slopes is not None:
            k1, k2 = (n_pairs - 1) // 2, n_pairs // 2
            slopes.partition([k1, k2] if k1 != k2 else k1, axis=1)  # in place: no copy
            sen[lo:lo + chunk] = (slopes[:, k1] + slopes[:, k2]) / 2
    # tie correction: sum over groups of equal values of g(g-1)(2g+5)
    srt = np.sort(x, axis=1)
    ties = np.zeros(m)
    if t > 1:
        new_run = np.concatenate([np.ones((m, 1), bool), np.diff(srt, axis=1) != 0], axis=1)
        run_id = np.cumsum(new_run, axis=1) - 1
        rows = np.repeat(np.arange(m), t)
        counts = np.zeros((m, t))
        np.add.at(counts, (rows, run_id.ravel()), 1)
        ties = (counts * (counts - 1) * (2 * counts + 5)).sum(axis=1)
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0))
    z = np.where((var > 0) & np.isfinite(z), z, 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    tau = s / (t * (t - 1) / 2) if t > 1 else np.zeros(m)
    if t < 3:
        z, p = np.zeros(m), np.ones(m)
    return pd.DataFrame({"s": s, "var_s": var, "z": z, "p": p, "sen_slope": sen, "tau": tau})


def cell_trends(gstar: pd.DataFrame) -> pd.DataFrame:
    """Per cell: Mann-Kendall on the Gi* z-scores (``trend_z``, ``trend_p``, ``gi_sen_slope``) and on the
    counts (``count_trend_z``, ``count_trend_p``, ``sen_slope`` in events per step).

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cube = space_time_cube(load_incidents().accepted, "adm1", "quarter")
    >>> tr = cell_trends(local_gstar(cube, neighbours(cube_grid(cube))))
    >>> len(tr)
    18
    """
    z, cells, _ = cube_matrix(gstar, "gi_z")
    counts, _, _ = cube_matrix(gstar, "events")
    mz, mc = mann_kendall(z), mann_kendall(counts)
    return pd.DataFrame({"cell": cells, "trend_z": mz["z"].to_numpy(), "trend_p": mz["p"].to_numpy(),
                         "gi_sen_slope": mz["sen_slope"].to_numpy(), "count_trend_z": mc["z"].to_numpy(),
                         "count_trend_p": mc["p"].to_numpy(), "sen_slope": mc["sen_slope"].to_numpy()})


# -- categories ---------------------------------------------------------------------------------
def classify_series(hot: np.ndarray, cold: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray,
                    trend_alpha: float = 0.05) -> np.ndarray:
    """Category of each row of boolean cells × steps arrays of significant hot and cold steps.

    The rules, tried in this order for hot spots (cold spots mirror them with
    hot and cold swapped and the trend sign reversed), with ``share`` the
    fraction of all steps that are significant hot spots:

    1. new: the last step is hot and no earlier step is.
    2. consecutive: the last step ends an unbroken run of at least two hot steps,
       no hot step comes before that run, and share < 90 %.
    3. intensifying: share ≥ 90 %, the last step is hot, and the Mann-Kendall
       trend of the Gi* z-scores is upward (p < ``trend_alpha``).
    4. persistent: share ≥ 90 %, the last step is hot, no significant trend.
    5. diminishing: share ≥ 90 %, the last step is hot, significant downward trend.
    6. sporadic: the last step is hot, share < 90 %, no step was ever cold.
    7. oscillating: the last step is hot, share < 90 %, some earlier step was cold.
    8. historical: the last step is not hot, share ≥ 90 %.

    Anything else is "no pattern detected".

    Examples
    --------
    >>> hot = np.array([[False, False, True], [True, True, True]])
    >>> classify_series(hot, ~hot & False, np.zeros(2), np.ones(2)).tolist()
    ['new hot spot', 'persistent hot spot']
    """
    hot, cold = np.atleast_2d(np.asarray(hot, bool)), np.atleast_2d(np.asarray(cold, bool))
    m, t = hot.shape
    out = np.full(m, "no pattern detected", dtype=object)
    if t == 0:
        return out
    up = (np.asarray(trend_p) < trend_alpha) & (np.asarray(trend_z) > 0)
    down = (np.asarray(trend_p) < trend_alpha) & (np.asarray(trend_z) < 0)
    for kind, sig, other, rising, falling in (("hot", hot, cold, up, down), ("cold", cold, hot, down, up)):
        last = sig[:, -1]
        n_sig = sig.sum(axis=1)
        share = n_sig / t
        earlier = sig[:, :-1].any(axis=1)
        # length of the run of significant steps ending at the last step
        not_sig_rev = ~sig[:, ::-1]
        run = np.where(not_sig_rev.any(axis=1), not_sig_rev.argmax(axis=1), t)
        only_run = n_sig == run
        ever_other = other[:, :-1].any(axis=1)
        mostly = share >= PERSISTENT_SHARE - 1e-12
        rules = [
            ("new", last & ~earlier),
            ("consecutive", last & (run >= 2) & only_run & ~mostly),
            ("intensifying", last & mostly & rising),
            ("persistent", last & mostly & ~rising & ~falling),
            ("diminishing", last & mostly & falling),
            ("sporadic", last & ~mostly & ~ever_other),
            ("oscillating", last & ~mostly & ever_other),
            ("historical", ~last & mostly),
        ]
        todo = out == "no pattern detected"
        for name, mask in rules:
            hit = todo & mask
            out[hit] = f"{name} {kind} spot"
            todo &= ~hit
    return out


def classify(gstar: pd.DataFrame, trends: pd.DataFrame | None = None, trend_alpha: float = 0.05) -> pd.DataFrame:
    """Emerging-hot-spot category of each cell (see :func:`classify_series` for the rules).

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cube = space_time_cube(load_incidents().accepted, "adm1", "quarter")
    >>> cats = classify(local_gstar(cube, neighbours(cube_grid(cube))))
    >>> set(cats["category"]) <= set(CATEGORIES)
    True
    """
    trends = cell_trends(gstar) if trends is None else trends
    hot, cells, _ = cube_matrix(gstar, "hot")
    cold, _, _ = cube_matrix(gstar, "cold")
    tr = trends.set_index("cell").reindex(cells)
    cat = classify_series(hot.astype(bool), cold.astype(bool), tr["trend_z"].to_numpy(),
                          tr["trend_p"].to_numpy(), trend_alpha)
    return pd.DataFrame({"cell": cells, "category": cat, "hot_steps": hot.sum(axis=1).astype(int),
                         "cold_steps": cold.sum(axis=1).astype(int)})


def hotspot_analysis(incidents: pd.DataFrame, cell: str = "h3:5", step: str = "month", start=None, end=None, *,
                     neighbourhood: str = "contiguity", order: int = 1, distance_km: float | None = None,
                     time_window: int = 0, p_values: str = "analytical", permutations: int = 999,
                     fdr: bool = True, alpha: float = 0.05, trend_alpha: float = 0.05,
                     min_neighbourhood_events: int = 1, seed: int | None = 12345,
                     n_jobs: int = 1) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Cube, Gi*, trends and categories in one call: (one row per cell, one row per cell-step).

    Parameters
    ----------
    incidents : GeoDataFrame
        Accepted incidents (``event_date``, ``geometry``; optional
        ``time_precision``, ``geo_precision``, ``fatalities``, ``admin1``).
    cell : str
        ``"h3:R"``, ``"adm1"``, ``"adm2"`` or ``"adm3"``.
    step : str
        ``"week"`` (Monday–Sunday), ``"month"`` or ``"quarter"``.
    start, end : date-like, optional
        First and last day covered (default: first and last incident).
    neighbourhood : {"contiguity", "distance"}
        H3 rings or queen contiguity of admin units, or a distance band.
    order : int
        Rings (H3) or contiguity steps (admin units) of the neighbourhood.
    distance_km : float, optional
        Radius of the distance band; needed with ``neighbourhood="distance"``.
    time_window : int
        Previous steps included in each neighbourhood (0: the current step only).
    p_values : {"analytical", "permutation"}
        Normal approximation, or ``permutations`` shuffles of the other cells' counts.
    permutations : int
        Number of shuffles for permutation p-values.
    fdr : bool
        Benjamini–Hochberg correction per step.
    alpha : float
        Significance level of the Gi* hot and cold flags.
    trend_alpha : float
        Significance level of the Mann-Kendall trend tests.
    min_neighbourhood_events : int
        Fewest incidents a neighbourhood needs for its cell-step to be a hot spot.
    seed : int or None
        Seed of the permutations; a fixed seed gives the same p-values on every run.
    n_jobs : int
        Processes running the permutations (-1: every core); the p-values do not change.

    Returns
    -------
    GeoDataFrame
        Per cell: ``cell``, ``name``, ``governorate_iso``, ``category``,
        ``trend_z``, ``trend_p``, ``sen_slope`` (events per step, Sen's slope
        of counts), ``last_gi_z``, ``events`` (total), then ``hot_steps``,
        ``cold_steps``, ``count_trend_z``, ``count_trend_p``, ``gi_sen_slope``,
        ``geometry``. ``attrs``: ``neighbourhood`` (one sentence),
        ``dropped``, and the parameters used.
    DataFrame
        Per cell-step: the :func:`local_gstar` table.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> incidents = load_incidents().accepted
    >>> cells, steps = hotspot_analysis(incidents, "adm1", "quarter")
    >>> list(cells.columns[:9]) == RESULT_COLUMNS, len(cells), len(steps) == 18 * steps.step.nunique()
    (True, 18, True)
    >>> int(cells.events.sum()) == len(incidents), cells.sort_values("events").name.iloc[-1]
    (True, 'Baghdad')
    """
    cube, grid = _build_cube(incidents, cell, step, start, end, None)
    pairs = neighbours(grid, neighbourhood, order=order, distance_km=distance_km)
    gi = local_gstar(cube, pairs, time_window=time_window, p_values=p_values, permutations=permutations,
                     fdr=fdr, alpha=alpha, min_neighbourhood_events=min_neighbourhood_events, seed=seed,
                     n_jobs=n_jobs)
    return summarise(gi, grid, trend_alpha=trend_alpha), gi


def emerging_hotspots(incidents: pd.DataFrame, cell: str = "h3:5", step: str = "month", start=None, end=None,
                      **options) -> gpd.GeoDataFrame:
    """One row per cell: the first table of :func:`hotspot_analysis` (same parameters).

    Parameters
    ----------
    incidents : GeoDataFrame
        Accepted incidents (``event_date``, ``geometry``).
    cell : str
        ``"h3:R"``, ``"adm1"``, ``"adm2"`` or ``"adm3"``.
    step : str
        ``"week"``, ``"month"`` or ``"quarter"``.
    start, end : date-like, optional
        First and last day covered (default: first and last incident).
    **options
        The keyword parameters of :func:`hotspot_analysis`.

    Returns
    -------
    GeoDataFrame
        Per cell: :data:`RESULT_COLUMNS`, the extra columns and ``attrs`` of
        :func:`hotspot_analysis`.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> res = emerging_hotspots(load_incidents().accepted, "adm1", "quarter")
    >>> list(res.columns[:9]) == RESULT_COLUMNS
    True
    """
    return hotspot_analysis(incidents, cell, step, start, end, **options)[0]


def summarise(gstar: pd.DataFrame, grid: gpd.GeoDataFrame, trend_alpha: float = 0.05) -> gpd.GeoDataFrame:
    """One row per cell from a :func:`local_gstar` table: category, trends, last z, totals, geometry.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> cube = space_time_cube(load_incidents().accepted, "adm1", "quarter")
    >>> grid = cube_grid(cube)
    >>> res = summarise(local_gstar(cube, neighbours(grid)), grid)
    >>> len(res)
    18
    """
    trends = cell_trends(gstar)
    cats = classify(gstar, trends, trend_alpha)
    z, cells, _ = cube_matrix(gstar, "gi_z")
    ev, _, _ = cube_matrix(gstar, "events")
    base = pd.DataFrame({"cell": cells, "last_gi_z": z[:, -1] if z.shape[1] else np.nan,
                         "events": ev.sum(axis=1).astype(int)})
    df = grid[["cell", "name", "governorate_iso", "geometry"]].merge(cats, on="cell").merge(trends, on="cell") \
        .merge(base, on="cell")
    cols = RESULT_COLUMNS + ["hot_steps", "cold_steps", "count_trend_z", "count_trend_p", "gi_sen_slope", "geometry"]
    out = gpd.GeoDataFrame(df[cols], geometry="geometry", crs=CRS)
    out.attrs.update(gstar.attrs)
    out.attrs["trend_alpha"] = float(trend_alpha)
    return out


def hotspot_table(result: pd.DataFrame) -> pd.DataFrame:
    """The CLI's table: :data:`RESULT_COLUMNS`, rounded, hot and cold spots first, then by events.

    Parameters
    ----------
    result : pandas.DataFrame
        One row per cell, from :func:`emerging_hotspots` (or the first table of
        :func:`hotspot_analysis`).

    Returns
    -------
    pandas.DataFrame
        The :data:`RESULT_COLUMNS` only (no geometry), the trend and z-score columns rounded to
        4 decimals, ordered by category (as in :data:`CATEGORIES`), then by incidents (most
        first), then by cell.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> list(hotspot_table(emerging_hotspots(load_incidents().accepted, "adm1", "quarter")).columns) == RESULT_COLUMNS
    True
    """
    out = pd.DataFrame(result[RESULT_COLUMNS]).copy()
    for c, nd in (("trend_z", 4), ("trend_p", 4), ("sen_slope", 4), ("last_gi_z", 4)):
        out[c] = out[c].astype(float).round(nd)
    rank = out["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    return out.assign(_r=rank).sort_values(["_r", "events", "cell"], ascending=[True, False, True]) \
        .drop(columns="_r").reset_index(drop=True)


__all__ = ["parse_cell", "parse_step", "cell_grid", "assign_cells", "space_time_cube", "cube_matrix",
           "neighbours", "describe_neighbourhood", "cube_grid", "hotspot_analysis", "gstar_z", "local_gstar", "mann_kendall", "cell_trends",
           "classify_series", "classify", "emerging_hotspots", "summarise", "hotspot_table", "iraq_outline",
           "CATEGORIES", "RESULT_COLUMNS", "CellKind"]
