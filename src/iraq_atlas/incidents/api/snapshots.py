"""Dated snapshots of fetched events: Parquet carrying its query and retrieval time, optionally CSV.

A snapshot's Parquet schema metadata holds, under the key ``iraq_atlas.snapshot``,
a JSON object ``{"source", "query", "retrieved_at", "rows"}`` (the query is the
filters and URL sent, never a credential). Files are written atomically: a
temporary file in the same folder, then ``os.replace``, so a reader never sees
half a snapshot and a failed fetch leaves the previous file untouched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, ParameterError, Problem
from iraq_atlas.files import record_read, write_atomic

META_KEY = b"iraq_atlas.snapshot"


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second with a ``Z``.

    Returns
    -------
    str

    Examples
    --------
    >>> utc_now().endswith("Z")
    True
    """
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Snapshot:
    """Events as fetched: the table, where they came from, the query sent and when.

    Examples
    --------
    >>> s = Snapshot(pd.DataFrame({"id": ["1"]}), "ucdp", {"StartDate": "2024-01-01"}, "2024-02-01T00:00:00Z")
    >>> s.default_name()
    'ucdp-2024-02-01T000000Z.parquet'
    """

    frame: pd.DataFrame
    source: str
    query: dict = field(default_factory=dict)
    retrieved_at: str = field(default_factory=utc_now)

    def metadata(self) -> dict:
        """The JSON-able description stored with the file.

        Returns
        -------
        dict
            ``source``, ``query``, ``retrieved_at`` and ``rows``.

        Examples
        --------
        >>> Snapshot(pd.DataFrame({"id": ["1", "2"]}), "ucdp", {}, "2024-02-01T00:00:00Z").metadata()["rows"]
        2
        """
        return {"source": self.source, "query": self.query, "retrieved_at": self.retrieved_at,
                "rows": int(len(self.frame))}

    def default_name(self, suffix: str = ".parquet") -> str:
        """``<source>-<retrieved_at>.parquet``, safe on every file system.

        Parameters
        ----------
        suffix : str, default ".parquet"
            The file name's ending.

        Returns
        -------
        str

        Examples
        --------
        >>> Snapshot(pd.DataFrame(), "ucdp", {}, "2024-02-01T00:00:00Z").default_name(".csv")
        'ucdp-2024-02-01T000000Z.csv'
        """
        return f"{self.source}-{self.retrieved_at.replace(':', '')}{suffix}"


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    return df.apply(lambda s: s.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))) \
        .astype(object) if len(df.columns) else df


def write_parquet_atomic(df: pd.DataFrame, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write ``df`` (text columns) as Parquet with :func:`iraq_atlas.files.write_atomic`.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : path-like
        The file to write.
    metadata : dict, optional
        Stored in the file's schema metadata.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_parquet_atomic(pd.DataFrame({"a": ["x"]}), pathlib.Path(tempfile.mkdtemp()) / "a.parquet")
    >>> p.suffix
    '.parquet'
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = _as_text(df)
    table = pa.Table.from_pandas(text, preserve_index=False,
                                 schema=pa.schema([(c, pa.string()) for c in text.columns]))
    if metadata is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               META_KEY: json.dumps(metadata, sort_keys=True).encode()})
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer)
    return write_atomic(path, buffer.getvalue().to_pybytes())


def write_snapshot(snapshot: Snapshot, out: str | os.PathLike, *, csv: str | os.PathLike | None = None) -> Path:
    """Write a snapshot to ``out`` (Parquet, or CSV when it ends in ``.csv``) and optionally a CSV copy.

    When ``out`` is an existing folder (or ends with a path separator), the
    file is named after the source and retrieval time inside it.

    Parameters
    ----------
    snapshot : Snapshot
        The events and their provenance.
    out : path-like
        The file (``.parquet`` or ``.csv``) or folder.
    csv : path-like, optional
        Also write a CSV copy there.

    Returns
    -------
    pathlib.Path
        The file written at ``out``.

    Examples
    --------
    >>> import tempfile
    >>> s = Snapshot(pd.DataFrame({"id": ["1"]}), "ucdp", {}, "2024-02-01T00:00:00Z")
    >>> write_snapshot(s, tempfile.mkdtemp() + "/").name
    'ucdp-2024-02-01T000000Z.parquet'
    """
    out_text = str(out)
    path = Path(out)
    if path.is_dir() or out_text.endswith(("/", os.sep)):
        path = path / snapshot.default_name()
    if path.suffix.lower() == ".csv":
        _write_csv(snapshot.frame, path)
    elif path.suffix.lower() in (".parquet", ".pq"):
        write_parquet_atomic(snapshot.frame, path, snapshot.metadata())
    else:
        raise ParameterError(f"--out {out}: the file must end in .parquet or .csv")
    if csv is not None:
        _write_csv(snapshot.frame, Path(csv))
    return path


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    return write_atomic(path, _as_text(df).to_csv(index=False, lineterminator="\n"))


def read_snapshot(path: str | os.PathLike) -> tuple[pd.DataFrame, dict]:
    """A snapshot or plain export (Parquet or CSV) as text columns, with its snapshot metadata ({} if none).

    Parameters
    ----------
    path : path-like
        A Parquet or CSV file.

    Returns
    -------
    frame : pandas.DataFrame
        Text columns.
    metadata : dict
        The snapshot's ``source``, ``query``, ``retrieved_at`` and ``rows``; {} for a plain export.

    Raises
    ------
    DataError
        When the file is missing or cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> s = Snapshot(pd.DataFrame({"id": ["1"]}), "ucdp", {"Country": "645"}, "2024-02-01T00:00:00Z")
    >>> df, meta = read_snapshot(write_snapshot(s, tempfile.mkdtemp() + "/"))
    >>> meta["query"], df["id"].tolist()
    ({'Country': '645'}, ['1'])
    """
    path = Path(path)
    if not path.exists():
        raise DataError([Problem(str(path), None, None, "file not found")])
    record_read(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow.ArrowInvalid and friends
            raise DataError([Problem(path.name, None, None, f"cannot read Parquet: {exc}")]) from None
        raw = (table.schema.metadata or {}).get(META_KEY)
        meta = json.loads(raw) if raw else {}
        df = table.to_pandas()
        return _as_text_numbers(df), meta
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError([Problem(path.name, None, None, f"cannot parse CSV: {exc}")]) from None
    return df.astype(object), {}


def _as_text_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns; whole floats written without '.0' so a Parquet export compares equal to its CSV."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if hasattr(v, "isoformat") and not isinstance(v, str):
            text = v.isoformat()
            return text[:10] if text.endswith("T00:00:00") else text
        return str(v)

    return df.apply(lambda s: s.map(one)).astype(object) if len(df.columns) else df
