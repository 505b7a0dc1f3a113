"""Incidents: the curated event table, ACLED and UCDP GED imports, one validated schema.

Every source ends up in the project schema (:data:`SCHEMA`), which uses
ACLED's column names wherever a column means the same thing, and every input
row ends up in exactly one of three tables of an :class:`IncidentSet`:

* ``accepted`` – valid rows, a GeoDataFrame (EPSG:4326) with ``admin1`` as an
  ISO 3166-2:IQ code;
* ``rejected`` – one row per bad input row: file, row (1-based data row, line 2
  of the file is row 1), column(s) and reason(s);
* ``excluded`` – rows outside the selection (another country, or a valid date
  outside the requested window), with the reason.

``len(accepted) + len(rejected) + len(excluded)`` equals the number of data
rows in the file; :func:`validate` alone keeps ``accepted + rejected == input``.

Locations. A row with coordinates keeps them (they must lie inside Iraq; a
pair that fits Iraq only when swapped is reported as swapped). A row without
coordinates is placed through the gazetteer: by its ``place_id`` when it has
one (falling back to the place's parent, then its governorate's point, when
the place itself has no sourced coordinates), otherwise by geocoding its
``location`` name. ``geo_precision`` becomes the coarser of the row's own value
and the precision of the point used; ``coord_source`` says where the point
came from. A location that cannot be resolved is rejected, never guessed.

UCDP GED → ACLED mapping (written down because the scales differ):

===================  ==========================================  ==============
UCDP ``where_prec``  meaning in UCDP                             geo_precision
===================  ==========================================  ==============
1                    exact location                              1
2                    within about 25 km of a known point         2
3                    only the district (2nd-order admin unit)    2
4                    only the governorate (1st-order unit)       3
5                    a linear feature or a region (border, road) 3
6                    only the country                            rejected
7                    international waters or airspace            rejected
===================  ==========================================  ==============

===================  ==========================================  ==============
UCDP ``date_prec``   meaning in UCDP                             time_precision
===================  ==========================================  ==============
1                    exact day                                   1 (day)
2                    within 2–6 days                             2 (week)
3                    within a week                               2 (week)
4                    within a month                              3 (month)
5                    more than a month                           3 (month, the coarsest ACLED has)
===================  ==========================================  ==============

``event_date`` is UCDP's ``date_start``. ``type_of_violence`` 1 (state-based)
and 2 (non-state) become Battles / Armed clash, 3 (one-sided) becomes Violence
against civilians / Attack: UCDP does not say whether violence was remote, so
this is the closest ACLED pair, not an equivalent. ``best``/``low``/``high``
become ``fatalities``/``fatalities_low``/``fatalities_high``; ``side_a`` and
``side_b`` the actors; ``where_description`` the location; ``adm_1``/``adm_2``
admin1/admin2; ``source_office`` the source and ``source_headline`` the notes.
Ids become ``UCDP-<id>``. Rows whose ``country`` is not Iraq are excluded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .datasets import DataError, Problem, data_path, read_csv, record_read
from .gazetteer import CRS, IRAQ_BBOX, gazetteer, governorate_place_id, in_iraq_bbox
from .governorates import iso_codes, to_iso

# ACLED's event types and the sub-event types allowed under each.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Air/drone strike", "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Suicide bomb", "Grenade"),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": ("Arrests", "Agreement", "Change to group/activity", "Disrupted weapons use",
                               "Headquarters or base established", "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}
EVENT_TYPES = tuple(VOCABULARY)

TEXT_COLUMNS = ["event_id_cnty", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
                "admin1", "admin2", "location", "source", "notes", "target", "place_id", "time_local",
                "source_url"]
COUNT_COLUMNS = ["fatalities", "fatalities_low", "fatalities_high", "injuries", "injuries_low", "injuries_high"]
# The project schema, in output order (geometry is added to the accepted GeoDataFrame).
SCHEMA = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
          "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude", "longitude",
          "geo_precision", "source", "notes", *COUNT_COLUMNS, "target", "place_id", "time_local",
          "source_url", "dataset", "coord_source"]

CURATED_COLUMNS = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
                   "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude", "longitude",
                   "geo_precision", "source", "notes", *COUNT_COLUMNS, "target", "place_id", "time_local",
                   "source_url"]
ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                 "fatalities", "tags", "timestamp"]
# The UCDP GED columns the importer reads (an export has more; they are ignored).
UCDP_COLUMNS = ["id", "year", "type_of_violence", "side_a", "side_b", "where_prec", "where_description",
                "adm_1", "adm_2", "latitude", "longitude", "country", "date_prec", "date_start", "date_end",
                "best", "high", "low"]
FORMATS = ("curated", "acled", "ucdp")

UCDP_WHERE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
UCDP_DATE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
UCDP_VIOLENCE = {"1": ("Battles", "Armed clash"), "2": ("Battles", "Armed clash"),
                 "3": ("Violence against civilians", "Attack")}
IRAQ_NAMES = {"iraq"}
IRAQ_ACLED_ISO = "368"     # ISO 3166-1 numeric, ACLED's `iso`
IRAQ_GW_CODE = "645"       # Gleditsch-Ward code, UCDP's `country_id`
REJECTED_COLUMNS = ["file", "row", "event_id_cnty", "column", "reason"]
EXCLUDED_COLUMNS = ["file", "row", "event_id_cnty", "reason"]


@dataclass
class IncidentSet:
    """The outcome of loading one file: accepted, rejected and excluded rows (they add up to the input)."""

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    file: str = ""
    format: str = ""

    @property
    def input_rows(self) -> int:
        return len(self.accepted) + len(self.rejected) + len(self.excluded)

    def summary(self) -> str:
        """One line for logs: ``accepted N, rejected M`` plus what was outside the selection."""
        text = f"accepted {len(self.accepted)}, rejected {len(self.rejected)}"
        if len(self.excluded):
            text += f" (and {len(self.excluded)} outside the selection: other country or dates)"
        return text


# -- reading the three formats ---------------------------------------------------
def _read_curated(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = read_csv(path, required=CURATED_COLUMNS)
    df["dataset"] = "curated"
    df["_country"] = "Iraq"
    return df, _no_problems()


def _read_export(path: Path, required: list[str], used: list[str] | None = None) -> pd.DataFrame:
    """:func:`read_csv` for large exports: Arrow's multi-threaded parser first (~10× faster).

    Anything Arrow will not parse as is (a quoted line break, a short row, bad UTF-8)
    goes through :func:`read_csv`, whose errors name the file and row. The result is
    the same: text columns, stripped, with ``_row``. With ``used``, only those
    columns are read (an export's other columns never reach the schema anyway).
    """
    try:
        header = list(pd.read_csv(path, nrows=0, dtype=str).columns)
        cols = header if used is None else [c for c in header if c in set(used) | set(required)]
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8", engine="pyarrow",
                         usecols=cols)
    except Exception:  # pyarrow.ArrowInvalid and friends: let the careful reader report it
        return read_csv(path, required=required)
    record_read(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError([Problem(path.name, None, c, "required column is missing") for c in missing])
    for c in df.columns:  # one column at a time: never two copies of the table in memory
        df[c] = df[c].str.strip()
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def _read_acled(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    required = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "admin1",
                "location", "latitude", "longitude", "fatalities"]
    df = _read_export(path, required, used=CURATED_COLUMNS + ["country", "iso"])
    for col in CURATED_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df["dataset"] = "acled"
    country = df["country"].str.lower()
    iso_ok = df["iso"] == IRAQ_ACLED_ISO if "iso" in df.columns else False
    df["_country"] = np.where(country.isin(IRAQ_NAMES) | iso_ok, "Iraq", df["country"])
    return df, _no_problems()


def _read_ucdp(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    required = ["id", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude",
                "date_prec", "date_start", "best", "low", "high"]
    raw = _read_export(path, required)
    if "country" not in raw.columns and "country_id" not in raw.columns:
        raise DataError([Problem(path.name, None, "country", "required column is missing (or country_id)")])
    get = lambda c: raw[c] if c in raw.columns else pd.Series("", index=raw.index)  # noqa: E731
    violence = raw["type_of_violence"].map(UCDP_VIOLENCE)
    df = pd.DataFrame({
        "_row": raw["_row"],
        "event_id_cnty": np.where(raw["id"] != "", "UCDP-" + raw["id"], ""),
        "event_date": raw["date_start"].str.slice(0, 10),
        "time_precision": raw["date_prec"].map(UCDP_DATE_PREC).astype("object").where(
            raw["date_prec"].isin(UCDP_DATE_PREC.keys()), raw["date_prec"]),
        "event_type": violence.map(lambda v: v[0] if isinstance(v, tuple) else ""),
        "sub_event_type": violence.map(lambda v: v[1] if isinstance(v, tuple) else ""),
        "actor1": raw["side_a"], "assoc_actor_1": "", "actor2": raw["side_b"],
        "admin1": get("adm_1"), "admin2": get("adm_2"), "location": get("where_description"),
        "latitude": raw["latitude"], "longitude": raw["longitude"],
        "geo_precision": raw["where_prec"].map(UCDP_WHERE_PREC).astype("object").where(
            raw["where_prec"].isin(UCDP_WHERE_PREC.keys()), ""),
        "source": get("source_office"), "notes": get("source_headline"),
        "fatalities": raw["best"], "fatalities_low": raw["low"], "fatalities_high": raw["high"],
        "injuries": "", "injuries_low": "", "injuries_high": "", "target": "", "place_id": "",
        "time_local": "", "source_url": "", "dataset": "ucdp",
    })
    df = df.astype({"time_precision": str, "geo_precision": str})
    country = get("country").str.lower()
    df["_country"] = np.where(country.isin(IRAQ_NAMES) | (get("country_id") == IRAQ_GW_CODE), "Iraq",
                              get("country").where(get("country") != "", "country_id " + get("country_id")))
    problems = [
        _flag(raw, ~raw["type_of_violence"].isin(UCDP_VIOLENCE.keys()), "type_of_violence",
              "type_of_violence " + raw["type_of_violence"].map(repr) + " is not 1, 2 or 3"),
        _flag(raw, raw["where_prec"].isin(["6", "7"]), "where_prec",
              "where_prec " + raw["where_prec"] + ": only the country (6) or international waters/airspace "
              "(7) is known, too coarse to place on a map"),
        _flag(raw, ~raw["where_prec"].isin(list(UCDP_WHERE_PREC) + ["6", "7"]), "where_prec",
              "where_prec " + raw["where_prec"].map(repr) + " is not a UCDP precision code 1–7"),
        _flag(raw, ~raw["date_prec"].isin(UCDP_DATE_PREC.keys()), "date_prec",
              "date_prec " + raw["date_prec"].map(repr) + " is not a UCDP precision code 1–5"),
    ]
    return df, pd.concat(problems, ignore_index=True)


_READERS = {"curated": _read_curated, "acled": _read_acled, "ucdp": _read_ucdp}


def detect_format(path: str | os.PathLike) -> str:
    """Guess curated / acled / ucdp from a CSV header; ValueError naming the file when none fits."""
    header = set(pd.read_csv(path, nrows=0, dtype=str).columns)
    if {"place_id", "source_url", "event_id_cnty"} <= header:
        return "curated"
    if {"type_of_violence", "where_prec", "best"} <= header:
        return "ucdp"
    if {"event_id_cnty", "event_type", "country"} <= header:
        return "acled"
    raise ValueError(f"{path}: cannot tell the format from its columns; pass format 'curated', 'acled' or 'ucdp'")


# -- validation ---------------------------------------------------------------------
def _no_problems() -> pd.DataFrame:
    return pd.DataFrame({"_row": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                         "reason": pd.Series(dtype=str)})


def _flag(df: pd.DataFrame, mask, column: str, reason) -> pd.DataFrame:
    """Problems for the rows where ``mask`` holds.

    ``reason`` is a string, a per-row Series, or a function of the mask returning the
    flagged rows' texts: with a function, nothing is formatted for rows that pass
    (at a million rows, formatting every row's message cost more than the checks).
    """
    mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
    if not mask.any():
        return _no_problems()
    if callable(reason):
        reason = reason(mask)
    why = reason[mask] if isinstance(reason, pd.Series) else reason
    return pd.DataFrame({"_row": df.loc[mask, "_row"].astype("int64"), "column": column, "reason": why})


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates written YYYY-MM-DD (ACLED API, UCDP, curated) or '07 November 2021' (ACLED exports)."""
    iso = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}"), None), format="%Y-%m-%d",
                         errors="coerce")
    long = pd.to_datetime(text.where(iso.isna(), None), format="%d %B %Y", errors="coerce")
    return iso.fillna(long)


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
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        num = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(num, index=raw.index)
    except Exception:  # ArrowInvalid: some cell is not a number
        return pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(float)


