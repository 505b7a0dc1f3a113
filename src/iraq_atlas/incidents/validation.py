"""Validation of schema-shaped rows: rejection reasons, locations, and the row accounting.

Every source's rows (:mod:`iraq_atlas.incidents.sources`) are checked here, and
every input row ends up in exactly one of three tables of an :class:`IncidentSet`:

* ``accepted`` – valid rows, a GeoDataFrame (EPSG:4326) with ``admin1`` as an
  ISO 3166-2:IQ code;
* ``rejected`` – one row per bad input row: file, row (1-based data row, line 2
  of the file is row 1), column(s) and reason(s);
* ``excluded`` – rows outside the selection (another country, or a valid date
  outside the requested window), with the reason.

``len(accepted) + len(rejected) + len(excluded)`` equals the number of data
rows in the file (:func:`~iraq_atlas.incidents.load.load_incidents`); :func:`validate` alone keeps ``accepted + rejected == input``.

Locations. A row with coordinates keeps them (they must lie inside Iraq; a
pair that fits Iraq only when swapped is reported as swapped). A row without
coordinates is placed through the gazetteer: by its ``place_id`` when it has
one (falling back to the place's parent, then its governorate's point, when
the place itself has no sourced coordinates), otherwise by geocoding its
``location`` name. ``geo_precision`` becomes the coarser of the row's own value
and the precision of the point used; ``coord_source`` says where the point
came from. A location that cannot be resolved is rejected, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from geopandas.array import GeometryArray

from iraq_atlas.incidents.schema import (
    ACCEPTED_SCHEMA,
    COUNT_COLUMNS,
    CURATED_COLUMNS,
    EXCLUDED_COLUMNS,
    REJECTED_COLUMNS,
    SCHEMA,
    TEXT_COLUMNS,
)
from iraq_atlas.incidents.sources._common import _offsets, constant_text, no_problems
from iraq_atlas.places.gazetteer import gazetteer, governorate_place_id
from iraq_atlas.places.governorates import to_iso
from iraq_atlas.places.spatial import in_iraq
from iraq_atlas.vocab import CRS, EVENT_TYPES, IRAQ_BBOX, VOCABULARY

# A point this close outside Iraq's outline still counts as inside (3-decimal points, border coding).
BORDER_TOLERANCE_M = 5_000.0


@dataclass
class IncidentSet:
    """The outcome of loading one file: accepted, rejected and excluded rows (they add up to the input).

    Examples
    --------
    >>> from iraq_atlas.incidents import load_curated
    >>> s = load_curated("2021-11-07", "2021-11-07")
    >>> s.input_rows == len(s.accepted) + len(s.rejected) + len(s.excluded), s.summary().split(" (")[0]
    (True, 'accepted 1, rejected 0')
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    file: str = ""
    format: str = ""
    notes: list[str] = field(default_factory=list)  # what the reader found, e.g. the date forms

    @property
    def input_rows(self) -> int:
        """The number of data rows read: accepted + rejected + excluded."""
        return len(self.accepted) + len(self.rejected) + len(self.excluded)

    def summary(self) -> str:
        """One line for logs: ``accepted N, rejected M`` plus what was outside the selection.

        Returns
        -------
        str
            The counts, then the reader's notes (if any).

        Examples
        --------
        An ACLED export with one event in Iraq and one in Syria:

        >>> import tempfile, pathlib
        >>> from iraq_atlas.incidents import read_acled
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "acled.csv").write_text(
        ...     "event_id_cnty,event_date,event_type,sub_event_type,country,admin1,location,"
        ...     "latitude,longitude,fatalities\\n"
        ...     "IRQ1,2021-03-07,Protests,Peaceful protest,Iraq,Baghdad,Baghdad,33.3152,44.3661,0\\n"
        ...     "SYR1,2021-03-07,Protests,Peaceful protest,Syria,Damascus,Damascus,33.5138,36.2765,0\\n")
        >>> read_acled(d / "acled.csv").summary()
        'accepted 1, rejected 0 (and 1 outside the selection: other country or dates)'
        """
        text = f"accepted {len(self.accepted)}, rejected {len(self.rejected)}"
        if len(self.excluded):
            text += f" (and {len(self.excluded)} outside the selection: other country or dates)"
        if self.notes:
            text += "; " + "; ".join(self.notes)
        return text


