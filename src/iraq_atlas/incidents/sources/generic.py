"""Any event table (CSV, Parquet, Excel) whose columns are named by a mapping.

``columns`` maps schema columns onto the file's own: ``{"date": "Date",
"latitude": "Lat", "longitude": "Lon", "event_type": "Type"}``. Without a
mapping, a file column whose name (any case) is a schema column, or one of the
usual aliases (``date``, ``lat``, ``lon``, ``lng``, ``type``, ``killed``, …), is
used. ``event_types`` maps the file's own type values onto ACLED's vocabulary
(``{"Airstrike": "Explosions/Remote violence|Air/drone strike"}``). Dates are
recognised per column (ISO, day-first or month-first numeric, month names) and
what was found is reported in the notes of the result. Rows then go through the
same validation as an ACLED export.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from iraq_atlas.errors import ParameterError
from iraq_atlas.files import field_count_problems
from iraq_atlas.incidents.schema import CURATED_COLUMNS
from iraq_atlas.incidents.sources._common import IRAQ_NAMES, _read_export, file_kind, no_problems

name = "generic"
description = ("any event table (CSV, Parquet, Excel .xlsx) with a column mapping "
               "(columns=..., --columns date=Date,latitude=Lat,...)")
kinds = ("csv", "parquet", "excel")
require_source_url = False

# The names a mapping may use besides the schema's own columns.
ALIASES = {"date": "event_date", "lat": "latitude", "lon": "longitude", "lng": "longitude",
           "type": "event_type", "sub_type": "sub_event_type", "killed": "fatalities", "deaths": "fatalities",
           "injured": "injuries", "wounded": "injuries", "id": "event_id_cnty", "url": "source_url",
           "governorate": "admin1", "province": "admin1", "district": "admin2", "place": "location",
           "summary": "notes", "description": "notes"}
EXTRA_TARGETS = ("country",)  # read for the Iraq filter, not kept in the schema


def _targets() -> list[str]:

    return list(CURATED_COLUMNS) + list(EXTRA_TARGETS)


def _canonical(target: str) -> str | None:
    targets = _targets()
    if target in targets:
        return target
    low = target.strip().lower()
    if low in targets:
        return low
    return ALIASES.get(low)


def target_column(name, what: str = "columns") -> str:
    """The schema column a mapping's name stands for (the column itself, any case, or an alias).

    Parameters
    ----------
    name : str
        A name on the left of a column mapping (``date``, ``Latitude``, ``event_type``).
    what : str, default "columns"
        What the mapping is for, named in the error.

    Returns
    -------
    str
        The schema column (or ``country``).

    Raises
    ------
    ParameterError
        When the name is no schema column and no alias, listing the names allowed.

    Examples
    --------
    >>> target_column("date"), target_column("Latitude"), target_column("killed")
    ('event_date', 'latitude', 'fatalities')
    """
    canon = _canonical(str(name))
    if canon is None:
        raise ParameterError(f"{what}: unknown schema column {name!r}; use any of "
                             f"{', '.join(_targets())} (or date, lat, lon)")
    return canon


def default_mapping(header) -> dict[str, str]:
    """The mapping used when none is given: file columns named like schema columns or aliases.

    The first file column for each schema column wins.

    Parameters
    ----------
    header : iterable of str
        The file's column names, in file order.

    Returns
    -------
    dict
        Schema column → file column.

    Examples
    --------
    >>> default_mapping(["Date", "Lat", "Lon", "Type"])
    {'event_date': 'Date', 'latitude': 'Lat', 'longitude': 'Lon', 'event_type': 'Type'}
    """
    out: dict[str, str] = {}
    for col in header:
        target = _canonical(str(col))
        if target and target not in out:
            out[target] = col
    return out


def sniff(header: set[str]) -> bool:
    """True when the default mapping finds a date and a place (coordinates or a location name).

    Parameters
    ----------
    header : set of str
        The file's column names.

    Returns
    -------
    bool

    Examples
    --------
    >>> sniff({"Date", "Lat", "Lon", "Type"})
    True
    """
    m = default_mapping(sorted(header))
    return "event_date" in m and ({"latitude", "longitude"} <= set(m) or "location" in m or "place_id" in m)


def resolve_mapping(columns: dict[str, str] | None, header: list[str]) -> dict[str, str]:
    """Schema column → file column, checked: an unknown schema name or file column is a ParameterError.

    Parameters
    ----------
    columns : dict or None
        Schema column (or alias such as ``date``, ``lat``) → file column; None for
        :func:`default_mapping`.
    header : list of str
        The file's column names.

    Returns
    -------
    dict
        Schema column (canonical name) → file column.

    Examples
    --------
    >>> resolve_mapping({"date": "Date"}, ["Date", "Lat"])
    {'event_date': 'Date'}
    """
    if columns is None:
        return default_mapping(header)
    if not isinstance(columns, dict):
        raise ParameterError(f"columns: expected a mapping of schema column to file column, not {columns!r}")
    out: dict[str, str] = {}
    for target, col in columns.items():
        canon = target_column(target)
        if col not in header:
            raise ParameterError(f"columns: {target}={col!r}, but the file has no column {col!r} "
                                 f"(its columns: {', '.join(map(str, header))})")
        out[canon] = col
    return out


def parse_event_types(event_types, what: str = "event_types") -> dict[str, tuple[str, str | None]]:
    """A value mapping onto ACLED's vocabulary: raw value → (event_type, sub_event_type or None).

    Values may be ``"Type"``, ``"Type|Sub type"`` or a pair; anything outside
    :data:`iraq_atlas.vocab.VOCABULARY` is a ParameterError naming it.

    Parameters
    ----------
    event_types : dict or None
        The file's own type value → ACLED event type (and sub-type).
    what : str, default "event_types"
        What the mapping is for, named in the error.

    Returns
    -------
    dict
        Raw value → ``(event_type, sub_event_type or None)``.

    Examples
    --------
    >>> parse_event_types({"Airstrike": "Explosions/Remote violence|Air/drone strike"})
    {'Airstrike': ('Explosions/Remote violence', 'Air/drone strike')}
    """
    from iraq_atlas.vocab import VOCABULARY

    out: dict[str, tuple[str, str | None]] = {}
    for raw, value in (event_types or {}).items():
        if isinstance(value, (tuple, list)):
            etype, sub = (list(value) + [None])[:2]
        else:
            etype, _, sub = str(value).partition("|")
            sub = sub or None
        etype = etype.strip() if isinstance(etype, str) else etype
        if etype not in VOCABULARY:
            raise ParameterError(f"{what}: {raw!r} → {etype!r} is not an ACLED event type "
                                 f"({', '.join(VOCABULARY)})")
        if sub is not None and sub.strip() not in VOCABULARY[etype]:
            raise ParameterError(f"{what}: {raw!r} → {sub!r} is not an ACLED sub-type of {etype!r}")
        out[str(raw).strip()] = (etype, sub.strip() if sub else None)
    return out


# -- reading the table ---------------------------------------------------------------
def _cell_text(v) -> str:
    import datetime as dt

    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, bool):
        return str(v)
    return str(v).strip()


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A CSV, Parquet or Excel (first sheet) table as stripped text columns plus ``_row``.

    Excel dates become ``YYYY-MM-DD``; whole numbers lose their ``.0``.

    Parameters
    ----------
    path : path-like
        A ``.csv``, ``.parquet`` or ``.xlsx`` file.

    Returns
    -------
    pandas.DataFrame
        ``_row`` (1-based data row) and the file's columns, as text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"Date": [pd.Timestamp("2021-03-07")], "Lat": [33.3152], "Lon": [44.3661],
    ...               "Type": ["Airstrike"], "Killed": [2.0]}).to_excel(d / "events.xlsx", index=False)
    >>> table = read_table(d / "events.xlsx")
    >>> list(table.columns), table.values.tolist()
    (['_row', 'Date', 'Lat', 'Lon', 'Type', 'Killed'], [[1, '2021-03-07', '33.3152', '44.3661', 'Airstrike', '2']])
    """
    path = Path(path)
    kind = file_kind(path)
    if kind == "csv":
        return _read_export(path, required=[])
    if kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        data = {c: [_cell_text(v) for v in table.column(c).to_pylist()] for c in table.column_names}
        df = pd.DataFrame(data, dtype=object)
    elif kind == "excel":
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover - an optional dependency
            raise ParameterError("reading .xlsx needs openpyxl: pip install openpyxl") from exc
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        header = [_cell_text(v) for v in rows[0]] if rows else []
        body = [r for r in rows[1:] if any(v not in (None, "") for v in r)]
        df = pd.DataFrame([[_cell_text(v) for v in r[:len(header)]] + [""] * (len(header) - len(r))
                           for r in body], columns=header, dtype=object)
    else:
        raise ParameterError(f"{path.name}: the generic source reads CSV, Parquet or .xlsx, not {kind}")
    from iraq_atlas.files import record_read

    record_read(path)
    df = df.fillna("").astype(str)
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


