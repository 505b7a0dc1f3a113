"""Merging incidents with governorates, seats and the political calendar.

The question behind this module: how does political violence line up with
the electoral map and the electoral calendar? It joins validated incidents
(:mod:`iraq_atlas.incidents`) to governorate and district polygons, to the
2018 and 2021 seats (:mod:`iraq_atlas.elections`) and to milestones
(:mod:`iraq_atlas.timeline`). Every incident is kept; doubtful ones carry
flags instead of disappearing.

Rules (each one is tested in ``tests/test_merge.py``)
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

* Dates are Asia/Baghdad calendar days. ``event_date`` in ACLED, UCDP and the
  curated set is already a local date and is used as written; a
  time-zone-aware timestamp is first converted to Asia/Baghdad
  (:func:`baghdad_day`), so 21:30 UTC on 9 Oct 2021 is 10 Oct 2021.
* For a milestone on day M and ``N`` days: ``before`` is [M − N, M − 1] and
  ``after`` is [M, M + N − 1], both ends included. The milestone day counts
  as *after*; each window holds exactly N days.
* An event's possible dates: ``time_precision`` 1 (or empty) is its day;
  2 (week) is any day from ``event_date`` − 6 to ``event_date`` + 6 (every
  7-day week that contains the recorded date); 3 (month) is the calendar
  month of ``event_date``. An event is counted in a window only when all its
  possible dates fall inside the window. When they only partly overlap it
  goes to that window's ``imprecise`` column instead; it is never dropped
  silently and never counted twice.
* The summary period [start, end] (both included) selects incidents by their
  recorded ``event_date``; ``coarse_dates`` counts those whose precision is a
  week or a month.

Baghdad (:func:`baghdad_focus`):

* Incidents whose governorate is Baghdad (IQ-BG) and whose location is more
  precise than the governorate.
* ``in_green_zone``: inside the curated Green Zone outline (the outline
  itself counts as inside).
* Distance to the Green Zone is to its outline (0 inside); distance to the
  PM residence is geodesic (WGS84) to its gazetteer point.
* Bands are half-open [lo, hi) in km from the ``bands`` lower edges (default
  0, 1, 5, 20 → 0–1, 1–5, 5–20, 20+ km); distances are rounded to the
  millimetre before banding, so a point 1 km away lies in 1–5.

Summary table (:func:`governorate_summary`): one row per governorate (all 18,
zero rows included); see ``docs/merge.md`` for every column.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from iraq_atlas.elections.load import ElectionData
from iraq_atlas.places.boundaries import Boundaries, capital_points
from iraq_atlas.places.governorates import governorate_names, iso_codes
from iraq_atlas.vocab import BLOC_ORDER, CRS, EVENT_TYPES, METRIC_CRS, TIME_ZONE

BAGHDAD_ISO = "IQ-BG"
DEFAULT_BANDS_KM: tuple[float, ...] = (0, 1, 5, 20)
FLAG_NAMES = ("governorate_only", "outside", "boundary", "no_polygons", "admin1_mismatch")
CAUSALITY_CAPTION = ("Association only: incidents and seat changes both reflect many things (population, "
                     "security presence, media coverage, who is counted). A pattern here is not evidence "
                     "that violence moved votes or that votes caused violence.")


# -- governorates and districts -------------------------------------------------
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
    """
    out = incidents.copy()
    if out.crs is None:
        out = out.set_crs(CRS)
    pts = out.geometry.to_crs(CRS).values
    n = len(out)
    admin1 = out["admin1"].astype(object).where(out["admin1"].notna(), None).to_numpy()
    coarse = (pd.to_numeric(out["geo_precision"], errors="coerce") == 3).to_numpy()
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
    """ADM2 polygons beside the ADM1 source: the given folder, the folder of a given file, or the
    usual search (environment, cache, download). None when no district file is found there."""
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