# -- checks ---------------------------------------------------------------------------
def _flag(df: pd.DataFrame, mask, column: str, reason) -> pd.DataFrame:
    """Problems for the rows where ``mask`` holds.

    ``reason`` is a string, a per-row Series, or a function of the mask returning the
    flagged rows' texts: with a function, nothing is formatted for rows that pass
    (at a million rows, formatting every row's message cost more than the checks).
    """
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        if not mask.any():  # the usual case at a million rows: no Series built for a clean check
            return no_problems()
        mask = pd.Series(mask, index=df.index)
    elif isinstance(mask, pd.Series) and mask.dtype == bool and mask.index is df.index:
        if not mask.any():
            return no_problems()
    else:
        mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
        if not mask.any():
            return no_problems()
    if callable(reason):
        reason = reason(mask)
    why = reason[mask] if isinstance(reason, pd.Series) else reason
    return pd.DataFrame({"_row": df.loc[mask, "_row"].astype("int64"), "column": column, "reason": why})


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates written YYYY-MM-DD (ACLED API, UCDP, curated) or '07 November 2021' (ACLED exports).

    Parameters
    ----------
    text : pandas.Series
        Date texts; empty or unreadable ones become NaT (the caller flags them).

    Returns
    -------
    pandas.Series
        ``datetime64`` values, same index.

    Examples
    --------
    >>> parse_dates(pd.Series(["2021-11-07", "07 November 2021", "soon"])).dt.day.tolist()
    [7.0, 7.0, nan]
    """
    fast = _iso_dates(text)
    if fast is not None:
        return fast
    iso = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}"), None), format="%Y-%m-%d",
                         errors="coerce")
    long = pd.to_datetime(text.where(iso.isna(), None), format="%d %B %Y", errors="coerce")
    return iso.fillna(long)


def _iso_dates(text: pd.Series) -> pd.Series | None:
    """:func:`parse_dates` when every non-empty cell is a valid YYYY-MM-DD date, else None.

    Arrow's date cast accepts exactly ten characters, four-two-two ASCII digits and
    real calendar days, the same set as the regex plus ``%Y-%m-%d`` route, at a
    fraction of its cost; years before 1 (which pandas refuses) take the slow route.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        if text.dtype == object:
            arr = pa.array(text.to_numpy(dtype=object), type=pa.string())
        else:
            arr = pa.array(text.array)
            if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
                return None
        if arr.null_count:
            return None
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        days = pc.cast(arr, pa.date32())
        if days.null_count == len(days):  # nothing to parse: the slow route's dtype is another unit
            return None
        low = pc.min(days).as_py()
        if low is not None and low.year < 1:
            return None
        values = days.to_numpy(zero_copy_only=False) if days.null_count == 0 else \
            pc.cast(days, pa.timestamp("us")).to_numpy(zero_copy_only=False)
        return pd.Series(values.astype("datetime64[us]"), index=text.index)
    except Exception:  # ArrowInvalid: some cell is not an ISO date
        return None


def _numbers(raw: pd.Series) -> pd.Series:
    """Text → float64, empty → NaN, anything else that is not a number → NaN (the caller flags it).

    Arrow's cast parses a clean column ~10× faster than ``pd.to_numeric``; a column
    with any non-number in it takes the ``to_numeric`` route, which finds each one.
    """
    empty = raw == ""
    if empty.all():
        return pd.Series(np.nan, index=raw.index)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(raw.to_numpy(dtype=object), type=pa.string()) if raw.dtype == object \
            else pa.array(raw.array)
        if empty.any():  # empty cells become nulls (NaN); a full column is cast as it is
            arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        num = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(num, index=raw.index)
    except Exception:  # ArrowInvalid: some cell is not a number
        return pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(float)


