"""The project's incident schema: its columns, and the pandera contract of an accepted table.

Every source ends up in these columns, which use ACLED's names wherever a
column means the same thing. :data:`ACCEPTED_SCHEMA` is the one declaration of
what an accepted row must satisfy (pandera); its fast path for large tables,
:mod:`iraq_atlas.incidents.schema_fastpath`, is derived from that declaration.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

import pandas as pd

from iraq_atlas.vocab import EVENT_TYPES, IRAQ_BBOX

TEXT_COLUMNS = ["event_id_cnty", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
                "admin1", "admin2", "location", "source", "notes", "target", "place_id", "time_local",
                "source_url"]
COUNT_COLUMNS = ["fatalities", "fatalities_low", "fatalities_high", "injuries", "injuries_low", "injuries_high"]
# The project schema, in output order (geometry is added to the accepted GeoDataFrame).
SCHEMA = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
          "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude", "longitude",
          "geo_precision", "source", "notes", *COUNT_COLUMNS, "target", "place_id", "time_local",
          "source_url", "dataset", "coord_source"]
# The curated CSV's columns: the schema's input columns, every one required there.
CURATED_COLUMNS = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
                   "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude", "longitude",
                   "geo_precision", "source", "notes", *COUNT_COLUMNS, "target", "place_id", "time_local",
                   "source_url"]
REJECTED_COLUMNS = ["file", "row", "event_id_cnty", "column", "reason"]
EXCLUDED_COLUMNS = ["file", "row", "event_id_cnty", "reason"]


@lru_cache(maxsize=1)
def accepted_schema():
    """The accepted table's contract, declared with pandera (checked on every load).

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Ids unique and non-empty, dates present, precisions 1–3, counts ≥ 0 or
        unknown, ACLED event types, ISO 3166-2:IQ governorate codes, coordinates
        inside Iraq's bounding box.

    Examples
    --------
    >>> sorted(accepted_schema().columns)[:3]
    ['admin1', 'event_date', 'event_id_cnty']
    """
    import pandera.pandas as pa

    count = pa.Column("Int64", pa.Check.ge(0), nullable=True)
    return pa.DataFrameSchema({
        "event_id_cnty": pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "event_date": pa.Column(None, nullable=False),
        "time_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]), nullable=True),
        "event_type": pa.Column(str, pa.Check.isin(EVENT_TYPES)),
        "sub_event_type": pa.Column(str),
        "admin1": pa.Column(str, pa.Check.str_matches(r"^IQ-[A-Z]{2}$")),
        "latitude": pa.Column(float, pa.Check.in_range(IRAQ_BBOX[1], IRAQ_BBOX[3])),
        "longitude": pa.Column(float, pa.Check.in_range(IRAQ_BBOX[0], IRAQ_BBOX[2])),
        "geo_precision": pa.Column("Int64", pa.Check.isin([1, 2, 3]), nullable=True),
        **{c: count for c in COUNT_COLUMNS},
    }, strict=False)


class AcceptedSchema:
    """:func:`accepted_schema`, validated the fast way on large tables.

    pandera runs its checks column by column through generic machinery (~0.4 s at a
    million rows). For a large table, :func:`~iraq_atlas.incidents.schema_fastpath.failing_rows`
    first applies every rule of the schema to every row with pandera's own check
    functions; when no row fails, pandera itself runs on a sample (columns, dtypes,
    the schema's own checks). When any row fails, or a rule has no fast form,
    pandera runs on the whole table and reports as usual.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_curated
    >>> accepted = load_curated().accepted
    >>> AcceptedSchema().validate(accepted).equals(accepted)
    True
    """

    SAMPLE = 10_000

    def validate(self, df: pd.DataFrame, distinct: Collection[str] = ()) -> pd.DataFrame:
        """The table, unchanged, if it meets the schema; pandera's SchemaErrors otherwise.

        Parameters
        ----------
        df : pandas.DataFrame
            An accepted table (the :data:`SCHEMA` columns).
        distinct : collection of str, default ()
            Columns the caller has already found to hold no two equal values (a
            subset of rows whose values were checked for duplicates): their
            ``unique`` rule is not checked a second time on the fast path.

        Returns
        -------
        pandas.DataFrame
            ``df`` itself, or (when pandera ran on the whole table) pandera's validated copy, equal to it.

        Examples
        --------
        >>> empty = pd.DataFrame(columns=SCHEMA)
        >>> ACCEPTED_SCHEMA.validate(empty) is empty
        True
        """
        from iraq_atlas.incidents.schema_fastpath import failing_rows

        if len(df) == 0:  # no row to break a rule; an empty column's dtype says nothing (object vs text)
            return df
        schema = accepted_schema()
        if len(df) > self.SAMPLE:
            bad = failing_rows(df, schema, distinct=distinct)
            if bad is not None and not bad.any():
                schema.validate(df.iloc[: self.SAMPLE], lazy=True)
                return df
        return schema.validate(df, lazy=True)


ACCEPTED_SCHEMA = AcceptedSchema()


def as_table(incidents: pd.DataFrame) -> pd.DataFrame:
    """The schema columns as a plain table (dates as YYYY-MM-DD), for CSV output.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Accepted incidents (any frame with the :data:`SCHEMA` columns).

    Returns
    -------
    pandas.DataFrame
        A copy with only the schema columns, ``event_date`` as text.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_curated
    >>> as_table(load_curated().accepted)["event_date"].str.len().eq(10).all()
    np.True_
    """
    out = pd.DataFrame(incidents[SCHEMA]).copy()
    out["event_date"] = out["event_date"].dt.strftime("%Y-%m-%d")
    return out


__all__ = ["TEXT_COLUMNS", "COUNT_COLUMNS", "SCHEMA", "CURATED_COLUMNS", "REJECTED_COLUMNS", "EXCLUDED_COLUMNS",
           "accepted_schema", "AcceptedSchema", "ACCEPTED_SCHEMA", "as_table"]
