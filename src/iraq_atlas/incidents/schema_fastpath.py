"""The accepted-table schema applied row by row without pandera's machinery: its fast path.

:func:`failing_rows` reads the pandera schema (:func:`~iraq_atlas.incidents.schema.accepted_schema`)
and applies each of its per-row rules with pandera's own built-in check functions,
the way pandera's backend does (columns present, dtypes by pandera's engine,
nullability, uniqueness, then each check with missing values ignored), but with no
failure cases collected or formatted. A rule it does not know makes it answer
None, and pandera decides. ``tests/incidents/test_schema_fastpath.py`` checks on
many generated tables that it accepts and rejects exactly the rows pandera does.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

# the pandera built-in checks whose function is applied as is, by check name
_BUILTIN = ("greater_than_or_equal_to", "greater_than", "less_than", "less_than_or_equal_to", "in_range",
            "isin", "notin", "str_matches", "str_length", "equal_to", "not_equal_to")


def failing_rows(df: pd.DataFrame, schema, distinct: Collection[str] = ()) -> np.ndarray | None:
    """True for each row some rule of ``schema`` rejects; None when only pandera can tell.

    None means a table-level problem (a missing column, a wrong dtype) or a check
    without a fast form (a custom function): the caller then runs pandera.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to check.
    schema : pandera.pandas.DataFrameSchema
        Its contract (column checks, ``nullable``, ``unique``; no coercion).
    distinct : collection of str, default ()
        Columns already known to hold no two equal values: their ``unique`` rule
        holds without hashing them again.

    Returns
    -------
    numpy.ndarray of bool or None
        One value per row of ``df``.

    Examples
    --------
    >>> import pandera.pandas as pa
    >>> schema = pa.DataFrameSchema({"n": pa.Column("Int64", pa.Check.ge(0), nullable=True)})
    >>> failing_rows(pd.DataFrame({"n": pd.array([1, -2, None], dtype="Int64")}), schema).tolist()
    [False, True, False]
    """
    try:
        from pandera.backends.pandas import builtin_checks
        from pandera.engines import pandas_engine
    except ImportError:
        return None
    if getattr(schema, "coerce", False) or getattr(schema, "unique", None) or getattr(schema, "checks", None):
        return None  # table-wide rules: pandera's own
    bad = np.zeros(len(df), dtype=bool)
    try:
        for name, col in schema.columns.items():
            if col.regex or col.coerce or name not in df.columns:
                return None
            s = df[name]
            if col.dtype is not None and not col.dtype.check(pandas_engine.Engine.dtype(s.dtype)):
                return None
            na = s.isna().to_numpy(dtype=bool)
            if not col.nullable:
                bad |= na
            if col.unique and name not in distinct and not _all_distinct(s):
                bad |= s.duplicated(keep=False).to_numpy(dtype=bool)
            for check in col.checks:
                if check.name not in _BUILTIN or check.groupby is not None or getattr(check, "element_wise", False):
                    return None
                fn = getattr(builtin_checks, check.name)
                if check.ignore_na:
                    kept = s[~na]
                    ok = np.asarray(fn(kept, **check.statistics), dtype=bool)
                    bad[~na] |= ~ok
                else:
                    bad |= ~np.asarray(fn(s, **check.statistics).fillna(False), dtype=bool)
    except Exception:  # anything unexpected: pandera decides
        return None
    return bad


def _all_distinct(s: pd.Series) -> bool:
    """True when no two values of ``s`` are equal (one Arrow hash pass for Arrow-backed data).

    Only a shortcut: False sends the caller to ``Series.duplicated``, which finds the rows.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(s.dtype, (pd.StringDtype, pd.ArrowDtype)) and getattr(s.dtype, "storage", "pyarrow") == "pyarrow":
            arr = pa.array(s.array)
            # unique (a null counts as one value) builds the same hash table as count_distinct, faster
            return arr.null_count <= 1 and len(pc.unique(arr)) == len(arr)
    except Exception:  # any doubt: let duplicated decide
        return False
    return False


__all__ = ["failing_rows"]
