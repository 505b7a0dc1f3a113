"""The curated place tables' contracts, declared with pandera: columns, types, cell rules, keys, table rules.

Each curated file of ``geodata/places/`` has one :class:`pandera.pandas.DataFrameSchema`
(:func:`table_schema`), read the way the election tables are
(:func:`iraq_atlas.files.read_table`): a column's type is the type a cell is
parsed to (``Int64``, ``float64`` or text), ``nullable`` says whether it may be
empty and its checks carry the reason shown when they fail (``{value!r}`` is
replaced by the bad value). Keys that must not repeat are ``unique`` columns.
What compares two cells of a row, or a row with the rest of the table, is a
table-wide check of the schema (``checks``), reported under the column named in
its ``statistics["column"]``; what needs the whole table at once is a *table
rule* in ``metadata["rules"]`` (all 18 governorates present). Every failure
becomes a :class:`~iraq_atlas.errors.Problem` naming file, row, column and reason.

pandera is imported when a schema is first asked for, so importing the package stays quick.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from iraq_atlas.errors import Problem
from iraq_atlas.vocab import IRAQ_BBOX, PLACE_KINDS

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

#: table name → file name in ``geodata/places/``
TABLES: dict[str, str] = {"places": "places.csv", "governorates": "governorates.csv",
                          "foreign_names": "foreign_names.csv", "geonames": "geonames_iq.csv",
                          "outlines": "outlines.geojson"}
#: The columns of ``places.csv``, in file order (the gazetteer's own columns).
PLACE_COLUMNS = ["place_id", "name", "name_ar", "aliases", "kind", "lat", "lon", "precision_m",
                 "geo_precision", "governorate_iso", "parent_id", "source_url", "note"]
#: The columns of ``governorates.csv``.
GOVERNORATE_COLUMNS = ["iso_3166_2", "name_en", "name_ar", "ocha_pcode", "ocha_name",
                       "geoboundaries_name", "variants", "capital_place_id", "region", "source_url"]
#: The columns of ``foreign_names.csv``.
FOREIGN_COLUMNS = ["name", "name_ar", "aliases", "country_iso", "kind", "source_url"]
#: The columns of ``geonames_iq.csv`` the gazetteer reads.
GEONAMES_COLUMNS = ["geonameid", "name", "asciiname", "name_ar", "alternatenames", "lat", "lon",
                    "population", "governorate_iso", "source_url"]
#: An OCHA COD-AB p-code of a governorate, district or sub-district (a ``parent_id`` may be one).
PCODE = re.compile(r"^IQG\d\d(?:Q\d\d(?:N\d\d)?)?$")


def iso_hint(value, row=None) -> str:
    """The correction shown beside an unknown governorate code, when the value names a governorate.

    Parameters
    ----------
    value : object
        The rejected cell.
    row : pandas.Series, optional
        Its row (not used).

    Returns
    -------
    str
        ``" (did you mean IQ-XX?)"``, or ``""`` when the value names no governorate.

    Examples
    --------
    >>> iso_hint("Dhi Qar"), iso_hint("IQ-XX")
    (' (did you mean IQ-DQ?)', '')
    """
    from iraq_atlas.places.governorates import to_iso

    hint = to_iso(str(value))
    return f" (did you mean {hint}?)" if hint else ""


def _swapped_hint(value, row) -> str:
    """Said beside a point outside Iraq whose latitude and longitude fit Iraq the other way round."""
    import pandas as pd

    x0, y0, x1, y1 = IRAQ_BBOX
    lat, lon = row["lat"], row["lon"]
    if pd.notna(lat) and pd.notna(lon) and x0 <= lat <= x1 and y0 <= lon <= y1:
        return " (lat and lon look swapped)"
    return ""


def _every_governorate(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """The table has a row for each of the 18 ISO 3166-2:IQ governorates."""
    from iraq_atlas.places.governorates import iso_codes

    missing = sorted(set(iso_codes()) - set(df["iso_3166_2"]))
    return [Problem(file, None, "iso_3166_2", f"governorates missing: {missing}")] if missing else []


def _columns(pa) -> dict:
    """Column makers shared by the tables (each returns a fresh pandera Column)."""
    from iraq_atlas.places.governorates import iso_codes

    x0, y0, x1, y1 = IRAQ_BBOX
    kinds = sorted(PLACE_KINDS)

    def text(required: bool = False, *checks, unique: bool = False):
        return pa.Column(str, list(checks), nullable=not required, unique=unique, report_duplicates="all")

    def number(required: bool = False, *checks, kind: str = "float64"):
        return pa.Column(kind, list(checks), nullable=not required)

    def within(low: float, high: float, what: str = ""):
        return [pa.Check.ge(low, error=f"{what}must be ≥ {low}"), pa.Check.le(high, error=f"{what}must be ≤ {high}")]

    return {
        "text": text, "number": number, "within": within,
        "id": lambda: text(True, unique=True),
        "iso": lambda unique=False: text(True, pa.Check.isin(sorted(iso_codes()),
                                                             error="unknown ISO 3166-2:IQ code {value!r}"),
                                        unique=unique),
        "url": lambda: text(True, pa.Check.str_matches(r"^https?://",
                                                      error="every row needs a source URL (http or https), "
                                                            "not {value!r}")),
        "kind": lambda: text(True, pa.Check.isin(kinds, error=f"unknown kind {{value!r}}; use one of {kinds}")),
        "lat_iraq": lambda: number(False, pa.Check.in_range(y0, y1, error=f"latitude {{value}} is outside Iraq "
                                                                          f"(bounding box {y0}–{y1})")),
        "lon_iraq": lambda: number(False, pa.Check.in_range(x0, x1, error=f"longitude {{value}} is outside Iraq "
                                                                          f"(bounding box {x0}–{x1})")),
    }


def _places(pa, c) -> dict:
    """The checks of ``places.csv``: columns, and the table-wide checks of a row."""
    def both(missing: str, given: str):
        return pa.Check(lambda df: ~(df[missing].isna() & df[given].notna()), statistics={"column": missing},
                        error=f"{given} is given without {missing}: give both lat and lon, or neither")

    def parent_exists(df):
        parent = df["parent_id"]
        return parent.isna() | parent.isin(df["place_id"]) | parent.str.match(PCODE.pattern).fillna(False)

    columns = {
        "place_id": c["id"](), "name": c["text"](), "name_ar": c["text"](), "aliases": c["text"](),
        "kind": c["kind"](), "lat": c["lat_iraq"](), "lon": c["lon_iraq"](),
        "precision_m": c["number"](False, *c["within"](0, float("inf"))[:1]),
        "geo_precision": c["number"](True, *c["within"](1, 3), kind="Int64"),
        "governorate_iso": c["iso"](), "parent_id": c["text"](), "source_url": c["url"](), "note": c["text"](),
    }
    checks = [both("lat", "lon"), both("lon", "lat"),
              pa.Check(parent_exists, statistics={"column": "parent_id"},
                       error="no place with id {value!r} (a parent is a place_id of the table or an OCHA "
                             "p-code such as IQG08Q03N03)")]
    return {"columns": columns, "checks": checks, "hints": {"governorate_iso": iso_hint, "lat": _swapped_hint}}


@functools.cache
def table_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one curated place table.

    Parameters
    ----------
    table : str
        One of :data:`TABLES`: ``places`` (the curated gazetteer rows),
        ``governorates``, ``foreign_names``, ``geonames`` (GeoNames populated
        places) or ``outlines`` (the properties and geometry of each outline).

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Columns with their types and checks, table-wide checks, and ``metadata``:
        ``file`` (the curated file's name), ``rules`` (table rules) and ``hints``
        (corrections suggested beside a bad value).

    Examples
    --------
    >>> s = table_schema("places")
    >>> s.metadata["file"], s.columns["place_id"].unique, s.columns["lat"].nullable
    ('places.csv', True, True)
    >>> str(s.columns["geo_precision"].dtype), s.columns["geo_precision"].nullable
    ('Int64', False)
    """
    import pandera.pandas as pa

    if table not in TABLES:
        raise ValueError(f"table must be one of {list(TABLES)}, not {table!r}")
    c = _columns(pa)
    text, number, within = c["text"], c["number"], c["within"]
    checks, rules, hints = [], (), {}
    if table == "places":
        spec = _places(pa, c)
        columns, checks, hints = spec["columns"], spec["checks"], spec["hints"]
        order = PLACE_COLUMNS
    elif table == "governorates":
        columns = {name: text() for name in GOVERNORATE_COLUMNS}
        columns.update({"iso_3166_2": c["iso"](unique=True), "source_url": c["url"](),
                        "ocha_pcode": text(False, unique=True)})
        rules, hints, order = (_every_governorate,), {"iso_3166_2": iso_hint}, GOVERNORATE_COLUMNS
    elif table == "foreign_names":
        columns = {name: text() for name in FOREIGN_COLUMNS}
        columns["source_url"] = c["url"]()
        order = FOREIGN_COLUMNS
    elif table == "geonames":
        columns = {name: text() for name in GEONAMES_COLUMNS}
        columns.update({"lat": number(True, *within(-90, 90)), "lon": number(True, *within(-180, 180)),
                        "population": number(False, *within(0, float("inf"))[:1]), "source_url": c["url"]()})
        order = GEONAMES_COLUMNS
    else:  # outlines: one row per feature, its properties and its shape
        columns = {"source_url": c["url"](),
                   "geometry": pa.Column(None, pa.Check(lambda s: s.map(lambda g: g.is_valid),
                                                        error="polygon is not valid"))}
        order = list(columns)
    columns = {name: columns[name] for name in order}
    return pa.DataFrameSchema(columns, checks=checks, strict=False, name=table,
                              metadata={"file": TABLES[table], "rules": rules, "context": (), "hints": hints})


__all__ = ["TABLES", "PLACE_COLUMNS", "GOVERNORATE_COLUMNS", "FOREIGN_COLUMNS", "GEONAMES_COLUMNS", "PCODE",
           "iso_hint", "table_schema"]
