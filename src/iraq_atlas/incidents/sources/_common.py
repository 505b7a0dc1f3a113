"""Reading helpers shared by the source modules: text tables through Arrow, Iraq filters.

Every reader returns text columns (stripped, empty cell = ``""``) plus ``_row``,
the 1-based data row used in every message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import read_csv, record_read

IRAQ_NAMES = {"iraq"}
IRAQ_ACLED_ISO = "368"     # ISO 3166-1 numeric, ACLED's `iso`
IRAQ_GW_CODE = "645"       # Gleditsch-Ward code, UCDP's `country_id`
_BLOCK_SIZE = 8 << 20  # parsed in 8 MB blocks, in parallel (1 MB, the default, makes ~300 chunks per column)
# Streaming reads take 1 MB blocks: Arrow's streaming reader reads ahead, and with 8 MB blocks
# its buffer grew with the file (270 MB held for a 350 MB file, 37 MB with 1 MB blocks).
_STREAM_BLOCK_SIZE = 1 << 20

# File kinds a source can read, told apart by the file name's ending (anything else is CSV).
KIND_BY_SUFFIX = {".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel", ".xlsm": "excel",
                  ".geojson": "geojson", ".json": "geojson"}


def file_kind(path: str | os.PathLike) -> str:
    """``csv``, ``parquet``, ``excel`` or ``geojson``, from the file name's ending.

    Parameters
    ----------
    path : path-like
        The file (it need not exist); any ending not in ``KIND_BY_SUFFIX`` is CSV.

    Returns
    -------
    str

    Examples
    --------
    >>> file_kind("events.xlsx")
    'excel'
    """
    return KIND_BY_SUFFIX.get(Path(path).suffix.lower(), "csv")


def no_problems() -> pd.DataFrame:
    """An empty problems table (``_row``, ``column``, ``reason``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> no_problems().columns.tolist(), len(no_problems())
    (['_row', 'column', 'reason'], 0)
    """
    return pd.DataFrame({"_row": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                         "reason": pd.Series(dtype=str)})


def missing_columns(path: Path, required: list[str], have) -> None:
    """DataError naming every required column the file lacks (nothing when all are there).

    Parameters
    ----------
    path : Path
        The file, for the message.
    required : list of str
        The columns it must have.
    have : iterable of str
        The columns it has.

    Returns
    -------
    None

    Raises
    ------
    DataError
        One problem per missing column.

    Examples
    --------
    >>> missing_columns(Path("acled.csv"), ["country"], ["country", "notes"])
    >>> try:
    ...     missing_columns(Path("acled.csv"), ["country", "fatalities", "latitude"], ["country"])
    ... except DataError as exc:
    ...     print(*exc.problems, sep="\\n")
    acled.csv, column 'fatalities': required column is missing
    acled.csv, column 'latitude': required column is missing
    """
    missing = [c for c in required if c not in set(have)]
    if missing:
        raise DataError([Problem(path.name, None, c, "required column is missing") for c in missing])


def _read_export(path: Path, required: list[str], used: list[str] | None = None) -> pd.DataFrame:
    """:func:`read_csv` for large exports: Arrow's parser first (several times faster).

    Anything Arrow will not parse as is (a short or long row, bad UTF-8) goes through
    :func:`read_csv`, whose errors name the file and row; quoted line breaks are read
    by Arrow as part of their value. The result is
    the same: text columns, stripped, with ``_row``. With ``used``, only those
    columns are read (an export's other columns never reach the schema anyway).
    """
    try:
        header = list(pd.read_csv(path, nrows=0, dtype=str).columns)
        cols = header if used is None else [c for c in header if c in set(used) | set(required)]
        df = _read_text_arrow(path, cols)
    except Exception:  # pyarrow.ArrowInvalid and friends: let the careful reader report it
        return read_csv(path, required=required)
    if df is None:  # an unusual header: the careful reader says what is wrong with it
        return read_csv(path, required=required)
    record_read(path)
    missing_columns(path, required, df.columns)
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def _text_options(cols: list[str], block_size: int | None = None):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return (pacsv.ReadOptions(block_size=block_size or _BLOCK_SIZE),
            pacsv.ConvertOptions(include_columns=cols, column_types={c: pa.large_string() for c in cols},
                                 null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False))


def _arrow_to_text_frame(table) -> pd.DataFrame:
    import pyarrow as pa

    text = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper=lambda t: text if t in (pa.string(), pa.large_string()) else None)


def _strip_columns(table):
    """Each string column of an Arrow table stripped of surrounding white space, when it may need it."""
    import pyarrow as pa

    return pa.table({c: _stripped(table.column(c)) for c in table.column_names})


def _stripped(col):
    """One Arrow string column stripped of surrounding white space, when it may need it."""
    import pyarrow.compute as pc

    return pc.utf8_trim_whitespace(col) if _may_need_strip(col) else col


class _StrippedColumns:
    """A read-only view of an Arrow batch whose columns come back stripped (each one once)."""

    def __init__(self, batch):
        self._batch, self._done = batch, {}
        self.column_names = batch.schema.names

    def column(self, name: str):
        if name not in self._done:
            self._done[name] = _stripped(self._batch.column(name))
        return self._done[name]

    __getitem__ = column

    def unstripped(self, name: str):
        """The column as read (a cell equal to a space-free text is equal to it stripped too)."""
        return self._batch.column(name)


def _read_text_arrow(path: Path, cols: list[str]) -> pd.DataFrame | None:
    """``pd.read_csv(dtype=str, keep_default_na=False, engine="pyarrow", usecols=cols)`` plus
    stripping, straight through ``pyarrow.csv``; None when the header is unusual (the caller
    then takes the pandas route).

    A column is stripped only if some cell could start or end with white space (a first
    or last byte that is ASCII space/control or non-ASCII): the check reads two bytes per
    cell, the strip copies the column.
    """
    import pyarrow.csv as pacsv

    if len(set(cols)) != len(cols) or not cols:
        return None
    import pyarrow as pa

    read_opts, convert_opts = _text_options(cols)
    # a quoted line break is part of its value: blocks are cut only between rows (without this,
    # a block cut inside such a value loses a row and makes up another, with no error). Read so,
    # Arrow's streaming reader is several times faster than its multi-threaded one.
    with pacsv.open_csv(path, read_options=read_opts, convert_options=convert_opts,
                        parse_options=pacsv.ParseOptions(newlines_in_values=True)) as reader:
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    if table.column_names != cols:
        return None
    return _arrow_to_text_frame(_strip_columns(table))


def _may_need_strip(col) -> bool:
    """False only when no cell of an Arrow string column starts or ends with a space-like byte.

    Reads each cell's first and last byte (an empty cell reads its neighbours' bytes,
    which can only make the answer more cautious); ASCII space and control bytes and any
    non-ASCII byte (Unicode spaces are multi-byte) count as space-like.
    """
    ends = []
    for chunk in getattr(col, "chunks", [col]):
        if chunk.null_count:
            return True
        if len(chunk) == 0:
            continue
        data = chunk.buffers()[2]
        off = _offsets(chunk)
        if data is None or off[-1] == off[0]:
            continue  # only empty cells
        data = np.frombuffer(data, dtype=np.uint8, count=off[-1])
        ends.append(data.take(off[:-1], mode="clip"))
        ends.append(data.take(off[1:] - 1, mode="clip"))
    if not ends:
        return False
    edge = np.concatenate(ends) - np.uint8(33)  # bytes 0–32 and 127–255 wrap to ≥ 94
    return bool((edge >= 94).any())


def stream_filtered(path: Path, required: list[str], used: list[str],
                    keep: Callable, country_column: str = "country",
                    id_column: str = "event_id_cnty") -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Read a CSV in blocks, keeping only the rows ``keep`` accepts; one pass, bounded memory.

    ``keep(batch)`` gets one stripped Arrow record batch and returns a boolean
    Arrow array. Kept rows come back as a text frame with ``_row`` (as
    :func:`_read_export` would give them); every other row is returned as
    ``(_row, event_id_cnty, country)`` only, so a whole-region export costs the
    Iraq rows plus the reader's few blocks of text, not the whole file. None when the header is
    unusual or Arrow cannot parse the file: the caller reads it the careful way.

    Parameters
    ----------
    path : Path
        The CSV.
    required : list of str
        Columns the file must have (without them, None: the careful reader names them).
    used : list of str
        The columns to read (besides ``required``); others are never parsed.
    keep : callable
        Batch → boolean Arrow array, True for the rows to keep.
    country_column, id_column : str
        The columns returned for the rows not kept.

    Returns
    -------
    tuple of pandas.DataFrame, or None
        ``(kept, others)``: the kept rows as text with ``_row``, and the other rows'
        ``_row``, ``event_id_cnty`` and ``country``.

    Examples
    --------
    Cells are stripped before ``keep`` sees them (`` Iraq `` is kept):

    >>> import tempfile, pathlib
    >>> import pyarrow.compute as pc
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "acled.csv").write_text("event_id_cnty,country,notes\\nIRQ1,Iraq, a note \\n"
    ...                                  "SYR1,Syria,\\nIRQ2, Iraq ,x\\n")
    >>> kept, others = stream_filtered(d / "acled.csv", ["country"], ["event_id_cnty", "country", "notes"],
    ...                                lambda b: pc.equal(b["country"], "Iraq"))
    >>> kept.values.tolist()
    [[1, 'IRQ1', 'Iraq', 'a note'], [3, 'IRQ2', 'Iraq', 'x']]
    >>> others.values.tolist()
    [[2, 'SYR1', 'Syria']]
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    try:
        header = list(pd.read_csv(path, nrows=0, dtype=str).columns)
    except Exception:
        return None
    cols = [c for c in header if c in set(used) | set(required)]
    if len(set(cols)) != len(cols) or not cols or len(set(header)) != len(header):
        return None
    if any(c not in cols for c in required):
        return None  # the careful reader names the missing columns
    read_opts, convert_opts = _text_options(cols, _STREAM_BLOCK_SIZE)
    kept, out_rows, out_ids, out_country = [], [], [], []
    start = 0
    try:
        # blocks are cut only between rows: Arrow cuts a block at a line break where no quote is
        # open (cut inside a quoted value, a block could lose a row or make one of its second line)
        with pacsv.open_csv(path, read_options=read_opts, convert_options=convert_opts,
                            parse_options=pacsv.ParseOptions(newlines_in_values=True)) as reader:
            if reader.schema.names != cols:
                return None
            for batch in reader:
                n = batch.num_rows
                if n == 0:
                    continue
                # only the columns ``keep`` reads are stripped per block; the kept rows'
                # other columns are stripped once, after the last block (fewer, larger calls)
                mask = keep(_StrippedColumns(batch))
                ok = mask.true_count if hasattr(mask, "true_count") else (pc.sum(mask).as_py() or 0)
                table = pa.Table.from_batches([batch])
                if ok == n:
                    kept.append((start, table))
                else:
                    if ok:
                        idx = pa.array(np.flatnonzero(mask.to_numpy(zero_copy_only=False)) + start + 1)
                        kept.append((idx, table.filter(mask)))
                    drop = table.filter(pc.invert(mask))
                    out_rows.append(pa.array(np.flatnonzero(~mask.to_numpy(zero_copy_only=False)) + start + 1))
                    out_ids.append(drop.column(id_column) if id_column in drop.column_names
                                   else pa.chunked_array([pa.array([""] * drop.num_rows, pa.large_string())]))
                    out_country.append(drop.column(country_column))
                start += n
    except Exception:  # pyarrow.ArrowInvalid (a short row, bad UTF-8…): the careful reader reports it
        return None
    record_read(path)
    schema = pa.schema([(c, pa.large_string()) for c in cols])
    table = pa.concat_tables([t for _, t in kept]) if kept else schema.empty_table()
    frame = _arrow_to_text_frame(_strip_columns(table))
    rows = [np.arange(at + 1, at + t.num_rows + 1, dtype=np.int64) if isinstance(at, int)
            else at.to_numpy() for at, t in kept]
    frame.insert(0, "_row", np.concatenate(rows) if rows else np.empty(0, dtype=np.int64))
    if out_rows:
        others = pd.DataFrame({
            "_row": np.concatenate([r.to_numpy() for r in out_rows]),
            "event_id_cnty": _arrow_text(_stripped(pa.chunked_array([c for r in out_ids for c in r.chunks]))),
            "country": _arrow_text(_stripped(pa.chunked_array([c for r in out_country for c in r.chunks]))),
        })
    else:
        others = pd.DataFrame({"_row": pd.Series(dtype="int64"), "event_id_cnty": pd.Series(dtype=str),
                               "country": pd.Series(dtype=str)})
    return frame, others


def empty_excluded() -> pd.DataFrame:
    """An empty ``excluded`` part of a read (``_row``, ``event_id_cnty``, ``reason``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> empty_excluded().columns.tolist(), len(empty_excluded())
    (['_row', 'event_id_cnty', 'reason'], 0)
    """
    return pd.DataFrame({"_row": pd.Series(dtype="int64"), "event_id_cnty": pd.Series(dtype=object),
                         "reason": pd.Series(dtype=object)})


def _arrow_text(arr) -> pd.Series:
    """An Arrow string column as pandas text without Python strings."""
    return pd.Series(pd.StringDtype("pyarrow", na_value=np.nan).__from_arrow__(arr))


def country_excluded(others: pd.DataFrame) -> pd.DataFrame:
    """Rows of another country as the ``excluded`` part of a read: ``_row``, ``event_id_cnty``, ``reason``.

    The reason is written once per distinct country and spread by Arrow, so a million
    other-country rows cost their row numbers and two text columns, not a million
    Python strings.

    Parameters
    ----------
    others : pandas.DataFrame
        ``_row``, ``event_id_cnty`` and ``country`` (as :func:`stream_filtered` returns them).

    Returns
    -------
    pandas.DataFrame
        ``_row``, ``event_id_cnty`` and ``reason``.

    Examples
    --------
    >>> others = pd.DataFrame({"_row": [2, 5], "event_id_cnty": ["SYR1", "IRN1"], "country": ["Syria", "Iran"]})
    >>> country_excluded(others).values.tolist()
    [[2, 'SYR1', "country is 'Syria', not Iraq"], [5, 'IRN1', "country is 'Iran', not Iraq"]]
    """
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    codes, uniq = pd.factorize(others["country"].astype(object), use_na_sentinel=False)
    reasons = [f"country is {c!r}, not Iraq" for c in uniq]
    try:
        import pyarrow as pa

        spread = pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                pa.array(reasons, type=pa.string())).dictionary_decode()
        reason = pd.Series(text.__from_arrow__(pa.chunked_array([spread])), index=others.index)
    except Exception:  # an older pandas or pyarrow: the plain way
        reason = pd.Series(np.array(reasons + [""], dtype=object)[codes], index=others.index)
    ids = others["event_id_cnty"]
    return pd.DataFrame({"_row": others["_row"].astype("int64"),
                         "event_id_cnty": ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype(object),
                         "reason": reason})


def constant_text(value: str, df: pd.DataFrame) -> pd.Series:
    """A text column holding ``value`` on every row of ``df``, in pandas' string dtype.

    Built from Arrow buffers, not from a million Python strings; equal to ``df[col] = value``.

    Parameters
    ----------
    value : str
        The text.
    df : pandas.DataFrame
        The frame whose index the column takes.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> constant_text("acled", pd.DataFrame(index=[3, 7])).to_dict()
    {3: 'acled', 7: 'acled'}
    """
    try:
        import pyarrow as pa

        n = len(df)
        data = value.encode("utf-8")
        offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int64) * len(data)).tobytes())
        arr = pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(data * n))
        dtype = pd.StringDtype("pyarrow", na_value=np.nan)
        return pd.Series(dtype.__from_arrow__(pa.chunked_array([arr], type=pa.large_string())), index=df.index)
    except Exception:  # an older pandas or pyarrow: the plain way
        return pd.Series(value, index=df.index, dtype=str)


def _offsets(chunk) -> np.ndarray:
    """The value offsets of one Arrow string chunk (string or large_string), as a NumPy view."""
    import pyarrow as pa

    wide = pa.types.is_large_string(chunk.type)
    return np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(chunk) + 1,
                         offset=chunk.offset * (8 if wide else 4))