# -- dates and windows ------------------------------------------------------------
def baghdad_day(values) -> pd.Series:
    """Asia/Baghdad calendar day of each value (naive dates are taken as local already)."""
    s = pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert(TIME_ZONE).dt.tz_localize(None).dt.normalize()
    s = pd.to_datetime(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert(TIME_ZONE).dt.tz_localize(None).dt.normalize()
    return s.dt.normalize()


def possible_dates(incidents: pd.DataFrame) -> pd.DataFrame:
    """First and last day an event may have happened, from ``event_date`` and ``time_precision``."""
    day = baghdad_day(incidents["event_date"]).set_axis(incidents.index)
    prec = pd.to_numeric(incidents["time_precision"], errors="coerce").fillna(1).astype(int)
    week, month = prec == 2, prec == 3
    first, last = day.copy(), day.copy()
    first[week] = day[week] - pd.Timedelta(days=6)
    last[week] = day[week] + pd.Timedelta(days=6)
    first[month] = day[month].dt.to_period("M").dt.start_time
    last[month] = day[month].dt.to_period("M").dt.end_time.dt.normalize()
    return pd.DataFrame({"day": day, "first_day": first, "last_day": last, "time_precision": prec})


def find_milestone(milestones: pd.DataFrame, milestone_id: str) -> pd.Series:
    """The milestone row with this id (ValueError naming the parameter when unknown)."""
    hit = milestones[milestones["milestone_id"] == milestone_id]
    if hit.empty:
        raise ValueError(f"parameter 'milestone': unknown milestone_id {milestone_id!r}; "
                         f"known ids include {sorted(milestones['milestone_id'])[:40]}")
    return hit.iloc[0]


def milestone_windows(milestones: pd.DataFrame, milestone_ids: Sequence[str], days: int) -> pd.DataFrame:
    """Before/after windows of ``days`` days around each milestone (see module docstring)."""
    if int(days) < 1:
        raise ValueError(f"parameter 'window_days': must be at least 1, not {days}")
    rows = []
    for mid in milestone_ids:
        m = find_milestone(milestones, mid)
        day = baghdad_day([m["date"]]).iloc[0]
        d = pd.Timedelta(days=int(days))
        rows.append({"milestone_id": mid, "milestone_date": day, "label": m["label"], "window": "before",
                     "start": day - d, "end": day - pd.Timedelta(days=1)})
        rows.append({"milestone_id": mid, "milestone_date": day, "label": m["label"], "window": "after",
                     "start": day, "end": day + d - pd.Timedelta(days=1)})
    return pd.DataFrame(rows, columns=["milestone_id", "milestone_date", "label", "window", "start", "end"])


def window_membership(incidents: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and window it touches: ``status`` 'in' (whole range inside) or 'imprecise'."""
    span = possible_dates(incidents)
    parts = []
    for w in windows.itertuples(index=False):
        inside = (span["first_day"] >= w.start) & (span["last_day"] <= w.end)
        overlap = (span["first_day"] <= w.end) & (span["last_day"] >= w.start)
        hit = overlap.to_numpy()
        parts.append(pd.DataFrame({"row": incidents.index[hit], "milestone_id": w.milestone_id,
                                   "window": w.window,
                                   "status": np.where(inside.to_numpy()[hit], "in", "imprecise")}))
    cols = ["row", "milestone_id", "window", "status"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def window_counts(joined: pd.DataFrame, windows: pd.DataFrame, *, by_governorate: bool = False,
                  governorates: Sequence[str] | None = None) -> pd.DataFrame:
    """Incidents, fatalities and imprecise events per window (and per governorate, zeros included)."""
    mem = window_membership(joined, windows)
    fat = pd.to_numeric(joined["fatalities"], errors="coerce")
    mem["fatalities"] = fat.reindex(mem["row"]).to_numpy() if len(mem) else []
    keys = ["milestone_id", "window"]
    base = windows.copy()
    if by_governorate:
        mem["iso_3166_2"] = joined["governorate"].reindex(mem["row"]).to_numpy() if len(mem) else []
        codes = list(governorates) if governorates else sorted(iso_codes())
        base = base.merge(pd.DataFrame({"iso_3166_2": codes}), how="cross")
        base.insert(base.columns.get_loc("iso_3166_2") + 1, "governorate", base["iso_3166_2"].map(governorate_names()))
        keys = keys + ["iso_3166_2"]
    inn = mem[mem["status"] == "in"].groupby(keys).agg(incidents=("row", "size"),
                                                      fatalities=("fatalities", lambda s: s.sum(min_count=1)))
    imp = mem[mem["status"] == "imprecise"].groupby(keys).size().rename("imprecise")
    out = base.join(inn, on=keys).join(imp, on=keys)
    out["incidents"] = out["incidents"].fillna(0).astype(int)
    out["fatalities"] = out["fatalities"].fillna(0).astype(int)
    out["imprecise"] = out["imprecise"].fillna(0).astype(int)
    return out.reset_index(drop=True)


# -- per-governorate summary ---------------------------------------------------------
def event_type_column(event_type: str) -> str:
    """Summary column name of an ACLED event type, e.g. 'Explosions/Remote violence' → type_explosions_remote_violence."""
    return "type_" + "".join(c if c.isalnum() else "_" for c in event_type.lower()).strip("_").replace("__", "_")


def _sum_known(values: pd.Series, fallback: pd.Series | None = None) -> pd.Series:
    """Counts ready to sum: numbers, unknown kept as <NA> (never 0), ``fallback`` filling unknowns.

    Sums skip unknown rows; :func:`governorate_summary` reports how many rows each
    sum left out (``fatalities_unknown``, ``injuries_unknown``), so a source that
    records no injuries (ACLED, UCDP) reads "0 known, N not counted", not "0".
    """
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    if fallback is not None:
        v = v.fillna(pd.to_numeric(fallback, errors="coerce").astype("Float64"))
    return v


def bloc_seats(elections: ElectionData) -> pd.DataFrame:
    """Seats per governorate and bloc for each year with a published breakdown (wide, ISO-indexed)."""
    res = elections.governorate_results
    g = res.groupby(["year", "iso_3166_2", "bloc"])["seats"].sum().reset_index()
    have = {int(y): set(g.loc[g["year"] == y, "iso_3166_2"]) for y in g["year"].unique()}
    codes = sorted(iso_codes())
    out = pd.DataFrame(index=pd.Index(codes, name="iso_3166_2"))
    for year in (2018, 2021):
        part = g[g["year"] == year].pivot_table(index="iso_3166_2", columns="bloc", values="seats", aggfunc="sum")
        for bloc in BLOC_ORDER:
            col = part[bloc] if bloc in part.columns else pd.Series(dtype=float)
            vals = col.reindex(codes)
            known = pd.Series([c in have.get(year, set()) for c in codes], index=codes)
            out[f"seats_{year}_{bloc}"] = vals.where(~known, vals.fillna(0)).where(known).astype("Int64")
    for bloc in BLOC_ORDER:
        out[f"change_{bloc}"] = (out[f"seats_2021_{bloc}"] - out[f"seats_2018_{bloc}"]).astype("Int64")
    b18 = pd.Series([c in have.get(2018, set()) for c in codes], index=codes)
    b21 = pd.Series([c in have.get(2021, set()) for c in codes], index=codes)
    out["bloc_data"] = np.select([b18 & b21, b18, b21], ["2018 and 2021", "2018 only", "2021 only"],
                                 "not published")
    return out


def governorate_summary(joined: pd.DataFrame, elections: ElectionData, start=None, end=None, *,
                        governorates: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per governorate (all 18 unless ``governorates`` narrows it), zero rows included.

    Incidents are selected by their Baghdad day in [start, end] (both included)
    and counted under ``governorate`` (see :func:`join_incidents`). ``fatalities``
    and ``injuries`` sum the known figures; ``fatalities_unknown`` and
    ``injuries_unknown`` count the rows whose figure is unknown (not counted).
    """
    span = possible_dates(joined)
    keep = pd.Series(True, index=joined.index)
    if start not in (None, ""):
        keep &= span["day"] >= pd.Timestamp(start)
    if end not in (None, ""):
        keep &= span["day"] <= pd.Timestamp(end)
    inc = joined[keep]
    codes = [c for c in sorted(iso_codes())]
    if governorates:
        codes = [c for c in codes if c in set(governorates)]
    out = pd.DataFrame({"iso_3166_2": codes})
    out["governorate"] = out["iso_3166_2"].map(governorate_names())
    grp = inc.groupby("governorate")
    out["incidents"] = out["iso_3166_2"].map(grp.size()).fillna(0).astype(int)
    for kind in ("fatalities", "injuries"):
        used = _sum_known(inc[kind])
        low = _sum_known(inc[f"{kind}_low"], inc[kind])
        high = _sum_known(inc[f"{kind}_high"], inc[kind])
        g = inc["governorate"]
        out[kind] = out["iso_3166_2"].map(used.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_low"] = out["iso_3166_2"].map(low.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_high"] = out["iso_3166_2"].map(high.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_unknown"] = out["iso_3166_2"].map(used.isna().groupby(g).sum()).fillna(0).astype(int)
    seats = elections.governorate_seats.pivot_table(index="iso_3166_2", columns="year", values="seats",
                                                    aggfunc="sum")
    for year in (2021, 2018):
        out[f"seats_{year}"] = out["iso_3166_2"].map(seats[year]).astype("Int64")
        per = out["incidents"] / out[f"seats_{year}"].astype("Float64")
        out[f"incidents_per_seat_{year}"] = per.round(4)
    for t in EVENT_TYPES:
        out[event_type_column(t)] = out["iso_3166_2"].map(
            (inc["event_type"] == t).groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    coarse = pd.to_numeric(inc["time_precision"], errors="coerce").fillna(1) > 1
    out["coarse_dates"] = out["iso_3166_2"].map(coarse.groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    for f in FLAG_NAMES:
        out[f"n_{f}"] = out["iso_3166_2"].map(inc[f].groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    blocs = bloc_seats(elections)
    out["iran_aligned_2018"] = out["iso_3166_2"].map(blocs["seats_2018_iran_aligned"]).astype("Int64")
    out["iran_aligned_2021"] = out["iso_3166_2"].map(blocs["seats_2021_iran_aligned"]).astype("Int64")
    out["iran_aligned_change"] = out["iso_3166_2"].map(blocs["change_iran_aligned"]).astype("Int64")
    out["bloc_data"] = out["iso_3166_2"].map(blocs["bloc_data"])
    out["iran_aligned_change_status"] = np.where(out["iran_aligned_change"].notna(), "known",
                                                 "unknown: no per-governorate bloc breakdown for both years")
    bloc_cols = [c for c in blocs.columns if c.startswith(("seats_20", "change_"))]
    out = out.join(blocs[bloc_cols], on="iso_3166_2")
    first = ["iso_3166_2", "governorate", "incidents", "fatalities", "seats_2021", "seats_2018",
             "incidents_per_seat_2021", "incidents_per_seat_2018"]
    return out[first + [c for c in out.columns if c not in first]]


def summary_table(source: str | os.PathLike | None = None, format: str = "auto", start=None, end=None,
                  boundaries_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The CLI's per-governorate summary: load incidents, join them, add seats (one call)."""
    from iraq_atlas.elections.load import load_elections
    from iraq_atlas.incidents.load import load_incidents
    from iraq_atlas.places.boundaries import load_boundaries

    adm1 = load_boundaries("ADM1", boundaries_path)
    loaded = load_incidents(source, format, start, end, boundaries=None if adm1.is_fallback else adm1)
    joined = join_incidents(loaded.accepted, adm1)
    return governorate_summary(joined, load_elections(), start, end)


# -- Baghdad focus ------------------------------------------------------------------
def check_bands(bands: Sequence) -> tuple[float, ...]:
    """Band lower edges in km: numbers, first 0, strictly increasing (ValueError naming the parameter)."""
    try:
        edges = tuple(float(b) for b in bands)
    except (TypeError, ValueError):
        raise ValueError(f"parameter 'distance_bands_km': not all numbers: {list(bands)}") from None
    if not edges or edges[0] != 0 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"parameter 'distance_bands_km': edges must start at 0 and increase: {list(bands)}")
    return edges


def band_labels(bands: Sequence[float] = DEFAULT_BANDS_KM) -> list[str]:
    """'0–1 km', '1–5 km', …, '20+ km' for the lower edges given."""
    e = check_bands(bands)
    fmt = lambda v: f"{v:g}"  # noqa: E731
    return [f"{fmt(a)}–{fmt(b)} km" for a, b in zip(e[:-1], e[1:])] + [f"{fmt(e[-1])}+ km"]


def distance_band(km, bands: Sequence[float] = DEFAULT_BANDS_KM) -> pd.Categorical:
    """Band label of each distance: half-open [lo, hi) after rounding to the millimetre."""
    e = check_bands(bands)
    km = np.round(np.asarray(km, dtype=float), 6)
    idx = np.searchsorted(np.asarray(e), km, side="right") - 1
    labels = band_labels(e)
    return pd.Categorical([labels[i] if not np.isnan(k) else None for i, k in zip(idx, km)], categories=labels,
                          ordered=True)


def baghdad_focus(joined: gpd.GeoDataFrame, bands: Sequence[float] = DEFAULT_BANDS_KM) -> gpd.GeoDataFrame:
    """Baghdad incidents with Green Zone membership and distance bands (governorate-only rows: no band).

    The PM residence's point is approximate (see
    :func:`~iraq_atlas.places.gazetteer.approximate_point_note`): ``km_pm_residence_note`` says so,
    with its source, beside the distances.
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
    """Incidents and fatalities: Green Zone, rest of Baghdad, Baghdad (governorate only); zeros kept."""
    areas = ["Green Zone", "rest of Baghdad", "Baghdad (governorate only)"]
    fat = pd.to_numeric(focus["fatalities"], errors="coerce")
    g = focus.assign(_f=fat).groupby("area")
    return pd.DataFrame({"area": areas,
                         "incidents": [int(g.size().get(a, 0)) for a in areas],
                         "fatalities": [int(g["_f"].sum().get(a, 0)) for a in areas]})


def band_table(focus: pd.DataFrame, bands: Sequence[float] = DEFAULT_BANDS_KM) -> pd.DataFrame:
    """Incidents per distance band from the Green Zone outline and from the PM residence (zeros kept).

    Rows measured from the PM residence carry a ``note``: its point is approximate, and whence.
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

    When the point is approximate (the PM residence's is), each label says so and ``note``
    gives the precision and the source.
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
    """Buffers at each band edge (km > 0) around an outline, buffered in UTM 38N, returned in 4326."""
    from iraq_atlas.places.spatial import outline

    poly = gpd.GeoSeries([outline(place_id)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
    radii = [b for b in check_bands(bands) if b > 0]
    lines = gpd.GeoSeries([poly.buffer(r * 1000, quad_segs=32) for r in radii], crs=METRIC_CRS).to_crs(CRS)
    return gpd.GeoDataFrame({"radius_km": radii, "label": [f"{r:g} km from the Green Zone outline" for r in radii]},
                            geometry=lines.values, crs=CRS)


# -- output ---------------------------------------------------------------------------------
def incident_table(joined: pd.DataFrame) -> pd.DataFrame:
    """The joined incidents as a plain table (no geometry; dates as YYYY-MM-DD) for CSV and Parquet."""
    out = pd.DataFrame(joined.drop(columns=[c for c in ("geometry",) if c in joined.columns])).copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
        elif isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    return out


def write_tables(tables: dict[str, pd.DataFrame], folder: str | os.PathLike, prefix: str = "") -> list[Path]:
    """Write each table as ``<prefix><name>.csv`` and ``.parquet``; returns every path written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        df = incident_table(df)
        for ext in ("csv", "parquet"):
            path = folder / f"{prefix}{name}.{ext}"
            tmp = path.with_name(f".{path.name}.part")
            if ext == "csv":
                df.to_csv(tmp, index=False, lineterminator="\n")
            else:
                df.to_parquet(tmp, index=False)
            os.replace(tmp, path)
            paths.append(path)
    return paths


__all__ = ["join_incidents", "load_districts", "baghdad_day", "possible_dates", "milestone_windows", "window_membership", "window_counts", "governorate_summary", "summary_table", "bloc_seats", "baghdad_focus", "green_zone_table", "band_table", "distance_band", "band_labels", "check_bands", "rings", "outline_rings", "incident_table", "write_tables", "find_milestone", "event_type_column"]
