"""The curated place tables' schemas: every rule rejects a bad row, naming file, row, column and reason."""

from __future__ import annotations

import csv
import json

import pytest

from iraq_atlas.errors import DataError
from iraq_atlas.places import gazetteer, governorates
from iraq_atlas.places.schema import (
    FOREIGN_COLUMNS,
    GEONAMES_COLUMNS,
    GOVERNORATE_COLUMNS,
    PLACE_COLUMNS,
    TABLES,
    table_schema,
)

# three good rows: a point, a place taking its parent's point, a place under an OCHA sub-district
PLACES = [
    dict(place_id="green_zone", name="Green Zone", name_ar="المنطقة الخضراء", aliases="IZ", kind="zone",
         lat="33.307577", lon="44.390259", precision_m="1500", geo_precision="2", governorate_iso="IQ-BG",
         parent_id="", source_url="https://en.wikipedia.org/wiki/Green_Zone", note=""),
    dict(place_id="parliament", name="Parliament", name_ar="", aliases="", kind="government", lat="", lon="",
         precision_m="", geo_precision="2", governorate_iso="IQ-BG", parent_id="green_zone",
         source_url="https://example.org/parliament", note=""),
    dict(place_id="mansour", name="Mansour", name_ar="المنصور", aliases="", kind="district", lat="", lon="",
         precision_m="", geo_precision="2", governorate_iso="IQ-BG", parent_id="IQG08Q03N03",
         source_url="http://example.org/mansour", note=""),
]
GEONAMES = [
    dict(geonameid="95788", name="Hīt", asciiname="Hit", name_ar="هيت", alternatenames="Heet", lat="33.64",
         lon="42.83", population="60000", governorate_iso="IQ-AN", source_url="https://www.geonames.org/95788"),
    dict(geonameid="89570", name="Zaxo", asciiname="Zaxo", name_ar="زاخو", alternatenames="Zakho",
         lat="37.14871", lon="42.68591", population="", governorate_iso="IQ-DA",
         source_url="https://www.geonames.org/89570"),
]
FOREIGN = [
    dict(name="Damascus", name_ar="دمشق", aliases="Dimashq", country_iso="SY", kind="city",
         source_url="https://en.wikipedia.org/wiki/Damascus"),
    dict(name="Aleppo", name_ar="حلب", aliases="", country_iso="SY", kind="city",
         source_url="https://en.wikipedia.org/wiki/Aleppo"),
]