def _counts(df: pd.DataFrame, column: str, low: int | None, high: int | None) -> tuple[pd.Series, list]:
    """Whole numbers in [low, high]; empty stays <NA>; every other value is a problem."""
    raw = df[column]
    num = _numbers(raw)
    probs = [_flag(df, (raw != "") & num.isna(), column, lambda m: "not a number: " + raw[m].map(repr)),
             _flag(df, num.notna() & (num != num.round()), column, lambda m: "not a whole number: " + raw[m])]
    if low is not None:
        probs.append(_flag(df, num < low, column, lambda m: f"must be {low} or more, not " + raw[m]))
    if high is not None:
        probs.append(_flag(df, num > high, column, lambda m: f"must be {high} or less, not " + raw[m]))
    ok = num.where(num.notna() & (num == num.round()))
    return ok.astype("Float64").round().astype("Int64"), probs


def _governorate_codes(admin1: pd.Series) -> pd.Series:
    """ISO 3166-2:IQ code for each admin1 text (names, variants, codes; 'X province' too); None if unknown."""
    uniq = pd.Series(admin1.unique())
    stripped = uniq.str.replace(r"\s+(province|governorate|muhafazat)$", "", case=False, regex=True)
    exact = iso_codes()
    # An exact ISO code is taken as is: to_iso("IQ-AN") currently answers IQ-AR, because name
    # normalisation drops "an"/"ar" as Arabic articles (reported to the lead).
    codes = {u: (u.upper() if u.upper() in exact else (to_iso(u) or to_iso(s)))
             for u, s in zip(uniq, stripped)}
    return admin1.map(codes)


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
            from .geocoding import Geocoder
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
        status = hit["status"].reindex(df.index)
        cands = hit["candidates"].reindex(df.index).fillna("")
        reason = np.where(status == "ambiguous",
                          "no coordinates, and location " + df["location"].map(repr) + " is ambiguous ("
                          + cands.str.replace("|", ", ", regex=False) + ")",
                          np.where(df["location"] == "", "no coordinates and no location name",
                                   "no coordinates, and location " + df["location"].map(repr)
                                   + " is not in the gazetteer"))
        probs.append(_flag(df, miss, "location", pd.Series(reason, index=df.index)))
    return out, probs