# -- dates ---------------------------------------------------------------------------
_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[ T].*)?$")
_ISO = re.compile(r"^(\d{4})([\-/.])(\d{1,2})\2(\d{1,2})(?:[ T].*)?$")
_NAMED = [("DD Month YYYY", "%d %B %Y"), ("DD Mon YYYY", "%d %b %Y"), ("Month DD, YYYY", "%B %d, %Y"),
          ("Mon DD, YYYY", "%b %d, %Y"), ("DD-Mon-YYYY", "%d-%b-%Y")]


def convert_dates(text: pd.Series, column: str = "date", dayfirst: bool | None = None
                  ) -> tuple[pd.Series, list[str]]:
    """Dates in any common written form → ``YYYY-MM-DD`` text, with what was found per form.

    Numeric day/month dates are read day-first unless the column shows otherwise
    (a first number above 12 proves day-first, a second one above 12 month-first;
    ``dayfirst`` forces either). A cell in no known form, or not a calendar day,
    is left as written (validation rejects it, naming it).

    Parameters
    ----------
    text : pandas.Series
        The dates as written.
    column : str, default "date"
        The column's name, for the notes.
    dayfirst : bool, optional
        Force day-first (True) or month-first (False) numeric dates.

    Returns
    -------
    dates : pandas.Series
        ``YYYY-MM-DD`` text (empty cells stay empty).
    notes : list of str
        One line per form found, with its number of rows.

    Examples
    --------
    >>> iso, notes = convert_dates(pd.Series(["25/12/2021", "01/02/2022"]))
    >>> list(iso), notes
    (['2021-12-25', '2022-02-01'], ['date: day-first DD/MM/YYYY in 2 rows'])
    """
    s = text.astype(object).fillna("").astype(str).str.strip()
    out = pd.Series("", index=s.index, dtype=object)
    done = s == ""
    notes: list[str] = []

    def valid(y, m, d) -> pd.Series:
        iso = y.str.zfill(4) + "-" + m.str.zfill(2) + "-" + d.str.zfill(2)
        ok = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").notna()
        return iso.where(ok)

    iso_m = s[~done].str.extract(_ISO)
    hit = iso_m[0].notna()
    if hit.any():
        sep = iso_m.loc[hit, 1].mode().iloc[0]
        conv = valid(iso_m.loc[hit, 0], iso_m.loc[hit, 2], iso_m.loc[hit, 3])
        out[conv.index] = conv.fillna(s[conv.index])
        label = "ISO YYYY-MM-DD" if sep == "-" else f"YYYY{sep}MM{sep}DD"
        notes.append(f"{column}: {label} in {int(hit.sum())} rows")
        done = done | hit.reindex(s.index, fill_value=False)
    num = s[~done].str.extract(_NUMERIC)
    hit = num[0].notna()
    if hit.any():
        a, sep, b, y = (num.loc[hit, i] for i in range(4))
        a_big, b_big = (a.astype(int) > 12).sum(), (b.astype(int) > 12).sum()
        how = ""
        if dayfirst is None:
            if b_big > a_big:
                dayfirst, how = False, ""
            else:
                dayfirst = True
                how = "" if a_big else " (assumed: no day above 12 tells the order; pass dayfirst=False " \
                    "for month-first)"
        elif dayfirst is not None:
            how = " (as asked)"
        d, m = (a, b) if dayfirst else (b, a)
        conv = valid(y, m, d)
        out[conv.index] = conv.fillna(s[conv.index])
        sp = sep.mode().iloc[0]
        label = f"day-first DD{sp}MM{sp}YYYY" if dayfirst else f"month-first MM{sp}DD{sp}YYYY"
        notes.append(f"{column}: {label} in {int(hit.sum())} rows{how}")
        bad = int(conv.isna().sum())
        if bad:
            notes.append(f"{column}: {bad} rows do not fit {label.split(' ', 1)[1]} and are rejected")
        done = done | hit.reindex(s.index, fill_value=False)
    for label, fmt in _NAMED:
        rest = s[~done]
        if rest.empty:
            break
        parsed = pd.to_datetime(rest, format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            out[parsed[hit].index] = parsed[hit].dt.strftime("%Y-%m-%d")
            notes.append(f"{column}: {label} in {int(hit.sum())} rows")
            done = done | hit.reindex(s.index, fill_value=False)
    left = ~done
    if left.any():
        out[left] = s[left]
        notes.append(f"{column}: {int(left.sum())} rows in no known date form")
    return out, notes


# -- the mapped frame ----------------------------------------------------------------
def frame_from_table(raw: pd.DataFrame, path: Path, *, columns: dict[str, str] | None = None,
                     event_types=None, dayfirst: bool | None = None, id_prefix: str | None = None,
                     dataset: str = "generic", country: str | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text table (with ``_row``) → schema-shaped text rows, ready for validation.

    ``country`` names a file column holding the country (rows not in Iraq are
    excluded); it is the same as ``columns={"country": ...}``. Rows without an
    id get ``<id_prefix>-<row>`` (the file name's stem by default).

    Parameters
    ----------
    raw : pandas.DataFrame
        The table as text, with ``_row`` (see :func:`read_table`).
    path : Path
        The file it came from (its stem gives the default id prefix).
    columns : dict, optional
        Schema column → file column (see :func:`resolve_mapping`); the default mapping when omitted.
    event_types : dict, optional
        The file's type values → ACLED's (see :func:`parse_event_types`).
    dayfirst : bool, optional
        Force the order of numeric dates (see :func:`convert_dates`).
    id_prefix : str, optional
        Prefix of the ids given to rows without one.
    dataset : str, default "generic"
        The ``dataset`` column's value.
    country : str, optional
        A file column holding the country.

    Returns
    -------
    frame : pandas.DataFrame
        Schema-shaped text rows with ``_row``, ``dataset`` and ``_country``; ``frame.attrs["notes"]``
        says which date forms and type mappings were found.
    problems : pandas.DataFrame
        Rows with too few or too many fields (``_row``, ``column``, ``reason``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "events.csv").write_text("Date,Lat,Lon,Type\\n2021-03-07,33.3152,44.3661,Airstrike\\n")
    >>> frame, problems = frame_from_table(read_table(d / "events.csv"), d / "events.csv",
    ...                                    columns={"date": "Date", "lat": "Lat", "lon": "Lon", "type": "Type"},
    ...                                    event_types={"Airstrike": "Explosions/Remote violence|Air/drone strike"})
    >>> frame[["event_id_cnty", "event_date", "event_type", "sub_event_type"]].values.tolist()
    [['events-1', '2021-03-07', 'Explosions/Remote violence', 'Air/drone strike']]
    >>> frame.attrs["notes"], len(problems)
    (['date: ISO YYYY-MM-DD in 1 rows', 'event_type: 1 rows mapped onto ACLED types'], 0)
    """
    from iraq_atlas.vocab import VOCABULARY

    header = [c for c in raw.columns if c != "_row"]
    mapping = resolve_mapping(columns, header)
    if country is not None:
        mapping.update(resolve_mapping({"country": country}, header))
    for need in ("event_date", "event_type"):
        if need not in mapping:
            raise ParameterError(f"columns: no column gives {need} (map it, e.g. --columns "
                                 f"{'date' if need == 'event_date' else need}=YourColumn); "
                                 f"the file has {', '.join(map(str, header))}")
    if not ({"latitude", "longitude"} <= set(mapping) or "location" in mapping or "place_id" in mapping):
        raise ParameterError("columns: map latitude and longitude, or location (a place name), or place_id")
    n = len(raw)
    df = pd.DataFrame({"_row": raw["_row"].astype("int64").to_numpy()}, index=raw.index)
    for col in CURATED_COLUMNS:
        df[col] = raw[mapping[col]].astype(str).str.strip() if col in mapping else ""
    notes: list[str] = []
    df["event_date"], date_notes = convert_dates(df["event_date"], "date", dayfirst)
    notes += date_notes
    if "event_id_cnty" not in mapping:
        prefix = id_prefix if id_prefix is not None else path.stem
        df["event_id_cnty"] = prefix + "-" + df["_row"].astype(str)
    # event types: the value mapping first, then ACLED's own names in any case
    values = parse_event_types(event_types)
    etype = df["event_type"]
    if values:
        hit = etype.isin(values.keys())
        if hit.any():
            mapped = etype[hit].map(values)
            df.loc[hit, "event_type"] = mapped.map(lambda v: v[0])
            with_sub = mapped.map(lambda v: v[1] is not None)
            idx = with_sub[with_sub].index
            df.loc[idx, "sub_event_type"] = mapped[idx].map(lambda v: v[1])
            notes.append(f"event_type: {int(hit.sum())} rows mapped onto ACLED types")
    by_fold = {t.casefold(): t for t in VOCABULARY}
    df["event_type"] = df["event_type"].map(lambda t: by_fold.get(t.casefold(), t))
    subs = {(t, s.casefold()): s for t, ss in VOCABULARY.items() for s in ss}
    df["sub_event_type"] = [subs.get((t, s.casefold()), s) for t, s in zip(df["event_type"], df["sub_event_type"])]
    df["dataset"] = dataset
    if "country" in mapping:
        c = raw[mapping["country"]].astype(str).str.strip()
        df["_country"] = np.where(c.str.lower().isin(IRAQ_NAMES), "Iraq", c)
    else:
        df["_country"] = "Iraq"
    df = df.reset_index(drop=True)
    df.attrs["notes"] = notes
    assert len(df) == n
    return df, field_count_problems(path) if file_kind(path) == "csv" else no_problems()


def read(path: Path, *, columns: dict[str, str] | None = None, event_types=None, dayfirst: bool | None = None,
         id_prefix: str | None = None, dataset: str = "generic", country: str | None = None
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A CSV, Parquet or Excel event table through a column mapping, as schema-shaped text rows.

    :func:`read_table` then :func:`frame_from_table`.

    Parameters
    ----------
    path : Path
        A ``.csv``, ``.parquet`` or ``.xlsx`` file.
    columns, event_types, dayfirst, id_prefix, dataset, country
        As for :func:`frame_from_table`.

    Returns
    -------
    frame : pandas.DataFrame
        Schema-shaped text rows (see :func:`frame_from_table`).
    problems : pandas.DataFrame
        Rows with too few or too many fields (``_row``, ``column``, ``reason``).

    Examples
    --------
    A table with place names instead of coordinates and day-first dates:

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "events.csv").write_text("Date,Place,Type\\n07/03/2021,Baghdad,Protests\\n"
    ...                                   "25/03/2021,Basra,protests\\n")
    >>> frame, problems = read(d / "events.csv", columns={"date": "Date", "location": "Place", "type": "Type"},
    ...                        id_prefix="EV")
    >>> frame[["event_id_cnty", "event_date", "event_type", "location"]].values.tolist()
    [['EV-1', '2021-03-07', 'Protests', 'Baghdad'], ['EV-2', '2021-03-25', 'Protests', 'Basra']]
    >>> frame.attrs["notes"]
    ['date: day-first DD/MM/YYYY in 2 rows']
    """
    raw = read_table(path)
    return frame_from_table(raw, path, columns=columns, event_types=event_types, dayfirst=dayfirst,
                            id_prefix=id_prefix, dataset=dataset, country=country)