def _write(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def _governorate_rows():
    with open(gazetteer.data_path("places", TABLES["governorates"]), encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _load(table, tmp_path, rows, columns=None):
    """Write ``rows`` as the table's file in tmp_path and load it with the table's own loader."""
    name = TABLES[table]
    path = tmp_path / name
    if table == "places":
        return gazetteer.load_places(_write(path, columns or PLACE_COLUMNS, rows))
    if table == "governorates":
        return governorates.load_governorates(_write(path, columns or GOVERNORATE_COLUMNS, rows))
    if table == "geonames":
        return gazetteer.load_geonames(_write(path, columns or GEONAMES_COLUMNS, rows))
    if table == "foreign_names":
        return gazetteer.foreign_names(_write(path, columns or FOREIGN_COLUMNS, rows))
    raise ValueError(table)


BASE = {"places": PLACES, "geonames": GEONAMES, "foreign_names": FOREIGN}


def _edit(table, row, **cells):
    rows = [dict(r) for r in (BASE[table] if table in BASE else _governorate_rows())]
    rows[row - 1].update(cells)
    return rows


def test_the_good_rows_load(tmp_path):
    """The rows the bad cases start from pass: each rejection below is the edited cell's doing."""
    places = _load("places", tmp_path, PLACES)
    assert places.place_id.tolist() == ["green_zone", "parliament", "mansour"]
    assert places.geometry.iloc[0].y == pytest.approx(33.307577) and places.geometry.iloc[1] is None
    assert len(_load("governorates", tmp_path, _governorate_rows())) == 18
    assert _load("geonames", tmp_path, GEONAMES).place_id.tolist() == ["gn_95788", "gn_89570"]
    assert _load("foreign_names", tmp_path, FOREIGN).place_id.tolist() == ["foreign_damascus", "foreign_aleppo"]


CASES = [
    # table, data row, edits, column blamed, words of the reason
    ("places", 2, dict(place_id=""), "place_id", "value is missing"),
    ("places", 3, dict(place_id="green_zone", parent_id=""), "place_id", "duplicate value 'green_zone'"),
    ("places", 1, dict(kind="castle"), "kind", "unknown kind 'castle'; use one of"),
    ("places", 1, dict(kind=""), "kind", "value is missing"),
    ("places", 1, dict(lat="north"), "lat", "not a number: 'north'"),
    ("places", 1, dict(lat="40.5"), "lat", "latitude 40.5 is outside Iraq"),
    ("places", 1, dict(lat="-91"), "lat", "outside Iraq"),
    ("places", 1, dict(lon="50.1"), "lon", "longitude 50.1 is outside Iraq"),
    ("places", 1, dict(lat="44.39", lon="33.31"), "lat", "lat and lon look swapped"),
    ("places", 1, dict(lat=""), "lat", "give both lat and lon, or neither"),
    ("places", 1, dict(lon=""), "lon", "give both lat and lon, or neither"),
    ("places", 1, dict(precision_m="-5"), "precision_m", "must be ≥ 0"),
    ("places", 1, dict(precision_m="about 1 km"), "precision_m", "not a number: 'about 1 km'"),
    ("places", 1, dict(geo_precision=""), "geo_precision", "value is missing"),
    ("places", 1, dict(geo_precision="0"), "geo_precision", "must be ≥ 1"),
    ("places", 1, dict(geo_precision="4"), "geo_precision", "must be ≤ 3"),
    ("places", 1, dict(geo_precision="1.5"), "geo_precision", "not a whole number"),
    ("places", 1, dict(governorate_iso="IQ-XX"), "governorate_iso", "unknown ISO 3166-2:IQ code 'IQ-XX'"),
    ("places", 1, dict(governorate_iso="Baghdad"), "governorate_iso", "(did you mean IQ-BG?)"),
    ("places", 1, dict(governorate_iso=""), "governorate_iso", "value is missing"),
    ("places", 2, dict(parent_id="red_zone"), "parent_id", "no place with id 'red_zone'"),
    ("places", 3, dict(parent_id="IQG99Q"), "parent_id", "no place with id 'IQG99Q'"),
    ("places", 2, dict(source_url=""), "source_url", "value is missing"),
    ("places", 3, dict(source_url="ftp://example.org/x"), "source_url", "needs a source URL (http or https)"),
    ("places", 1, dict(source_url="www.example.org"), "source_url", "not 'www.example.org'"),
    ("governorates", 4, dict(iso_3166_2="IQ-ZZ"), "iso_3166_2", "unknown ISO 3166-2:IQ code 'IQ-ZZ'"),
    ("governorates", 2, dict(iso_3166_2="IQ-AN"), "iso_3166_2", "duplicate value 'IQ-AN'"),
    ("governorates", 3, dict(ocha_pcode="IQG01"), "ocha_pcode", "duplicate value 'IQG01'"),
    ("governorates", 5, dict(source_url="see Wikipedia"), "source_url", "needs a source URL"),
    ("geonames", 1, dict(lat=""), "lat", "value is missing"),
    ("geonames", 2, dict(lat="95"), "lat", "must be ≤ 90"),
    ("geonames", 2, dict(lon="-181"), "lon", "must be ≥ -180"),
    ("geonames", 1, dict(lon="east"), "lon", "not a number: 'east'"),
    ("geonames", 1, dict(population="-3"), "population", "must be ≥ 0"),
    ("geonames", 2, dict(source_url=""), "source_url", "value is missing"),
    ("foreign_names", 2, dict(source_url="wikipedia"), "source_url", "needs a source URL"),
]


@pytest.mark.parametrize("table,row,edits,column,reason", CASES,
                         ids=[f"{t}-{c}-{'-'.join(f'{k}={v}' for k, v in e.items())}" for t, _, e, c, _ in CASES])
def test_each_rule_rejects_a_bad_row(tmp_path, table, row, edits, column, reason):
    with pytest.raises(DataError) as err:
        _load(table, tmp_path, _edit(table, row, **edits))
    where = f"{TABLES[table]}, row {row}, column {column!r}: "
    hits = [str(p) for p in err.value.problems if str(p).startswith(where)]
    assert hits, f"no problem at {where!r} in {[str(p) for p in err.value.problems]}"
    assert any(reason in h for h in hits), hits
    assert where in str(err.value)


def test_duplicate_ids_name_every_row_of_the_id(tmp_path):
    rows = [dict(r) for r in PLACES] + [dict(PLACES[0], lat="33.3", lon="44.4")]
    with pytest.raises(DataError) as err:
        _load("places", tmp_path, rows)
    assert {(p.row, p.column) for p in err.value.problems} == {(1, "place_id"), (4, "place_id")}


def test_every_problem_is_reported_at_once(tmp_path):
    rows = _edit("places", 1, kind="castle", governorate_iso="IQ-XX")
    rows[1].update(parent_id="nowhere", source_url="")
    with pytest.raises(DataError) as err:
        _load("places", tmp_path, rows)
    assert sorted((p.row, p.column) for p in err.value.problems) == [
        (1, "governorate_iso"), (1, "kind"), (2, "parent_id"), (2, "source_url")]


def test_a_cell_that_is_not_a_number_is_reported_once(tmp_path):
    """Not a number is the reason; the missing-partner check does not blame the same cell again."""
    with pytest.raises(DataError) as err:
        _load("places", tmp_path, _edit("places", 1, lat="north"))
    assert [(p.row, p.column, p.reason) for p in err.value.problems] == [(1, "lat", "not a number: 'north'")]


@pytest.mark.parametrize("table,column", [("places", "kind"), ("places", "source_url"),
                                          ("governorates", "ocha_pcode"), ("geonames", "population"),
                                          ("foreign_names", "source_url")])
def test_a_missing_column_is_named(tmp_path, table, column):
    columns = {"places": PLACE_COLUMNS, "governorates": GOVERNORATE_COLUMNS, "geonames": GEONAMES_COLUMNS,
               "foreign_names": FOREIGN_COLUMNS}[table]
    rows = [{k: v for k, v in r.items() if k != column}
            for r in (BASE[table] if table in BASE else _governorate_rows())]
    with pytest.raises(DataError) as err:
        _load(table, tmp_path, rows, columns=[c for c in columns if c != column])
    assert [str(p) for p in err.value.problems] == [f"{TABLES[table]}, column {column!r}: required column is missing"]


def test_a_missing_governorate_is_named(tmp_path):
    rows = [r for r in _governorate_rows() if r["iso_3166_2"] != "IQ-MU"]
    with pytest.raises(DataError) as err:
        _load("governorates", tmp_path, rows)
    assert [str(p) for p in err.value.problems] == [
        "governorates.csv, column 'iso_3166_2': governorates missing: ['IQ-MU']"]


def _outline(source_url, ring):
    return {"type": "Feature", "properties": {"place_id": "zone", "source_url": source_url},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_outlines_reject_an_invalid_polygon_and_a_missing_source(tmp_path):
    square = [[44.0, 33.0], [44.1, 33.0], [44.1, 33.1], [44.0, 33.1], [44.0, 33.0]]
    bowtie = [[44.0, 33.0], [44.1, 33.1], [44.1, 33.0], [44.0, 33.1], [44.0, 33.0]]
    path = tmp_path / "outlines.geojson"
    good = {"type": "FeatureCollection", "features": [_outline("https://example.org/zone", square)]}
    path.write_text(json.dumps(good), encoding="utf-8")
    assert gazetteer.outlines.__wrapped__(path).place_id.tolist() == ["zone"]
    bad = {"type": "FeatureCollection", "features": [_outline("https://example.org/zone", square),
                                                     _outline("https://example.org/zone", bowtie),
                                                     _outline("", square)]}
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(DataError) as err:
        gazetteer.outlines.__wrapped__(path)
    assert sorted(str(p) for p in err.value.problems) == [
        "outlines.geojson, row 2, column 'geometry': polygon is not valid",
        "outlines.geojson, row 3, column 'source_url': value is missing"]


def test_the_schemas_hold_the_tables_columns():
    assert list(table_schema("places").columns) == PLACE_COLUMNS == gazetteer.COLUMNS
    assert list(table_schema("governorates").columns) == GOVERNORATE_COLUMNS == governorates.COLUMNS
    assert list(table_schema("geonames").columns) == GEONAMES_COLUMNS
    assert list(table_schema("foreign_names").columns) == FOREIGN_COLUMNS
    with pytest.raises(ValueError, match="table must be one of"):
        table_schema("rivers")