def validate(df: pd.DataFrame, file: str, *, geocoder=None, boundaries=None,
             require_source_url: bool = False,
             extra_problems: pd.DataFrame | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Check schema-shaped text rows; return (accepted GeoDataFrame, rejected rows with reasons).

    ``df`` holds the schema's columns as text plus ``_row``. Checks are
    vectorised column operations (geocoding runs once per distinct name).
    """
    df = df.reset_index(drop=True)
    for col in CURATED_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    probs: list[pd.DataFrame] = [] if extra_problems is None else [extra_problems]

    ids = df["event_id_cnty"]
    first_row = df.groupby("event_id_cnty")["_row"].transform("min")
    probs.append(_flag(df, ids == "", "event_id_cnty", "id is missing"))
    probs.append(_flag(df, (ids != "") & ids.duplicated(keep="first"), "event_id_cnty",
                       lambda m: "duplicate id " + ids[m].map(repr) + " (first on row "
                       + first_row[m].astype(str) + ")"))

    dates = parse_dates(df["event_date"])
    probs.append(_flag(df, df["event_date"] == "", "event_date", "date is missing"))
    probs.append(_flag(df, (df["event_date"] != "") & dates.isna(), "event_date",
                       lambda m: "not a date: " + df["event_date"][m].map(repr) + " (use YYYY-MM-DD)"))

    etype, sub = df["event_type"], df["sub_event_type"]
    known_type = etype.isin(VOCABULARY.keys())
    probs.append(_flag(df, ~known_type, "event_type",
                       lambda m: "unknown event type " + etype[m].map(repr) + " (ACLED types: "
                       + ", ".join(EVENT_TYPES) + ")"))
    pairs = {f"{t}|{s}" for t, subs in VOCABULARY.items() for s in subs}
    probs.append(_flag(df, known_type & ~(etype + "|" + sub).isin(pairs), "sub_event_type",
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
        probs.append(_flag(df, (lo > hi).fillna(False), f"{kind}_low",
                           f"{kind}_low is above {kind}_high"))
        probs.append(_flag(df, ((used < lo) | (used > hi)).fillna(False), kind,
                           f"{kind} (the figure used) lies outside {kind}_low–{kind}_high"))

    lat_raw, lon_raw = df["latitude"], df["longitude"]
    lat, lon = _numbers(lat_raw), _numbers(lon_raw)
    probs.append(_flag(df, (lat_raw != "") & lat.isna(), "latitude", lambda m: "not a number: " + lat_raw[m].map(repr)))
    probs.append(_flag(df, (lon_raw != "") & lon.isna(), "longitude",
                       lambda m: "not a number: " + lon_raw[m].map(repr)))
    one_only = (lat_raw == "") != (lon_raw == "")
    probs.append(_flag(df, one_only, "latitude", "give both latitude and longitude, or neither"))
    both = lat.notna() & lon.notna()
    inside = in_iraq_bbox(lat, lon)
    swapped = in_iraq_bbox(lon, lat)
    where = lambda m: "(" + lat_raw[m] + ", " + lon_raw[m] + ")"  # noqa: E731
    probs.append(_flag(df, both & ~inside & swapped, "latitude",
                       lambda m: "point " + where(m) + " is outside Iraq: latitude and longitude look swapped"))
    probs.append(_flag(df, both & ~inside & ~swapped, "latitude",
                       lambda m: "point " + where(m) + f" is outside Iraq (lat {IRAQ_BBOX[1]}–{IRAQ_BBOX[3]}, "
                       f"lon {IRAQ_BBOX[0]}–{IRAQ_BBOX[2]})"))

    need = (lat_raw == "") & (lon_raw == "")
    located, p = _locate(df, need, geocoder)
    probs += p
    lat = lat.where(~need, located["lat"])
    lon = lon.where(~need, located["lon"])
    point_prec = located["prec"].where(need)
    geo_prec = pd.concat([geo_prec, point_prec], axis=1).max(axis=1, skipna=True).astype("Int64")
    coord_source = pd.Series(np.where(need, located["src"], "data"), index=df.index)
    place_id = df["place_id"].where(~need | (df["place_id"] != ""), located["pid"])

    admin1 = _governorate_codes(df["admin1"])
    probs.append(_flag(df, (df["admin1"] != "") & admin1.isna(), "admin1",
                       lambda m: "unknown governorate " + df["admin1"][m].map(repr)))
    admin1 = admin1.where(df["admin1"] != "", located["iso"])

    if require_source_url:
        probs.append(_flag(df, ~df["source_url"].str.match(r"https?://"), "source_url",
                           "every curated row needs a source URL (http or https)"))

    problems = pd.concat([p for p in probs if len(p)], ignore_index=True) if any(len(p) for p in probs) \
        else _no_problems()
    bad_rows = set(problems["_row"])
    bad = df["_row"].isin(bad_rows)
    rejected = _rejected_table(problems, df, file)

    good = ~bad
    # Rows with no admin1 and no gazetteer governorate: derive it from the point.
    gap = good & admin1.isna()
    if gap.any():
        from .spatial import assign_governorate
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon[gap], lat[gap]), crs=CRS, index=df.index[gap])
        admin1.loc[gap] = assign_governorate(pts, boundaries)["governorate_iso"]
    acc = pd.DataFrame({
        **{c: df[c] for c in TEXT_COLUMNS},
        "event_date": dates, "time_precision": time_prec, "latitude": lat.astype(float),
        "longitude": lon.astype(float), "geo_precision": geo_prec, **counts,
        "admin1": admin1.astype(str), "place_id": place_id, "dataset": df.get("dataset", pd.Series("", index=df.index)),
        "coord_source": coord_source,
    })[SCHEMA][good].reset_index(drop=True)
    accepted = gpd.GeoDataFrame(acc, geometry=gpd.points_from_xy(acc.longitude, acc.latitude), crs=CRS)
    ACCEPTED_SCHEMA.validate(acc)
    return accepted, rejected


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


def _schema():
    """The accepted table's contract, declared with pandera (checked on every load)."""
    import pandera.pandas as pa

    count = pa.Column("Int64", pa.Check.ge(0), nullable=True)
    return pa.DataFrameSchema({
        "event_id_cnty": pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "event_date": pa.Column(None, pa.Check(lambda s: s.notna())),
        "time_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]), nullable=True),
        "event_type": pa.Column(str, pa.Check.isin(EVENT_TYPES)),
        "sub_event_type": pa.Column(str),
        "admin1": pa.Column(str, pa.Check.str_matches(r"^IQ-[A-Z]{2}$")),
        "latitude": pa.Column(float, pa.Check.in_range(IRAQ_BBOX[1], IRAQ_BBOX[3])),
        "longitude": pa.Column(float, pa.Check.in_range(IRAQ_BBOX[0], IRAQ_BBOX[2])),
        "geo_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]), nullable=True),
        **{c: count for c in COUNT_COLUMNS},
    }, strict=False)


class _LazySchema:
    _schema = None

    def validate(self, df: pd.DataFrame) -> pd.DataFrame:
        if self._schema is None:
            self._schema = _schema()
        return self._schema.validate(df, lazy=True)


ACCEPTED_SCHEMA = _LazySchema()


# -- selection and loading -------------------------------------------------------------
def _as_date(value, name: str) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: not a date {value!r} (use YYYY-MM-DD)") from exc


def load_incidents(source: str | os.PathLike | None = None, format: str = "auto", start=None, end=None, *,
                   geocoder=None, boundaries=None) -> IncidentSet:
    """Load the curated set (default) or a user's ACLED / UCDP GED CSV, for Iraq and a date window.

    Rows of another country, and rows whose valid date lies outside
    [start, end], go to ``excluded``; everything else is validated.
    """
    path = Path(source) if source else data_path("incidents", "incidents.csv")
    if not path.exists():
        raise DataError([Problem(str(path), None, None, "file not found")])
    fmt = detect_format(path) if format in ("auto", "", None) else format
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {('auto',) + FORMATS}, not {format!r}")
    start_d, end_d = _as_date(start, "start"), _as_date(end, "end")
    if start_d is not None and end_d is not None and start_d > end_d:
        raise ValueError(f"start {start_d.date()} is after end {end_d.date()}")
    raw, pre = _READERS[fmt](path)
    dates = parse_dates(raw["event_date"])
    other = raw["_country"] != "Iraq"
    outside = pd.Series(False, index=raw.index)
    if start_d is not None:
        outside |= dates < start_d
    if end_d is not None:
        outside |= dates > end_d
    outside &= ~other
    drop = other | outside
    # reasons are written for the excluded rows only (formatting a million dates costs seconds)
    reason = np.where(other[drop], "country is " + raw.loc[drop, "_country"].map(repr) + ", not Iraq",
                      "date " + dates[drop].dt.strftime("%Y-%m-%d").fillna("") + " is outside "
                      + (str(start_d.date()) if start_d is not None else "…") + " – "
                      + (str(end_d.date()) if end_d is not None else "…"))
    excluded = pd.DataFrame({"file": path.name, "row": raw.loc[drop, "_row"],
                             "event_id_cnty": raw.loc[drop, "event_id_cnty"],
                             "reason": pd.Series(reason, index=raw.index[drop], dtype=object)})[EXCLUDED_COLUMNS]
    keep = raw[~drop]
    pre = pre[pre["_row"].isin(keep["_row"])]
    accepted, rejected = validate(keep, path.name, geocoder=geocoder, boundaries=boundaries,
                                  require_source_url=(fmt == "curated"), extra_problems=pre)
    return IncidentSet(accepted, rejected, excluded.reset_index(drop=True), path.name, fmt)


def read_acled(path: str | os.PathLike, start=None, end=None, **kwargs) -> IncidentSet:
    """A user's ACLED CSV export, filtered to Iraq and [start, end], in the project schema."""
    return load_incidents(path, "acled", start, end, **kwargs)


def read_ucdp(path: str | os.PathLike, start=None, end=None, **kwargs) -> IncidentSet:
    """A UCDP GED CSV export, filtered to Iraq and [start, end], mapped onto the project schema."""
    return load_incidents(path, "ucdp", start, end, **kwargs)


def load_curated(start=None, end=None) -> IncidentSet:
    """The project's curated incidents (geodata/incidents/incidents.csv)."""
    return load_incidents(None, "curated", start, end)


# -- working with accepted incidents --------------------------------------------------
def select(incidents: pd.DataFrame, event_types: list[str] | None = None,
           governorates: list[str] | None = None) -> pd.DataFrame:
    """Rows of the given ACLED event types and governorates (names or ISO codes); empty list = all.

    Unknown values raise ValueError naming the parameter, so a typo never yields an empty map.
    """
    out = incidents
    if event_types:
        unknown = [t for t in event_types if t not in VOCABULARY]
        if unknown:
            raise ValueError(f"event_types: unknown {unknown}; use any of {list(EVENT_TYPES)}")
        out = out[out["event_type"].isin(event_types)]
    if governorates:
        codes = dict(zip(governorates, _governorate_codes(pd.Series(governorates, dtype=str))))
        unknown = [g for g, c in codes.items() if c is None]
        if unknown:
            raise ValueError(f"governorates: unknown governorate(s) {unknown}")
        out = out[out["admin1"].isin(set(codes.values()))]
    return out


def as_table(incidents: pd.DataFrame) -> pd.DataFrame:
    """The schema columns as a plain table (dates as YYYY-MM-DD), for CSV output."""
    out = pd.DataFrame(incidents[SCHEMA]).copy()
    out["event_date"] = out["event_date"].dt.strftime("%Y-%m-%d")
    return out


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
