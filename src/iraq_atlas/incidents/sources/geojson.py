"""GeoJSON point files: each Feature's properties are the row, its Point the coordinates.

Properties go through the same column mapping as :mod:`generic` tables; the
Point gives ``longitude``/``latitude`` unless the mapping names other columns.
A feature without a Point geometry keeps empty coordinates (so it is placed by
its location name, or rejected) and its problem is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.incidents.sources import generic

name = "geojson"
description = "a GeoJSON FeatureCollection of Point features (properties mapped like a generic table)"
kinds = ("geojson",)
require_source_url = False

LON, LAT = "geometry_longitude", "geometry_latitude"


def sniff(header: set[str]) -> bool:
    """True for a GeoJSON FeatureCollection (its header is its top-level keys).

    Parameters
    ----------
    header : set of str
        The document's top-level keys (see :func:`iraq_atlas.incidents.sources.read_header`).

    Returns
    -------
    bool

    Examples
    --------
    >>> sniff({"type", "features"})
    True
    """
    return {"type", "features"} <= header


def read_features(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features as text rows (properties plus the Point's coordinates) and geometry problems.

    Parameters
    ----------
    path : Path
        A GeoJSON FeatureCollection.

    Returns
    -------
    table : pandas.DataFrame
        ``_row``, each property as text, and the Point's ``geometry_longitude`` and
        ``geometry_latitude`` (empty without a Point).
    problems : pandas.DataFrame
        Each feature without a Point geometry (``_row``, ``column``, ``reason``).

    Raises
    ------
    DataError
        When the file is not a GeoJSON FeatureCollection.

    Examples
    --------
    Two features, the second without a geometry:

    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> point = {"type": "Point", "coordinates": [44.3661, 33.3152]}
    >>> _ = (d / "events.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": point, "properties": {"when": "2021-03-07", "kind": "Protests"}},
    ...     {"type": "Feature", "geometry": None, "properties": {"when": "2021-03-08", "kind": "Protests"}}]}))
    >>> table, problems = read_features(d / "events.geojson")
    >>> list(table.columns)
    ['_row', 'when', 'kind', 'geometry_longitude', 'geometry_latitude']
    >>> table.values.tolist()
    [[1, '2021-03-07', 'Protests', '44.3661', '33.3152'], [2, '2021-03-08', 'Protests', '', '']]
    >>> problems.values.tolist()
    [[2, 'geometry', 'no geometry']]
    """
    from iraq_atlas.files import record_read
    from iraq_atlas.incidents.sources._common import no_problems

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([Problem(path.name, None, None, f"not GeoJSON: {exc}")]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataError([Problem(path.name, None, None, "not a GeoJSON FeatureCollection")])
    record_read(path)
    rows, probs = [], []
    for i, feat in enumerate(doc["features"], start=1):
        props = (feat or {}).get("properties") or {}
        row = {str(k): generic._cell_text(v) for k, v in props.items()}
        geom = (feat or {}).get("geometry")
        lon = lat = ""
        if isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list) \
                and len(geom["coordinates"]) >= 2:
            lon, lat = (generic._cell_text(v) for v in geom["coordinates"][:2])
        else:
            kind = geom.get("type") if isinstance(geom, dict) else None
            probs.append({"_row": i, "column": "geometry",
                          "reason": "no geometry" if kind is None else f"geometry is a {kind}, not a Point"})
        row[LON], row[LAT] = lon, lat
        rows.append(row)
    table = pd.DataFrame(rows, dtype=object).fillna("") if rows else pd.DataFrame(columns=[LON, LAT])
    table.insert(0, "_row", range(1, len(table) + 1))
    problems = pd.DataFrame(probs, columns=["_row", "column", "reason"]).astype({"_row": "int64"}) if probs \
        else no_problems()
    return table, problems


def read(path: Path, *, columns: dict[str, str] | None = None, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A GeoJSON point file as schema-shaped text rows (see :func:`generic.frame_from_table`).

    Parameters
    ----------
    path : Path
        A GeoJSON FeatureCollection of Point features.
    columns : dict, optional
        Schema column → property name; the Point gives ``longitude`` and
        ``latitude`` unless mapped here. The default mapping when omitted.
    **options
        ``event_types``, ``dayfirst``, ``id_prefix``, ``dataset``, ``country``, as
        for :func:`generic.frame_from_table`.

    Returns
    -------
    frame : pandas.DataFrame
        Schema-shaped text rows with ``_row``, ``dataset`` and ``_country``.
    problems : pandas.DataFrame
        Broken rows, and features without a Point that nothing else places.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> point = {"type": "Point", "coordinates": [44.3661, 33.3152]}
    >>> _ = (d / "events.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": point, "properties": {"when": "2021-03-07", "kind": "Protests"}},
    ...     {"type": "Feature", "geometry": None, "properties": {"when": "2021-03-08", "kind": "Protests"}}]}))
    >>> frame, problems = read(d / "events.geojson", columns={"date": "when", "event_type": "kind"})
    >>> frame[["event_id_cnty", "event_date", "latitude", "longitude", "dataset"]].values.tolist()
    [['events-1', '2021-03-07', '33.3152', '44.3661', 'geojson'], ['events-2', '2021-03-08', '', '', 'geojson']]
    >>> problems.values.tolist()
    [[2, 'geometry', 'no geometry']]
    """
    table, geo_problems = read_features(path)
    header = [c for c in table.columns if c not in ("_row", LON, LAT)]
    mapping = dict(generic.resolve_mapping(columns, header + [LON, LAT]) if columns is not None
                   else generic.default_mapping(header))
    mapping.setdefault("longitude", LON)
    mapping.setdefault("latitude", LAT)
    options.setdefault("dataset", "geojson")
    frame, problems = generic.frame_from_table(table, path, columns=mapping, **options)
    # a feature without a Point is a problem only when nothing else places it
    if len(geo_problems) and mapping["latitude"] == LAT:
        unplaced = frame.set_index("_row")
        keep = geo_problems["_row"].map(lambda r: unplaced.at[r, "location"] == "" and unplaced.at[r, "place_id"] == "")
        geo_problems = geo_problems[keep.astype(bool)]
    return frame, pd.concat([problems, geo_problems], ignore_index=True)
