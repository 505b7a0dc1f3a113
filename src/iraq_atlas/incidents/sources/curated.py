"""The project's curated format: the schema's own columns, one ``source_url`` per row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from iraq_atlas.files import field_count_problems, read_csv
from iraq_atlas.incidents.schema import CURATED_COLUMNS

name = "curated"
description = "the project's own CSV format (geodata/incidents/incidents.csv): schema columns, a source URL per row"
kinds = ("csv",)
require_source_url = True


def sniff(header: set[str]) -> bool:
    """True for a header with the curated set's own columns.

    Parameters
    ----------
    header : set of str
        The file's column names (see :func:`iraq_atlas.incidents.sources.read_header`).

    Returns
    -------
    bool

    Examples
    --------
    >>> sniff({"event_id_cnty", "place_id", "source_url", "event_date"})
    True
    """
    return {"place_id", "source_url", "event_id_cnty"} <= header


def read(path: Path, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The curated CSV as text rows in the schema (every column required).

    Parameters
    ----------
    path : Path
        A CSV in the curated format.
    **options
        None are taken (a ParameterError names any given).

    Returns
    -------
    frame : pandas.DataFrame
        Every row as text, with ``_row``, ``dataset`` and ``_country``.
    problems : pandas.DataFrame
        Rows with too few or too many fields (``_row``, ``column``, ``reason``).

    Examples
    --------
    The shipped set:

    >>> from iraq_atlas.files import data_path
    >>> frame, problems = read(data_path("incidents", "incidents.csv"))
    >>> frame[["_row", "event_id_cnty", "dataset"]].head(1).values.tolist(), len(problems)
    ([[1, 'IRQIA0001', 'curated']], 0)
    """
    from iraq_atlas.incidents.sources import no_options

    no_options(name, options)
    df = read_csv(path, required=CURATED_COLUMNS)
    df["dataset"] = "curated"
    df["_country"] = "Iraq"
    return df, field_count_problems(path)
