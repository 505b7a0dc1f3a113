"""Loading incidents: the curated set or a user's file, picked by format, for Iraq and a date window.

The readers, one per format, live in :mod:`iraq_atlas.incidents.sources`;
:func:`load_incidents` picks one by name (or by the file's columns), sets aside
rows of another country or outside the dates (``excluded``) and validates the
rest (:func:`iraq_atlas.incidents.validation.validate`). The rows add up:
``len(accepted) + len(rejected) + len(excluded)`` is the number of data rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from iraq_atlas.errors import DataError, ParameterError, Problem
from iraq_atlas.files import check_csv_file, data_path, gc_paused
from iraq_atlas.incidents.schema import EXCLUDED_COLUMNS
from iraq_atlas.incidents.sources import detect_format, get_source
from iraq_atlas.incidents.sources._common import file_kind
from iraq_atlas.incidents.validation import IncidentSet, parse_dates, validate


def _as_date(value, name: str) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{name}: not a date {value!r} (use YYYY-MM-DD)") from exc


def load_incidents(source: str | os.PathLike | None = None, format: str = "auto", start=None, end=None, *,
                   geocoder=None, boundaries=None, **options) -> IncidentSet:
    """Load the curated set (default) or a user's file, for Iraq and a date window.

    ``format`` is a registered source (:data:`FORMATS`: curated, acled, ucdp,
    generic, geojson) or ``auto`` (guessed from the columns). ``options`` go to
    the source's reader: ``columns``, ``event_types``, ``dayfirst``,
    ``id_prefix``, ``country`` for generic tables and GeoJSON (with ``columns``,
    ``auto`` means generic, or geojson for a GeoJSON file). Rows of another
    country, and rows whose valid date lies outside [start, end], go to
    ``excluded``; everything else is validated.

    Parameters
    ----------
    source : path-like, optional
        The file; the curated set when omitted.
    format : str, default "auto"
        A registered format name, or ``auto``.
    start, end : date-like, optional
        First and last day kept (inclusive).
    geocoder : Geocoder, optional
        Places rows without coordinates (default: the offline gazetteer).
    boundaries : Boundaries, optional
        Governorate polygons for rows with a point and no admin1.
    **options
        The source's reader options (see above).

    Returns
    -------
    IncidentSet
        ``accepted``, ``rejected`` and ``excluded`` rows, adding up to the file's rows.

    Examples
    --------
    >>> s = load_incidents(None, "curated", "2021-11-07", "2021-11-07")
    >>> len(s.accepted) + len(s.rejected) + len(s.excluded) == load_incidents(None, "curated").input_rows
    True
    """
    path = Path(source) if source else data_path("incidents", "incidents.csv")
    if not path.exists():
        raise DataError([Problem(str(path), None, None, "file not found")])
    if file_kind(path) == "csv":
        check_csv_file(path)  # empty, Excel, not UTF-8: one clear DataError before any reader
    if format in ("auto", "", None) and options.get("columns") is not None:
        fmt = "geojson" if file_kind(path) == "geojson" else "generic"  # a mapping means the user's own table
    else:
        fmt = detect_format(path) if format in ("auto", "", None) else format
    reader = get_source(fmt)
    start_d, end_d = _as_date(start, "start"), _as_date(end, "end")
    if start_d is not None and end_d is not None and start_d > end_d:
        raise ParameterError(f"start {start_d.date()} is after end {end_d.date()}")
    with gc_paused():  # a million points and text cells: see gc_paused
        got = reader.read(path, **options)
        raw, pre = got[0], got[1]
        streamed = got[2] if len(got) > 2 else None  # other countries' rows, dropped while reading
        notes = list(raw.attrs.get("notes", []))
        dates = parse_dates(raw["event_date"])
        other = raw["_country"] != "Iraq"
        outside = pd.Series(False, index=raw.index)
        if start_d is not None:
            outside |= dates < start_d
        if end_d is not None:
            outside |= dates > end_d
        outside &= ~other
        if len(pre):  # a row the reader found broken (e.g. cut short) is rejected, never excluded:
            flawed = raw["_row"].isin(pre["_row"])  # its country or date may be the missing part
            other, outside = other & ~flawed, outside & ~flawed
        drop = other | outside
        # reasons are written for the excluded rows only (formatting a million dates costs seconds)
        reason = np.where(other[drop], "country is " + raw.loc[drop, "_country"].map(repr) + ", not Iraq",
                          "date " + dates[drop].dt.strftime("%Y-%m-%d").fillna("") + " is outside "
                          + (str(start_d.date()) if start_d is not None else "…") + " – "
                          + (str(end_d.date()) if end_d is not None else "…"))
        excluded = pd.DataFrame({"file": path.name, "row": raw.loc[drop, "_row"],
                                 "event_id_cnty": raw.loc[drop, "event_id_cnty"],
                                 "reason": pd.Series(reason, index=raw.index[drop], dtype=object)})[EXCLUDED_COLUMNS]
        if streamed is not None and len(streamed):
            early = pd.DataFrame({"file": path.name, "row": streamed["_row"].to_numpy(),
                                  "event_id_cnty": streamed["event_id_cnty"].reset_index(drop=True),
                                  "reason": streamed["reason"].reset_index(drop=True)})
            excluded = pd.concat([excluded.astype({"row": "int64"}), early], ignore_index=True) \
                if len(excluded) else early
            excluded = excluded.sort_values("row", kind="stable")
        if drop.any():
            keep, dates = raw[~drop], dates[~drop]
            pre = pre[pre["_row"].isin(keep["_row"])]
        else:  # nothing left out: no copy of a million-row text table
            keep = raw
        accepted, rejected = validate(keep, path.name, geocoder=geocoder, boundaries=boundaries,
                                      require_source_url=bool(getattr(reader, "require_source_url", False)),
                                      extra_problems=pre, dates=dates)
    return IncidentSet(accepted, rejected, excluded.reset_index(drop=True), path.name, fmt, notes)


def read_acled(path: str | os.PathLike, start=None, end=None, **kwargs) -> IncidentSet:
    """A user's ACLED CSV export, filtered to Iraq and [start, end], in the project schema.

    Parameters
    ----------
    path : path-like
        The export (any region).
    start, end : date-like, optional
        First and last day kept.
    **kwargs
        Passed to :func:`load_incidents` (``geocoder``, ``boundaries``).

    Returns
    -------
    IncidentSet
        The Iraq rows in the window, validated; other countries' rows in ``excluded``.

    Examples
    --------
    A two-row export, one event in Iraq and one in Syria:

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "acled.csv").write_text(
    ...     "event_id_cnty,event_date,event_type,sub_event_type,country,iso,admin1,location,"
    ...     "latitude,longitude,fatalities\\n"
    ...     "IRQ1,2021-03-07,Protests,Peaceful protest,Iraq,368,Baghdad,Baghdad,33.3152,44.3661,0\\n"
    ...     "SYR1,2021-03-07,Protests,Peaceful protest,Syria,760,Damascus,Damascus,33.5138,36.2765,0\\n")
    >>> s = read_acled(d / "acled.csv", "2021-01-01", "2021-12-31")
    >>> s.summary()
    'accepted 1, rejected 0 (and 1 outside the selection: other country or dates)'
    >>> s.accepted["admin1"].tolist(), s.excluded["reason"].tolist()
    (['IQ-BG'], ["country is 'Syria', not Iraq"])
    """
    return load_incidents(path, "acled", start, end, **kwargs)


def read_ucdp(path: str | os.PathLike, start=None, end=None, **kwargs) -> IncidentSet:
    """A UCDP GED CSV export, filtered to Iraq and [start, end], mapped onto the project schema.

    Parameters
    ----------
    path : path-like
        The GED or GED Candidate CSV.
    start, end : date-like, optional
        First and last day kept.
    **kwargs
        Passed to :func:`load_incidents`.

    Returns
    -------
    IncidentSet
        The Iraq rows in the window in the project schema (ids ``UCDP-<id>``).

    Examples
    --------
    A one-row GED export (a state-based event placed exactly, dated to the day):

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ged.csv").write_text(
    ...     "id,type_of_violence,side_a,side_b,where_prec,where_description,adm_1,latitude,longitude,"
    ...     "country,date_prec,date_start,best,low,high\\n"
    ...     "244657,1,Government of Iraq,IS,1,Mosul town,Nineveh province,36.335,43.119,"
    ...     "Iraq,1,2017-06-01,5,4,7\\n")
    >>> row = read_ucdp(d / "ged.csv").accepted.iloc[0]
    >>> row["event_id_cnty"], row["event_type"], row["admin1"], int(row["fatalities"])
    ('UCDP-244657', 'Battles', 'IQ-NI', 5)
    """
    return load_incidents(path, "ucdp", start, end, **kwargs)


def load_curated(start=None, end=None) -> IncidentSet:
    """The project's curated incidents (geodata/incidents/incidents.csv).

    Parameters
    ----------
    start, end : date-like, optional
        First and last day kept.

    Returns
    -------
    IncidentSet
        The curated rows in the window (all of them accepted).

    Examples
    --------
    >>> load_curated().rejected.empty
    True
    """
    return load_incidents(None, "curated", start, end)
