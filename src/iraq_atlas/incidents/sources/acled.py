"""ACLED exports (CSV, as downloaded from the ACLED Data Export Tool or the API).

A whole-region export (many countries) is filtered to Iraq while it is read,
block by block: memory holds the Iraq rows and one block, and every other
country's row is still accounted for in ``excluded``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iraq_atlas.files import field_count_problems
from iraq_atlas.incidents.schema import CURATED_COLUMNS
from iraq_atlas.incidents.sources._common import (
    IRAQ_ACLED_ISO,
    IRAQ_NAMES,
    _read_export,
    constant_text,
    country_excluded,
    empty_excluded,
    no_problems,
    stream_filtered,
)

name = "acled"
description = "an ACLED CSV export (any region: rows of other countries are excluded while reading)"
kinds = ("csv",)
require_source_url = False

ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                 "fatalities", "tags", "timestamp"]
REQUIRED = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "admin1",
            "location", "latitude", "longitude", "fatalities"]


def sniff(header: set[str]) -> bool:
    """True for a header with ACLED's id, event type and country columns.

    Parameters
    ----------
    header : set of str
        The file's column names (see :func:`iraq_atlas.incidents.sources.read_header`).

    Returns
    -------
    bool

    Examples
    --------
    >>> sniff({"event_id_cnty", "event_type", "country", "iso"})
    True
    """
    return {"event_id_cnty", "event_type", "country"} <= header


def _iraq_batch(table):
    """Arrow mask of a block's Iraq rows: country named Iraq (any case) or ACLED iso 368."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # a block of exactly "Iraq" everywhere (a whole-Iraq export) needs no case folding or strip
    exact = pc.equal(table.unstripped("country"), "Iraq")
    if exact.true_count == len(exact):
        return exact
    country = table.column("country")
    mask = pc.is_in(pc.utf8_lower(country), value_set=pa.array(sorted(IRAQ_NAMES), type=country.type))
    if "iso" in table.column_names:
        mask = pc.or_(mask, pc.equal(table.column("iso"), IRAQ_ACLED_ISO))
    return mask.combine_chunks() if hasattr(mask, "combine_chunks") else mask


def read(path: Path, **options) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """An ACLED export as text rows in the schema, Iraq rows only, plus the other countries' rows.

    Parameters
    ----------
    path : Path
        The export (any region).
    **options
        None are taken (a ParameterError names any given).

    Returns
    -------
    frame : pandas.DataFrame
        The Iraq rows as text in the schema's columns, with ``_row``, ``dataset`` and ``_country``.
    problems : pandas.DataFrame
        Rows the reader found broken (``_row``, ``column``, ``reason``).
    excluded : pandas.DataFrame
        Each other-country row (``_row``, ``event_id_cnty``, ``reason``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "acled.csv").write_text(
    ...     "event_id_cnty,event_date,event_type,sub_event_type,country,iso,admin1,location,"
    ...     "latitude,longitude,fatalities\\n"
    ...     "IRQ1,2021-03-07,Protests,Peaceful protest,Iraq,368,Baghdad,Baghdad,33.3152,44.3661,0\\n"
    ...     "SYR1,2021-03-07,Protests,Peaceful protest,Syria,760,Damascus,Damascus,33.5138,36.2765,0\\n")
    >>> frame, problems, excluded = read(d / "acled.csv")
    >>> frame[["_row", "event_id_cnty", "dataset", "_country"]].values.tolist(), len(problems)
    ([[1, 'IRQ1', 'acled', 'Iraq']], 0)
    >>> excluded.values.tolist()
    [[2, 'SYR1', "country is 'Syria', not Iraq"]]
    """
    from iraq_atlas.incidents.sources import no_options

    no_options(name, options)
    used = CURATED_COLUMNS + ["country", "iso"]
    streamed = stream_filtered(path, REQUIRED, used, _iraq_batch)
    if streamed is not None:
        df, others = streamed
        excluded = country_excluded(others)
    else:  # an unusual file: read it whole, the careful way, and let load_incidents exclude
        df = _read_export(path, REQUIRED, used=used)
        excluded = None
    missing = [col for col in CURATED_COLUMNS if col not in df.columns]
    if missing:  # one shared column of empty texts (columns are never modified in place)
        empty = constant_text("", df)
        for col in missing:
            df[col] = empty
    df["dataset"] = constant_text("acled", df)
    if excluded is not None:
        df["_country"] = constant_text("Iraq", df)
        # no second pass for field counts: Arrow's parser refuses a row whose number of fields
        # differs from the header's (a cut row, a stray comma), and stream_filtered then returns
        # None, so such a file always takes the careful path below
        return df, no_problems(), excluded
    country = df["country"].str.lower()
    iso_ok = df["iso"] == IRAQ_ACLED_ISO if "iso" in df.columns else False
    iraq = country.isin(IRAQ_NAMES) | iso_ok
    if iraq.all():
        df["_country"] = constant_text("Iraq", df)
    else:
        df["_country"] = np.where(iraq, "Iraq", df["country"])
    return df, field_count_problems(path), empty_excluded()
