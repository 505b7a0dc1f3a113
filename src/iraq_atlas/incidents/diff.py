"""What changed between two downloads of the same events: added, deleted and changed rows.

ACLED edits and deletes events between downloads, and UCDP's yearly GED
replaces Candidate events; comparing two snapshots (or two plain exports, CSV
or Parquet) by event id shows exactly what moved.

The result has one row per added or deleted event (``field``, ``old`` and
``new`` empty) and one row per changed *field* of a changed event, with the
old and the new value. Values are compared as text (a Parquet ``2.0`` equals a
CSV ``2``; leading and trailing spaces are ignored). Columns present in only one
of the two tables are not compared field by field; they are listed in
``DiffResult.columns_added`` / ``columns_removed``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, ParameterError, Problem

DIFF_COLUMNS = ["change", "id", "field", "old", "new"]
_ORDER = {"added": 0, "deleted": 1, "changed": 2}


@dataclass
class DiffResult:
    """The changes as a table plus the columns that appeared or disappeared.

    Examples
    --------
    >>> DiffResult(pd.DataFrame(columns=DIFF_COLUMNS)).summary()
    'added 0, deleted 0, changed 0 (0 field value(s))'
    """

    table: pd.DataFrame
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many events were added, deleted, changed.

        Returns
        -------
        str

        Examples
        --------
        >>> a = pd.DataFrame({"id": ["1", "2"], "x": ["a", "b"]})
        >>> diff_tables(a, pd.DataFrame({"id": ["1", "3"], "x": ["c", "b"]}), "id").summary()
        'added 1, deleted 1, changed 1 (1 field value(s))'
        """
        t = self.table
        changed = t[t["change"] == "changed"]
        return (f"added {int((t['change'] == 'added').sum())}, deleted {int((t['change'] == 'deleted').sum())}, "
                f"changed {changed['id'].nunique()} ({len(changed)} field value(s))")


def _load(table: pd.DataFrame | str | os.PathLike, name: str) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        from iraq_atlas.incidents.api.snapshots import _as_text_numbers

        return _as_text_numbers(table)
    from iraq_atlas.incidents.api.snapshots import read_snapshot

    df, _meta = read_snapshot(Path(table))
    return df


def _keyed(df: pd.DataFrame, id_column: str, name: str) -> pd.DataFrame:
    if id_column not in df.columns:
        raise ParameterError(f"{name}: no column {id_column!r} (columns: {', '.join(map(str, df.columns[:12]))})")
    df = df.drop(columns=[c for c in ("_row",) if c in df.columns and c != id_column])
    df = df.apply(lambda s: s.astype(str).str.strip())
    ids = df[id_column]
    problems = [Problem(name, i + 1, id_column, "the event id is empty") for i in (ids == "").to_numpy().nonzero()[0]]
    dup = ids.duplicated(keep=False) & (ids != "")
    problems += [Problem(name, i + 1, id_column, f"event id {ids.iloc[i]!r} occurs more than once")
                 for i in dup.to_numpy().nonzero()[0]]
    if problems:
        raise DataError(problems)
    return df.set_index(id_column)


def diff_events(old: pd.DataFrame | str | os.PathLike, new: pd.DataFrame | str | os.PathLike,
                id_column: str = "event_id_cnty") -> pd.DataFrame:
    """Added, deleted and changed events between two tables (DataFrames, or CSV / Parquet files).

    Parameters
    ----------
    old, new : DataFrame or path
        The earlier and the later download.
    id_column : str
        The event id (``event_id_cnty`` for ACLED, ``id`` for UCDP GED).

    Returns
    -------
    DataFrame
        Columns ``change`` (added / deleted / changed), ``id``, ``field``, ``old``,
        ``new``; sorted by change, id and the field's column position.

    Raises
    ------
    ParameterError
        When a table lacks the id column.
    DataError
        When an id is empty or repeated within one table.

    Examples
    --------
    >>> a = pd.DataFrame({"event_id_cnty": ["IRQ1", "IRQ2"], "fatalities": ["1", "0"]})
    >>> b = pd.DataFrame({"event_id_cnty": ["IRQ1", "IRQ3"], "fatalities": ["2", "5"]})
    >>> diff_events(a, b).values.tolist()
    [['added', 'IRQ3', '', '', ''], ['deleted', 'IRQ2', '', '', ''], ['changed', 'IRQ1', 'fatalities', '1', '2']]
    """
    return diff_tables(old, new, id_column).table


def diff_tables(old: pd.DataFrame | str | os.PathLike, new: pd.DataFrame | str | os.PathLike,
                id_column: str = "event_id_cnty") -> DiffResult:
    """:func:`diff_events` plus the columns that appeared or disappeared between the two tables.

    Parameters
    ----------
    old, new : DataFrame or path
        The earlier and the later download.
    id_column : str
        The event id (``event_id_cnty`` for ACLED, ``id`` for UCDP GED).

    Returns
    -------
    DiffResult
        The changes table (as :func:`diff_events`) and the added and removed columns.

    Examples
    --------
    >>> a = pd.DataFrame({"id": ["1"], "x": ["a"]})
    >>> diff_tables(a, a.assign(y="b"), "id").columns_added
    ['y']
    """
    old_name = str(old) if not isinstance(old, pd.DataFrame) else "old"
    new_name = str(new) if not isinstance(new, pd.DataFrame) else "new"
    a = _keyed(_load(old, old_name), id_column, old_name)
    b = _keyed(_load(new, new_name), id_column, new_name)
    shared = [c for c in b.columns if c in set(a.columns)]
    added_cols = [c for c in b.columns if c not in set(a.columns)]
    removed_cols = [c for c in a.columns if c not in set(b.columns)]

    rows: list[tuple] = []
    rows += [("added", i, "", "", "") for i in b.index.difference(a.index, sort=False)]
    rows += [("deleted", i, "", "", "") for i in a.index.difference(b.index, sort=False)]
    both = a.index.intersection(b.index, sort=False)
    if len(both) and shared:
        left, right = a.loc[both, shared], b.loc[both, shared]
        differs = left.ne(right)
        for pos, col in enumerate(shared):
            mask = differs[col].to_numpy()
            for i in mask.nonzero()[0]:
                rows.append(("changed", both[i], col, left[col].iloc[i], right[col].iloc[i], pos))
    table = pd.DataFrame([r[:5] for r in rows], columns=DIFF_COLUMNS, dtype=object)
    if len(table):
        pos = [r[5] if len(r) > 5 else -1 for r in rows]
        table = (table.assign(_k=table["change"].map(_ORDER), _p=pos)
                 .sort_values(["_k", "id", "_p"], kind="stable").drop(columns=["_k", "_p"])
                 .reset_index(drop=True))
    return DiffResult(table, added_cols, removed_cols)