def _counts(df: pd.DataFrame, column: str, low: int | None, high: int | None) -> tuple[pd.Series, list]:
    """Whole numbers in [low, high]; empty stays <NA>; every other value is a problem."""
    raw = df[column]
    if _all_empty(raw):  # a column the file does not have (or never fills): all unknown, nothing to check
        n = len(raw)
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool)), index=raw.index), []
    num = _numbers(raw)
    fast = _counts_fast(df, raw, num, column, low, high)
    if fast is not None:
        return fast
    # infinities and numbers beyond 2**53 (where floats stop holding every whole number) are
    # problems of their own, flagged once, never converted
    finite = np.isfinite(num)
    whole = finite & (num == num.round())
    huge = whole & (num.abs() >= 2.0 ** 53)
    probs = [_flag(df, (raw != "") & num.isna(), column, lambda m: "not a number: " + raw[m].map(repr)),
             _flag(df, num.notna() & ~whole, column, lambda m: "not a whole number: " + raw[m]),
             _flag(df, huge, column, lambda m: "too large: " + raw[m] + " (2^53 or more)")]
    fair = whole & ~huge
    if low is not None:
        probs.append(_flag(df, fair & (num < low), column, lambda m: f"must be {low} or more, not " + raw[m]))
    if high is not None:
        probs.append(_flag(df, fair & (num > high), column, lambda m: f"must be {high} or less, not " + raw[m]))
    values = pd.arrays.IntegerArray(np.where(fair, num, 0).astype(np.int64), ~fair.to_numpy())
    return pd.Series(values, index=raw.index), probs



def _all_empty(s: pd.Series) -> bool:
    """True when every cell is the empty text; Arrow-backed text is read off its offsets alone."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa

        arr = pa.array(s.array)
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        if arr.null_count:
            return False
        for c in chunks:
            if len(c):
                off = _offsets(c)
                if off[-1] != off[0]:
                    return False
        return True
    return bool((s == "").all())


def _counts_fast(df, raw, num, column, low, high):
    """:func:`_counts` on NumPy arrays (same problems, same result); None for infinities or
    numbers beyond 2**53, which take the pandas route."""
    v = num.to_numpy(dtype=float)
    nan = np.isnan(v)
    if np.isinf(v).any():
        return None
    ok = ~nan & (v == np.round(v))
    if ok.any() and np.abs(v[ok]).max() >= 2.0 ** 53:
        return None
    probs = []
    if nan.any():
        probs.append(_flag(df, (raw != "") & nan if not nan.all() else raw != "", column,
                           lambda m: "not a number: " + raw[m].map(repr)))
    if not nan.all():
        probs.append(_flag(df, ~nan & ~ok, column, lambda m: "not a whole number: " + raw[m]))
        if low is not None:
            probs.append(_flag(df, v < low, column, lambda m: f"must be {low} or more, not " + raw[m]))
        if high is not None:
            probs.append(_flag(df, v > high, column, lambda m: f"must be {high} or less, not " + raw[m]))
    values = pd.arrays.IntegerArray(np.where(ok, v, 0).astype(np.int64), ~ok)
    return pd.Series(values, index=raw.index), probs


def _governorate_codes(admin1: pd.Series) -> pd.Series:
    """ISO 3166-2:IQ code for each admin1 text (names, variants, codes; 'X province' too); missing if unknown.

    Each distinct text is looked up once; the codes come back as text (pandas' string
    dtype, NaN where unknown), spread to every row by Arrow, not a Python loop.
    """
    codes_idx, uniq = pd.factorize(admin1, use_na_sentinel=False)
    uniq = pd.Series(uniq, dtype=object)
    stripped = uniq.str.replace(r"\s+(province|governorate|muhafazat)$", "", case=False, regex=True)
    codes = [(to_iso(u) or to_iso(s)) if isinstance(u, str) else None for u, s in zip(uniq, stripped)]
    try:
        import pyarrow as pa

        spread = pa.DictionaryArray.from_arrays(pa.array(codes_idx, type=pa.int32()),
                                                pa.array(codes, type=pa.string())).dictionary_decode()
        dtype = pd.StringDtype("pyarrow", na_value=np.nan)
        return pd.Series(dtype.__from_arrow__(pa.chunked_array([spread])), index=admin1.index)
    except Exception:  # no pyarrow, or a pandas without NaN-valued Arrow strings (before 2.3)
        return pd.Series(np.array(codes + [None], dtype=object)[codes_idx], index=admin1.index, dtype=str)


def _locate(df: pd.DataFrame, need: pd.Series, geocoder) -> tuple[pd.DataFrame, list]:
    """Points for rows without coordinates: place_id (→ parent → governorate) else geocoded location."""
    gaz = gazetteer().set_index("place_id")
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "prec": pd.NA, "src": "", "pid": "", "iso": None},
                       index=df.index)
    out["prec"] = out["prec"].astype("Int64")
    probs = []

    def point_for(pid: str):
        """(lat, lon, geo_precision, description, governorate) of the best point for a place id."""
        p = gaz.loc[pid]
        src = p.get("point_from", "")
        if pd.notna(p.lat) and isinstance(src, str) and src:  # the gazetteer lent it an ancestor's point
            how = "parent" if src == p.parent_id else "nearest ancestor with a point"
            return p.lat, p.lon, p.geo_precision, f"gazetteer:{src} ({how} of {pid}, which has no point)", \
                p.governorate_iso
        if pd.notna(p.lat):
            return p.lat, p.lon, p.geo_precision, f"gazetteer:{pid}", p.governorate_iso
        parent = p.parent_id
        if parent and parent in gaz.index and pd.notna(gaz.loc[parent].lat):
            q = gaz.loc[parent]
            return q.lat, q.lon, q.geo_precision, f"gazetteer:{parent} (parent of {pid}, which has no point)", \
                p.governorate_iso
        gov = governorate_place_id(p.governorate_iso)
        q = gaz.loc[gov]
        return q.lat, q.lon, q.geo_precision, f"governorate:{p.governorate_iso} ({pid} has no point)", \
            p.governorate_iso

    by_place = need & (df["place_id"] != "")
    known = df["place_id"].isin(gaz.index)
    probs.append(_flag(df, by_place & ~known, "place_id", "no place " + df["place_id"].map(repr)
                       + " in the gazetteer"))
    rows = by_place & known
    if rows.any():
        table = {pid: point_for(pid) for pid in df.loc[rows, "place_id"].unique()}
        vals = df.loc[rows, "place_id"].map(table)
        out.loc[rows, "lat"] = vals.map(lambda v: v[0]).astype(float)
        out.loc[rows, "lon"] = vals.map(lambda v: v[1]).astype(float)
        out.loc[rows, "prec"] = vals.map(lambda v: v[2]).astype("Int64")
        out.loc[rows, "src"] = vals.map(lambda v: v[3])
        out.loc[rows, "iso"] = vals.map(lambda v: v[4])
        out.loc[rows, "pid"] = df.loc[rows, "place_id"]
    by_name = need & (df["place_id"] == "")
    if by_name.any():
        if geocoder is None:
            from iraq_atlas.places.geocoding import Geocoder
            geocoder = Geocoder()
        names = df.loc[by_name, "location"]
        uniq = pd.unique(names)
        res = geocoder.geocode_names(uniq).drop(columns="geometry")
        res.index = uniq
        hit = res.loc[names.values].set_index(names.index)
        found = hit["status"].isin(["matched", "fuzzy", "online"]) & hit["lat"].notna()
        rows = found[found].index
        out.loc[rows, "lat"] = hit.loc[rows, "lat"].astype(float)
        out.loc[rows, "lon"] = hit.loc[rows, "lon"].astype(float)
        out.loc[rows, "prec"] = hit.loc[rows, "geo_precision"].astype("Int64")
        out.loc[rows, "src"] = "geocoded:" + hit.loc[rows, "place_id"].fillna("") + " (" \
            + hit.loc[rows, "status"] + ")"
        out.loc[rows, "pid"] = hit.loc[rows, "place_id"].fillna("")
        out.loc[rows, "iso"] = hit.loc[rows, "governorate_iso"]
        miss = by_name & ~found.reindex(df.index, fill_value=False)
        # A row coded governorate-only (geo_precision 3) whose location text is not a gazetteer
        # name takes its governorate's point, and says so; any other unplaced row is rejected.
        # A location the geocoder knows as a place outside Iraq (``foreign``) never takes a point.
        status = hit["status"].reindex(df.index)
        gov_iso = _governorate_codes(df["admin1"])
        gov_only = miss & (df["geo_precision"].str.strip() == "3") & gov_iso.notna() & (status != "foreign")
        if gov_only.any():
            table = {iso: point_for(governorate_place_id(iso)) for iso in gov_iso[gov_only].unique()}
            vals = gov_iso[gov_only].map(table)
            out.loc[gov_only, "lat"] = vals.map(lambda v: v[0]).astype(float)
            out.loc[gov_only, "lon"] = vals.map(lambda v: v[1]).astype(float)
            out.loc[gov_only, "prec"] = 3
            out.loc[gov_only, "src"] = "governorate:" + gov_iso[gov_only] + " (geo_precision 3; location " \
                + df.loc[gov_only, "location"].map(repr) + " has no point)"
            out.loc[gov_only, "iso"] = gov_iso[gov_only]
            miss = miss & ~gov_only
        cands = hit["candidates"].reindex(df.index).fillna("")
        note = hit["point_note"].reindex(df.index).fillna("outside Iraq: no point is given")
        reason = np.select(
            [status == "ambiguous", status == "foreign", df["location"] == ""],
            ["no coordinates, and location " + df["location"].map(repr) + " is ambiguous ("
             + cands.str.replace("|", ", ", regex=False) + ")",
             "no coordinates, and location " + df["location"].map(repr) + " is " + note,
             "no coordinates and no location name"],
            "no coordinates, and location " + df["location"].map(repr) + " is not in the gazetteer")
        probs.append(_flag(df, miss, "location", pd.Series(reason, index=df.index)))
    return out, probs


def validate(df: pd.DataFrame, file: str, *, geocoder=None, boundaries=None,
             require_source_url: bool = False,
             extra_problems: pd.DataFrame | None = None,
             dates: pd.Series | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Check schema-shaped text rows; return (accepted GeoDataFrame, rejected rows with reasons).

    ``df`` holds the schema's columns as text plus ``_row``. Checks are
    vectorised column operations (geocoding runs once per distinct name).
    ``dates``, when given, is ``parse_dates(df["event_date"])`` already computed
    (same index as ``df``).

    Parameters
    ----------
    df : pandas.DataFrame
        Text rows in the schema's columns, plus ``_row``.
    file : str
        The file name used in every rejection.
    geocoder, boundaries : optional
        As for :func:`~iraq_atlas.incidents.load.load_incidents`.
    require_source_url : bool, default False
        Every row must cite an http(s) URL (the curated set).
    extra_problems : pandas.DataFrame, optional
        Problems the reader found (``_row``, ``column``, ``reason``).
    dates : pandas.Series, optional
        ``event_date`` already parsed.

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame)
        The accepted rows and one rejected row per bad input row.

    Examples
    --------
    >>> from iraq_atlas.incidents.sources.curated import read
    >>> from iraq_atlas.files import data_path
    >>> frame, problems = read(data_path("incidents", "incidents.csv"))
    >>> accepted, rejected = validate(frame, "incidents.csv", extra_problems=problems, require_source_url=True)
    >>> len(accepted) + len(rejected) == len(frame)
    True
    """
    if dates is not None and not dates.index.equals(df.index):
        dates = None
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        df = df.reset_index(drop=True)
        dates = None if dates is None else dates.reset_index(drop=True)
    else:
        df = df.copy(deep=False)
    for col in CURATED_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    probs: list[pd.DataFrame] = [] if extra_problems is None else [extra_problems]

    lat_raw, lon_raw = df["latitude"], df["longitude"]
    lat, lon = _numbers(lat_raw), _numbers(lon_raw)
    need = (lat_raw == "") & (lon_raw == "")
    ids = df["event_id_cnty"]
    # the ids' uniqueness and (when every row has its own coordinates) the points are made
    # on a second thread while the checks below run; both are used only as computed here
    side = _SideWork.start(ids, lon, lat, with_points=not need.any()) if len(df) >= _SideWork.MIN_ROWS else None
    probs.append(_flag(df, ids == "", "event_id_cnty", "id is missing"))
    dup_slot = len(probs)
    probs.append(no_problems())  # duplicate ids: filled in below, keeping the check order

    if dates is None:
        dates = parse_dates(df["event_date"])
    probs.append(_flag(df, df["event_date"] == "", "event_date", "date is missing"))
    probs.append(_flag(df, (df["event_date"] != "") & dates.isna(), "event_date",
                       lambda m: "not a date: " + df["event_date"][m].map(repr) + " (use YYYY-MM-DD)"))

    etype, sub = df["event_type"], df["sub_event_type"]
    known_type = etype.isin(VOCABULARY.keys())
    probs.append(_flag(df, ~known_type, "event_type",
                       lambda m: "unknown event type " + etype[m].map(repr) + " (ACLED types: "
                       + ", ".join(EVENT_TYPES) + ")"))
    # an empty sub-type is one the source does not record (a user's own log): unknown, not wrong
    probs.append(_flag(df, known_type & (sub != "") & ~_known_pairs(etype, sub), "sub_event_type",
                       lambda m: "sub-event type " + sub[m].map(repr) + " is not an ACLED sub-type of "
                       + etype[m].map(repr)))

    time_prec, p = _counts(df, "time_precision", 1, 3)
    probs += p
    geo_prec, p = _counts(df, "geo_precision", 1, 3)
    probs += p
    counts = {}
    for col in COUNT_COLUMNS:
        counts[col], p = _counts(df, col, 0, None)
        probs += p
    for kind in ("fatalities", "injuries"):
        used, lo, hi = counts[kind], counts[f"{kind}_low"], counts[f"{kind}_high"]
        if lo.isna().all() and hi.isna().all():
            continue  # no range given on any row: both checks are unknown (never flagged) everywhere
        probs.append(_flag(df, (lo > hi).fillna(False), f"{kind}_low",
                           f"{kind}_low is above {kind}_high"))
        probs.append(_flag(df, ((used < lo) | (used > hi)).fillna(False), kind,
                           f"{kind} (the figure used) lies outside {kind}_low–{kind}_high"))

    probs.append(_flag(df, (lat_raw != "") & lat.isna(), "latitude", lambda m: "not a number: " + lat_raw[m].map(repr)))
    probs.append(_flag(df, (lon_raw != "") & lon.isna(), "longitude",
                       lambda m: "not a number: " + lon_raw[m].map(repr)))
    one_only = (lat_raw == "") != (lon_raw == "")
    probs.append(_flag(df, one_only, "latitude", "give both latitude and longitude, or neither"))
    both = lat.notna() & lon.notna()
    inside = _in_bbox(lat, lon)
    swapped = _in_bbox(lon, lat)
    where = lambda m: "(" + lat_raw[m] + ", " + lon_raw[m] + ")"  # noqa: E731
    probs.append(_flag(df, both & ~inside & swapped, "latitude",
                       lambda m: "point " + where(m) + " is outside Iraq: latitude and longitude look swapped"))
    probs.append(_flag(df, both & ~inside & ~swapped, "latitude",
                       lambda m: "point " + where(m) + f" is outside Iraq (lat {IRAQ_BBOX[1]}–{IRAQ_BBOX[3]}, "
                       f"lon {IRAQ_BBOX[0]}–{IRAQ_BBOX[2]})"))
    # inside the bounding box is not inside Iraq: Kuwait City, Deir ez-Zor and Kermanshah are in it
    in_box = (both & inside).to_numpy()
    beyond = np.zeros(len(df), dtype=bool)
    if in_box.any():
        beyond[in_box] = ~in_iraq(lat.to_numpy()[in_box], lon.to_numpy()[in_box], BORDER_TOLERANCE_M)
    probs.append(_flag(df, beyond, "latitude",
                       lambda m: "point " + where(m) + f" is outside Iraq's border (by more than "
                       f"{BORDER_TOLERANCE_M / 1000:g} km), though inside its bounding box"))

    if need.any():
        located, p = _locate(df, need, geocoder)
        probs += p
        lat = lat.where(~need, located["lat"])
        lon = lon.where(~need, located["lon"])
        point_prec = located["prec"].where(need)
        geo_prec = pd.concat([geo_prec, point_prec], axis=1).max(axis=1, skipna=True).astype("Int64")
        coord_source = pd.Series(np.where(need, located["src"], "data"), index=df.index)
        place_id = df["place_id"].where(~need | (df["place_id"] != ""), located["pid"])
        located_iso = located["iso"]
    else:  # every row has coordinates: nothing to place (the gazetteer is loaded as before)
        gazetteer()
        coord_source = constant_text("data", df)
        place_id = df["place_id"]
        located_iso = None

    admin1 = _governorate_codes(df["admin1"])
    probs.append(_flag(df, (df["admin1"] != "") & admin1.isna(), "admin1",
                       lambda m: "unknown governorate " + df["admin1"][m].map(repr)))
    admin1 = admin1.where(df["admin1"] != "", located_iso)

    if require_source_url:
        probs.append(_flag(df, ~df["source_url"].str.match(r"https?://"), "source_url",
                           "every curated row needs a source URL (http or https)"))

    # asked for last: the second thread has had all the checks above to hash the ids
    unique = side.ids_unique() if side is not None else None
    distinct = unique if unique is not None else ids.is_unique
    if not distinct:
        first_row = df.groupby("event_id_cnty")["_row"].transform("min")
        probs[dup_slot] = _flag(df, (ids != "") & ids.duplicated(keep="first"), "event_id_cnty",
                                lambda m: "duplicate id " + ids[m].map(repr) + " (first on row "
                                + first_row[m].astype(str) + ")")

    problems = pd.concat([p for p in probs if len(p)], ignore_index=True) if any(len(p) for p in probs) \
        else no_problems()
    if len(problems):
        bad = df["_row"].isin(set(problems["_row"]))
    else:
        bad = pd.Series(False, index=df.index)
    rejected = _rejected_table(problems, df, file)

    good = ~bad
    # Rows with no admin1 and no gazetteer governorate: derive it from the point.
    gap = good & admin1.isna()
    if gap.any():
        from iraq_atlas.places.spatial import assign_governorate
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon[gap], lat[gap]), crs=CRS, index=df.index[gap])
        admin1.loc[gap] = assign_governorate(pts, boundaries)["governorate_iso"]
    columns = {
        **{c: df[c] for c in TEXT_COLUMNS},
        "event_date": dates, "time_precision": time_prec, "latitude": lat.astype(float),
        "longitude": lon.astype(float), "geo_precision": geo_prec, **counts,
        "admin1": admin1.astype(str), "place_id": place_id, "dataset": df["dataset"] if "dataset" in df.columns else constant_text("", df),
        "coord_source": coord_source,
    }
    acc = pd.DataFrame({c: columns[c] for c in SCHEMA}, copy=False)
    if not good.all():
        acc = acc[good]
    acc = acc.reset_index(drop=True)
    points = side.points() if side is not None else None
    if points is not None:  # the same shapely.points(lon, lat) as points_from_xy, made beforehand
        geometry = GeometryArray(points if good.all() else points[good.to_numpy()])
    else:
        geometry = gpd.points_from_xy(acc.longitude, acc.latitude)
    # copy=False: geopandas copies a plain DataFrame by default, and acc is ours alone
    accepted = gpd.GeoDataFrame(acc, geometry=geometry, crs=CRS, copy=False)
    # the accepted rows are a subset of rows whose ids were all found distinct just above
    ACCEPTED_SCHEMA.validate(acc, distinct=("event_id_cnty",) if distinct else ())
    return accepted, rejected


def _in_bbox(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """:func:`in_iraq_bbox` on NumPy arrays (inclusive bounds, NaN outside)."""
    x0, y0, x1, y1 = IRAQ_BBOX
    y, x = lat.to_numpy(dtype=float), lon.to_numpy(dtype=float)
    return pd.Series((y >= y0) & (y <= y1) & (x >= x0) & (x <= x1), index=lat.index)


def _has_na(s: pd.Series) -> bool:
    """``s.isna().any()``, read off Arrow's null count for Arrow-backed text."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa

        return pa.array(s.array).null_count > 0
    return bool(s.isna().any())


class _SideWork:
    """Work for a second thread during :func:`validate`, on copies of its inputs.

    First the ids' uniqueness (one Arrow hash pass, which releases the GIL), then, when
    asked, ``shapely.points(lon, lat)`` for every row in slices, so the main thread's
    checks run in between. Any failure leaves the answers empty and the caller computes
    them itself, the ordinary way.
    """

    MIN_ROWS = 50_000
    SLICE = 20_000

    def __init__(self, ids, lon, lat):
        import threading

        self._ids, self._lon, self._lat = ids, lon, lat
        self._unique: bool | None = None
        self._points = None
        self._unique_done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iraq-atlas-validate", daemon=True)

    @classmethod
    def start(cls, ids: pd.Series, lon: pd.Series, lat: pd.Series, with_points: bool) -> "_SideWork | None":
        try:
            import pyarrow as pa

            arr = pa.array(ids.array) if isinstance(ids.dtype, pd.StringDtype) else None
            if arr is not None and arr.null_count:
                arr = None
            xy = (lon.to_numpy(dtype=float, copy=True), lat.to_numpy(dtype=float, copy=True)) if with_points \
                else (None, None)
            work = cls(arr, *xy)
            work._thread.start()
            return work
        except Exception:
            return None

    def _run(self) -> None:
        try:
            if self._ids is not None:
                import pyarrow.compute as pc

                self._unique = len(pc.unique(self._ids)) == len(self._ids)
        except Exception:
            self._unique = None
        finally:
            self._unique_done.set()
        try:
            if self._lon is not None:
                import shapely

                n = len(self._lon)
                parts = [shapely.points(self._lon[i:i + self.SLICE], self._lat[i:i + self.SLICE])
                         for i in range(0, n, self.SLICE)]
                self._points = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        except Exception:
            self._points = None

    def ids_unique(self) -> bool | None:
        self._unique_done.wait()
        return self._unique

    def points(self):
        self._thread.join()
        return self._points


def _known_pairs(etype: pd.Series, sub: pd.Series) -> pd.Series:
    """True where (event_type, sub_event_type) is an ACLED pair; decided once per distinct pair."""
    pairs = {f"{t}|{s}" for t, subs in VOCABULARY.items() for s in subs}
    t_codes, t_uniq = pd.factorize(etype, use_na_sentinel=False)
    s_codes, s_uniq = pd.factorize(sub, use_na_sentinel=False)
    if len(t_uniq) * len(s_uniq) > 100_000:  # free text in the type columns: the plain way
        return (etype + "|" + sub).isin(pairs)
    table = np.array([[isinstance(t, str) and isinstance(s, str) and f"{t}|{s}" in pairs for s in s_uniq]
                      for t in t_uniq], dtype=bool).reshape(len(t_uniq), len(s_uniq))
    return pd.Series(table[t_codes, s_codes], index=etype.index)


def _rejected_table(problems: pd.DataFrame, df: pd.DataFrame, file: str) -> pd.DataFrame:
    """One row per rejected input row, its problems joined in check order."""
    if problems.empty:
        return pd.DataFrame(columns=REJECTED_COLUMNS)
    # Joined without a Python-level function per group: sort stably by row, prefix every
    # problem after a row's first with "; ", then concatenate runs with np.add.reduceat.
    problems = problems.sort_values("_row", kind="stable").reset_index(drop=True)
    rows = problems["_row"].to_numpy()
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    first = np.zeros(len(rows), bool)
    first[starts] = True
    col_once = ~problems.duplicated(["_row", "column"]).to_numpy()
    cols = np.where(col_once, np.where(first, "", "; ") + problems["column"].to_numpy(dtype=object), "")
    why = np.where(first, "", "; ") + problems["reason"].to_numpy(dtype=object)
    table = pd.DataFrame({"_row": rows[starts],
                          "column": np.add.reduceat(cols.astype(object), starts),
                          "reason": np.add.reduceat(why.astype(object), starts)})
    table["column"] = table["column"].str.removeprefix("; ")
    ids = df.set_index("_row")["event_id_cnty"]
    table["event_id_cnty"] = table["_row"].map(ids)
    table["file"] = file
    return table.rename(columns={"_row": "row"})[REJECTED_COLUMNS]

