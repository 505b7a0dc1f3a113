"""Incident sources: the registry, generic tables (CSV, Parquet, Excel), GeoJSON points, the
streaming Iraq filter of whole-region ACLED exports, unknown injuries; small files written here."""

from __future__ import annotations

import csv
import datetime as dt
import json
import types
from pathlib import Path

import pandas as pd
import pytest

import iraq_atlas.incidents as incidents
from iraq_atlas.cli import build_parser, main
from iraq_atlas.errors import DataError, ParameterError
from iraq_atlas.incidents import sources
from iraq_atlas.incidents.sources import _common, acled, generic

BAGHDAD = ("33.31", "44.39")
MOSUL = ("36.34", "43.13")
HEADER = ["Ref", "Date", "Lat", "Lon", "Type", "Sub", "Killed", "Summary", "URL", "Country", "Place"]


def _row(**kw) -> dict:
    base = {"Ref": "", "Date": "07/11/2021", "Lat": BAGHDAD[0], "Lon": BAGHDAD[1], "Type": "Explosions/Remote violence",
            "Sub": "Air/drone strike", "Killed": "0", "Summary": "strike", "URL": "https://example.org/a",
            "Country": "Iraq", "Place": "Baghdad"}
    base.update(kw)
    return base


GENERIC_ROWS = [
    _row(Ref="G1"),                                                        # 1 ok
    _row(Ref="G2", Date="25/12/2021", Lat=MOSUL[0], Lon=MOSUL[1], Type="battles", Sub="armed clash",
         Killed="3"),                                                      # 2 ok (ACLED names in any case)
    _row(Ref="G3", Date="31/02/2021"),                                     # 3 not a calendar day
    _row(Ref="G4", Type="Airstrike", Sub=""),                              # 4 mapped type value
    _row(Ref="G5", Type="Shelling"),                                       # 5 unknown type
    _row(Ref="G6", Lat="44.39", Lon="33.31"),                              # 6 swapped
    _row(Ref="G7", Killed="-2"),                                           # 7 negative
    _row(Ref="G8", Killed="two"),                                          # 8 not a number
    _row(Ref="G9", Lat="35.0", Lon=""),                                    # 9 one coordinate only
    _row(Ref="G1"),                                                        # 10 duplicate id
    _row(Ref="G11", Country="Syria", Lat="33.51", Lon="36.29"),           # 11 another country: excluded
    _row(Ref="G12", Date="yesterday"),                                     # 12 no date form
]
MAPPING = {"id": "Ref", "date": "Date", "latitude": "Lat", "longitude": "Lon", "event_type": "Type",
           "sub_event_type": "Sub", "fatalities": "Killed", "notes": "Summary", "source_url": "URL",
           "country": "Country", "location": "Place"}
TYPES = {"Airstrike": "Explosions/Remote violence|Air/drone strike"}


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def _reasons(s, row: int) -> str:
    return " | ".join(s.rejected.loc[s.rejected.row == row, "reason"])


# -- registry ------------------------------------------------------------------------
def test_registry_lists_every_source_in_detection_order_and_the_cli_offers_them():
    assert sources.FORMATS == ("curated", "acled", "ucdp", "generic", "geojson") == incidents.FORMATS
    for name in sources.FORMATS:
        src = sources.get_source(name)
        assert src.name == name and src.description and callable(src.sniff) and callable(src.read)
        assert isinstance(src, sources.Source)
    assert list(sources.describe()["format"]) == list(sources.FORMATS)
    with pytest.raises(ParameterError, match="generic"):
        sources.get_source("nope")
    args = build_parser().parse_args(["incidents", "--format-in", "geojson"])
    assert args.format_in == "geojson"


def test_a_registered_source_is_detected_and_loaded(tmp_path):
    path = _write_csv(tmp_path / "mine.csv", ["my_id", "when", "y", "x"],
                      [{"my_id": "M1", "when": "2021-11-07", "y": BAGHDAD[0], "x": BAGHDAD[1]}])

    def read(p, **options):
        raw = generic.read_table(p)
        return generic.frame_from_table(raw, p, columns={"id": "my_id", "date": "when", "latitude": "y",
                                                         "longitude": "x", "event_type": "my_id"},
                                        event_types={"M1": "Protests|Peaceful protest"}, dataset="mine")

    mine = types.SimpleNamespace(name="mine", description="test", kinds=("csv",),
                                 sniff=lambda h: "my_id" in h, read=read)
    sources.register(mine)
    try:
        assert sources.detect_format(path) == "mine"
        s = incidents.load_incidents(path)
        assert s.format == "mine" and list(s.accepted.dataset) == ["mine"]
        assert s.accepted.iloc[0].event_type == "Protests"
    finally:
        del sources.SOURCES["mine"]


def test_detection_by_file_kind(tmp_path):
    csv_path = _write_csv(tmp_path / "g.csv", HEADER, GENERIC_ROWS[:1])
    assert sources.detect_format(csv_path) == "generic"
    gj = tmp_path / "p.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    assert sources.detect_format(gj) == "geojson"
    odd = _write_csv(tmp_path / "odd.csv", ["a", "b"], [{"a": "1", "b": "2"}])
    with pytest.raises(DataError, match="cannot tell the format"):  # the library's own error, a ValueError
        sources.detect_format(odd)


# -- generic tables ----------------------------------------------------------------
def test_generic_csv_every_kind_of_row_and_the_accounting(tmp_path):
    path = _write_csv(tmp_path / "mine.csv", HEADER, GENERIC_ROWS)
    s = incidents.load_incidents(path, "generic", columns=MAPPING, event_types=TYPES)
    assert len(s.accepted) + len(s.rejected) + len(s.excluded) == len(GENERIC_ROWS)
    assert sorted(s.accepted.event_id_cnty) == ["G1", "G2", "G4"]
    acc = s.accepted.set_index("event_id_cnty")
    assert acc.loc["G2", "event_type"] == "Battles" and acc.loc["G2", "sub_event_type"] == "Armed clash"
    assert acc.loc["G2", "event_date"] == pd.Timestamp("2021-12-25") and acc.loc["G2", "admin1"] == "IQ-NI"
    assert acc.loc["G4", "sub_event_type"] == "Air/drone strike"
    assert acc.loc["G1", "source_url"] == "https://example.org/a" and acc.loc["G1", "dataset"] == "generic"
    assert pd.isna(acc.loc["G1", "injuries"])  # no injuries column: unknown, not 0
    assert sorted(s.rejected.row) == [3, 5, 6, 7, 8, 9, 10, 12]
    assert "not a date: '31/02/2021'" in _reasons(s, 3)
    assert "unknown event type 'Shelling'" in _reasons(s, 5)
    assert "swapped" in _reasons(s, 6)
    assert "must be 0 or more" in _reasons(s, 7)
    assert "not a number: 'two'" in _reasons(s, 8)
    assert "give both latitude and longitude" in _reasons(s, 9)
    assert "duplicate id 'G1'" in _reasons(s, 10)
    assert "not a date: 'yesterday'" in _reasons(s, 12)
    assert list(s.excluded.row) == [11] and "country is 'Syria', not Iraq" in s.excluded.reason.iloc[0]
    assert "date: day-first DD/MM/YYYY in 11 rows" in s.notes
    assert "date: 1 rows in no known date form" in s.notes
    assert "day-first" in s.summary()


def test_generic_dates_month_first_iso_and_names(tmp_path):
    iso, notes = generic.convert_dates(pd.Series(["11/25/2021", "01/02/2022", ""]))
    assert list(iso) == ["2021-11-25", "2022-01-02", ""]
    assert notes == ["date: month-first MM/DD/YYYY in 2 rows"]
    iso, notes = generic.convert_dates(pd.Series(["2021-11-07", "7 November 2021", "Nov 8, 2021"]))
    assert list(iso) == ["2021-11-07", "2021-11-07", "2021-11-08"]
    assert notes[0] == "date: ISO YYYY-MM-DD in 1 rows" and len(notes) == 3
    iso, notes = generic.convert_dates(pd.Series(["01/02/2022"]), dayfirst=False)
    assert list(iso) == ["2022-01-02"] and "as asked" in notes[0]
    iso, notes = generic.convert_dates(pd.Series(["01/02/2022"]))
    assert list(iso) == ["2022-02-01"] and "assumed" in notes[0]


def test_generic_without_ids_numbers_rows_and_a_time_window(tmp_path):
    rows = [_row(Date="2021-11-0" + str(d)) for d in (5, 6, 7)]
    path = _write_csv(tmp_path / "noid.csv", HEADER, rows)
    mapping = {k: v for k, v in MAPPING.items() if k != "id"}
    s = incidents.load_incidents(path, "generic", "2021-11-06", None, columns=mapping)
    assert sorted(s.accepted.event_id_cnty) == ["noid-2", "noid-3"]
    assert list(s.excluded.row) == [1] and "outside" in s.excluded.reason.iloc[0]


def test_generic_mapping_errors_name_the_column(tmp_path):
    path = _write_csv(tmp_path / "mine.csv", HEADER, GENERIC_ROWS[:1])
    with pytest.raises(ParameterError, match="'Fatal'"):
        incidents.load_incidents(path, "generic", columns={**MAPPING, "fatalities": "Fatal"})
    with pytest.raises(ParameterError, match="'killed_total'"):
        incidents.load_incidents(path, "generic", columns={**MAPPING, "killed_total": "Killed"})
    with pytest.raises(ParameterError, match="event_type"):
        incidents.load_incidents(path, "generic", columns={"date": "Date", "latitude": "Lat", "longitude": "Lon"})
    with pytest.raises(ParameterError, match="'Air strikes'"):
        incidents.load_incidents(path, "generic", columns=MAPPING, event_types={"Airstrike": "Air strikes"})
    with pytest.raises(ParameterError, match="takes no options"):
        incidents.load_incidents(path, "acled", columns=MAPPING)
    acled_like = _write_csv(tmp_path / "acled_like.csv", [*acled.ACLED_COLUMNS, "Killed"],
                            [{**_acled_row(1, "Iraq"), "Killed": "4"}])
    assert sources.detect_format(acled_like) == "acled"
    own = incidents.load_incidents(acled_like, columns={"date": "event_date", "latitude": "latitude",
                                                        "longitude": "longitude", "event_type": "event_type",
                                                        "sub_event_type": "sub_event_type", "fatalities": "Killed"})
    assert own.format == "generic" and list(own.accepted.fatalities) == [4]  # a mapping means your own table


def test_generic_without_a_mapping_uses_schema_names_and_aliases(tmp_path):
    path = _write_csv(tmp_path / "plain.csv", ["date", "lat", "lon", "event_type", "sub_event_type"],
                      [{"date": "2021-11-07", "lat": BAGHDAD[0], "lon": BAGHDAD[1], "event_type": "Protests",
                        "sub_event_type": "Peaceful protest"}])
    s = incidents.load_incidents(path)
    assert s.format == "generic" and len(s.accepted) == 1 and s.accepted.iloc[0].admin1 == "IQ-BG"


def test_generic_excel_and_parquet_give_the_same_rows(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in GENERIC_ROWS[:2]:
        day, month, year = (int(x) for x in r["Date"].split("/"))
        ws.append([r["Ref"], dt.datetime(year, month, day), float(r["Lat"]), float(r["Lon"]), r["Type"], r["Sub"],
                   int(r["Killed"]), r["Summary"], r["URL"], r["Country"], r["Place"]])
    xlsx = tmp_path / "mine.xlsx"
    wb.save(xlsx)
    assert sources.detect_format(xlsx) == "generic"
    from_xlsx = incidents.load_incidents(xlsx, "generic", columns=MAPPING)
    assert sorted(from_xlsx.accepted.event_id_cnty) == ["G1", "G2"] and from_xlsx.rejected.empty
    assert "date: ISO YYYY-MM-DD in 2 rows" in from_xlsx.notes  # Excel dates are dates, not text
    assert from_xlsx.accepted.set_index("event_id_cnty").loc["G2", "fatalities"] == 3

    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    table = pa.table({"Ref": ["G1", "G2"], "Date": [dt.date(2021, 11, 7), dt.date(2021, 12, 25)],
                      "Lat": [33.31, 36.34], "Lon": [44.39, 43.13], "Type": ["Explosions/Remote violence", "Battles"],
                      "Sub": ["Air/drone strike", "Armed clash"], "Killed": [0, 3], "Summary": ["a", "b"],
                      "URL": ["https://example.org/a"] * 2, "Country": ["Iraq"] * 2, "Place": ["Baghdad", "Mosul"]})
    path = tmp_path / "mine.parquet"
    pq.write_table(table, path)
    assert sources.detect_format(path) == "generic"
    from_pq = incidents.load_incidents(path, "generic", columns=MAPPING)
    cols = ["event_id_cnty", "event_date", "event_type", "latitude", "longitude", "fatalities", "admin1"]
    pd.testing.assert_frame_equal(pd.DataFrame(from_pq.accepted[cols]).sort_values("event_id_cnty").reset_index(drop=True),
                                  pd.DataFrame(from_xlsx.accepted[cols]).sort_values("event_id_cnty").reset_index(drop=True))


# -- GeoJSON -------------------------------------------------------------------------
def test_geojson_points_and_bad_features(tmp_path):
    def feat(props, geom):
        return {"type": "Feature", "properties": props, "geometry": geom}

    props = {"id": "J1", "date": "2021-11-07", "type": "Protests", "sub_event_type": "Peaceful protest", "killed": 0}
    doc = {"type": "FeatureCollection", "features": [
        feat(props, {"type": "Point", "coordinates": [44.39, 33.31]}),                                 # 1 ok
        feat({**props, "id": "J2"}, {"type": "Polygon", "coordinates": [[[44, 33], [45, 33], [45, 34], [44, 33]]]}),
        feat({**props, "id": "J3"}, None),                                                            # 3 none
        feat({**props, "id": "J4", "date": "2021-13-01"}, {"type": "Point", "coordinates": [43.13, 36.34]}),
    ]}
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    s = incidents.load_incidents(path)
    assert s.format == "geojson"
    assert list(s.accepted.event_id_cnty) == ["J1"] and s.accepted.iloc[0].admin1 == "IQ-BG"
    assert s.accepted.iloc[0].dataset == "geojson"
    assert sorted(s.rejected.row) == [2, 3, 4]
    assert "geometry is a Polygon, not a Point" in _reasons(s, 2)
    assert "no geometry" in _reasons(s, 3)
    assert "not a date" in _reasons(s, 4)
    assert s.input_rows == 4


# -- whole-region ACLED exports --------------------------------------------------------
def _acled_row(i: int, country: str) -> dict:
    row = dict.fromkeys(acled.ACLED_COLUMNS, "")
    iraq = country == "Iraq"
    row.update(event_id_cnty=f"{country[:3].upper()}{i}", event_date="2021-11-07", year="2021", time_precision="1",
               event_type="Protests", sub_event_type="Peaceful protest", country=country,
               iso="368" if iraq else "760", admin1="Baghdad" if iraq else "Damascus",
               location="Baghdad" if iraq else "Damascus", latitude=BAGHDAD[0] if iraq else "33.51",
               longitude=BAGHDAD[1] if iraq else "36.29", geo_precision="1", fatalities="0")
    return row


def test_region_export_is_filtered_to_iraq_while_streaming(tmp_path, monkeypatch):
    countries = ["Syria", "Iraq", "Lebanon", "Jordan", "Iran"]
    rows = [_acled_row(i, countries[i % 5]) for i in range(20_000)]
    rows[7] = {**_acled_row(7, "Iraq"), "country": " iraq "}  # any case, any spaces
    path = _write_csv(tmp_path / "middle_east.csv", acled.ACLED_COLUMNS, rows)
    monkeypatch.setattr(_common, "_STREAM_BLOCK_SIZE", 64 << 10)  # many blocks from a small file
    blocks = []
    real = _common.stream_filtered

    def spy(*a, **k):
        out = real(*a, **k)
        blocks.append(out)
        return out

    monkeypatch.setattr(acled, "stream_filtered", spy)
    frame, problems, excluded = acled.read(path)
    n_iraq = sum(1 for i in range(20_000) if i % 5 == 1) + 1
    assert blocks and blocks[0] is not None
    assert len(frame) == n_iraq  # only the Iraq rows were kept in memory
    assert set(frame["country"].str.lower()) == {"iraq"} and len(excluded) == 20_000 - n_iraq

    s = incidents.load_incidents(path, "acled")
    assert len(s.accepted) == n_iraq and s.rejected.empty
    assert len(s.accepted) + len(s.rejected) + len(s.excluded) == 20_000
    assert s.excluded.row.is_monotonic_increasing and s.excluded.row.iloc[0] == 1
    assert s.excluded.reason.iloc[0] == "country is 'Syria', not Iraq"
    assert set(s.excluded.reason.str.extract(r"'(\w+)'")[0]) == {"Syria", "Lebanon", "Jordan", "Iran"}
    # the same answer as the whole-file path
    monkeypatch.setattr(acled, "stream_filtered", lambda *a, **k: None)
    whole = incidents.load_incidents(path, "acled")
    pd.testing.assert_frame_equal(whole.excluded, s.excluded, check_dtype=False)  # streamed text stays in Arrow
    pd.testing.assert_frame_equal(pd.DataFrame(whole.accepted.drop(columns="geometry")),
                                  pd.DataFrame(s.accepted.drop(columns="geometry")))


@pytest.mark.parametrize("column", ["timestamp", "notes"])
@pytest.mark.slow
def test_a_quoted_line_break_where_a_block_ends_keeps_its_row_whole(tmp_path, monkeypatch, column):
    # a value whose second line has as many fields as a row; cut at its line break, it once read
    # as a row of its own ("timestamp", the last column: row 19 of 18) or lost its row's end
    rows = [_acled_row(i, "Iraq") for i in range(18)]
    for row in rows:
        row[column] = "first line\n" + "," * (len(acled.ACLED_COLUMNS) - 1) + "x" * 300
    rows[9]["fatalities"] = "many"  # row numbers still count rows, not lines
    path = _write_csv(tmp_path / "breaks.csv", acled.ACLED_COLUMNS, rows)
    real, calls = _common.stream_filtered, []
    monkeypatch.setattr(acled, "stream_filtered", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    outcomes = set()
    for block in range(3000, 9000, 97):  # blocks cut at every kind of place in the rows
        monkeypatch.setattr(_common, "_STREAM_BLOCK_SIZE", block)
        s = incidents.load_incidents(path, "acled")
        outcomes.add((len(s.accepted), len(s.excluded), tuple(s.rejected.row), tuple(s.accepted.event_id_cnty)))
    assert all(c is not None for c in calls)  # every read streamed
    assert outcomes == {(17, 0, (10,), tuple(f"IRA{i}" for i in range(18) if i != 9))}
    if column == "notes":
        assert s.accepted["notes"].iloc[0] == rows[0]["notes"]
    monkeypatch.setattr(acled, "stream_filtered", lambda *a, **k: None)
    careful = incidents.load_incidents(path, "acled")  # the careful reader agrees
    pd.testing.assert_frame_equal(pd.DataFrame(careful.accepted.drop(columns="geometry")),
                                  pd.DataFrame(s.accepted.drop(columns="geometry")))
    pd.testing.assert_frame_equal(careful.rejected, s.rejected, check_dtype=False)


def test_region_export_with_a_date_window_counts_both_exclusions(tmp_path):
    rows = [_acled_row(i, "Iraq" if i % 2 else "Syria") for i in range(10)]
    rows[1]["event_date"] = "2020-01-01"
    path = _write_csv(tmp_path / "two.csv", acled.ACLED_COLUMNS, rows)
    s = incidents.load_incidents(path, "acled", "2021-01-01", "2021-12-31")
    assert len(s.accepted) == 4 and len(s.excluded) == 6
    assert list(s.excluded.row) == [1, 2, 3, 5, 7, 9]  # in file order, whichever way they were excluded
    assert "outside" in s.excluded.set_index("row").loc[2, "reason"]


# -- governorate names, unknown counts -------------------------------------------------
def test_halabja_rows_are_accepted(tmp_path):
    row = _acled_row(1, "Iraq")
    row.update(admin1="Halabja", location="Halabja", latitude="35.18", longitude="45.99")
    s = incidents.load_incidents(_write_csv(tmp_path / "h.csv", acled.ACLED_COLUMNS, [row]), "acled")
    # places.governorates.ADMIN1_RULES: ISO 3166-2:IQ and OCHA keep Halabja inside Sulaymaniyah
    assert list(s.accepted.admin1) == ["IQ-SU"] and s.rejected.empty


# admin1 spellings met in ACLED, UCDP and users' exports (docs/incidents.md, "Governorate names")
SPELLINGS = {"Halabja Governorate": "IQ-SU", "Halabjah": "IQ-SU", "Sulaimaniya": "IQ-SU", "As Sulaymaniyah": "IQ-SU",
             "Ninawa": "IQ-NI", "Nineveh": "IQ-NI", "Dohuk": "IQ-DA", "Salah al-Din": "IQ-SD", "Saladin": "IQ-SD",
             "Al Anbar": "IQ-AN", "Basrah": "IQ-BA", "Thi Qar": "IQ-DQ", "Missan": "IQ-MA", "Al-Qadisiyyah": "IQ-QA",
             "Kerbala": "IQ-KA", "Babylon": "IQ-BB", "Arbil": "IQ-AR", "Erbil province": "IQ-AR", "IQG08": "IQ-BG",
             "Kirkuk": "IQ-KI", "Diyala": "IQ-DI", "Wasit": "IQ-WA", "Najaf": "IQ-NA", "Al Muthanna": "IQ-MU"}


def test_admin1_spellings_map_to_iso_codes_and_an_unknown_one_is_rejected(tmp_path):
    rows = []
    for i, name in enumerate([*SPELLINGS, "Kurdistan Region"]):
        row = _acled_row(i, "Iraq")
        row["admin1"] = name
        rows.append(row)
    s = incidents.load_incidents(_write_csv(tmp_path / "spell.csv", acled.ACLED_COLUMNS, rows), "acled")
    assert list(s.accepted.admin1) == list(SPELLINGS.values())
    assert list(s.rejected.reason) == ["unknown governorate 'Kurdistan Region'"]
    assert list(s.rejected.row) == [len(SPELLINGS) + 1]


def test_unknown_injuries_stay_unknown_and_the_summary_counts_them(tmp_path):
    from iraq_atlas import analysis as merge
    from iraq_atlas.elections import load_elections
    from iraq_atlas.places.boundaries import Boundaries, tile_grid

    rows = [_acled_row(i, "Iraq") for i in range(3)]
    rows[0]["fatalities"] = "2"
    s = incidents.load_incidents(_write_csv(tmp_path / "a.csv", acled.ACLED_COLUMNS, rows), "acled")
    assert s.accepted["injuries"].isna().all() and s.accepted["fatalities"].notna().all()
    joined = merge.join_incidents(s.accepted, Boundaries(tile_grid(), "ADM1", "fallback", "tile-grid", "tile grid"))
    summary = merge.governorate_summary(joined, load_elections()).set_index("iso_3166_2")
    bg = summary.loc["IQ-BG"]
    assert (bg.incidents, bg.fatalities, bg.fatalities_unknown) == (3, 2, 0)
    assert (bg.injuries, bg.injuries_unknown) == (0, 3)  # none known, three rows not counted


# -- command line ----------------------------------------------------------------------
def test_cli_generic_with_columns_inline_and_from_yaml(tmp_path, capsys):
    path = _write_csv(tmp_path / "mine.csv", HEADER, GENERIC_ROWS)
    inline = ",".join(f"{k}={v}" for k, v in MAPPING.items())
    code = main(["incidents", "--source", str(path), "--format-in", "generic", "--columns", inline,
                 "--event-types", "Airstrike=Explosions/Remote violence|Air/drone strike", "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out), dtype=str)
    assert sorted(table.event_id_cnty) == ["G1", "G2", "G4"]
    assert "accepted 3, rejected 8" in err and "day-first" in err
    yaml_path = tmp_path / "mapping.yaml"
    yaml_path.write_text("".join(f"{k}: {v}\n" for k, v in MAPPING.items()), encoding="utf-8")
    assert main(["incidents", "--source", str(path), "--columns", str(yaml_path), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "accepted 2, rejected 9" in err  # the Airstrike row is unknown without the value mapping
    assert main(["incidents", "--source", str(path), "--columns", "date=Datum", "--format", "csv"]) == 2
    assert "'Datum'" in capsys.readouterr().err


def test_docs_list_every_format():
    text = (Path(__file__).resolve().parents[2] / "docs" / "incidents.md").read_text(encoding="utf-8")
    for name in sources.FORMATS:
        assert f"| `{name}` |" in text, name


@pytest.mark.parametrize("fmt,header", [("acled", "event_id_cnty,event_date,notes,notes"),
                                        ("curated", "event_id_cnty,event_date,fatalities,fatalities,source_url")])
def test_a_header_naming_a_column_twice_is_refused(tmp_path, fmt, header):
    from iraq_atlas.errors import DataError
    from iraq_atlas.incidents import load_incidents

    path = tmp_path / "twice.csv"
    path.write_text(header + "\n" + ",".join(["x"] * len(header.split(","))) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_incidents(path, fmt)
    (problem,) = err.value.problems
    twice = header.split(",")[-2] if fmt == "acled" else "fatalities"
    assert (problem.file, problem.row, problem.column) == ("twice.csv", None, twice)  # the header, not a data row
    assert "names this column 2 times" in problem.reason


def test_ucdp_precision_codes_stay_whole_numbers_beside_a_bad_code(tmp_path):
    from iraq_atlas.incidents.sources import ucdp

    head = ("id,type_of_violence,side_a,side_b,where_prec,where_description,adm_1,latitude,longitude,country,"
            "date_prec,date_start,best,low,high\n")
    rows = ["1,1,A,B,1,x,Baghdad governorate,33.3,44.4,Iraq,1,2021-11-07,1,1,1",
            "2,1,A,B,6,x,Baghdad governorate,33.3,44.4,Iraq,9,2021-11-07,1,1,1"]
    path = tmp_path / "ged.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    frame = ucdp.read(path)[0]
    assert frame["geo_precision"].iloc[0] == "1" and frame["time_precision"].iloc[0] == "1"


@pytest.mark.parametrize("column", ["timestamp", "notes"])
def test_a_quoted_line_break_keeps_its_row_whole_in_the_parallel_reader(tmp_path, monkeypatch, column):
    """The whole-file reader (used when a file is not streamed: other formats, unusual files) cuts its
    blocks between rows too, whatever the block size, so no row is lost or made up."""
    rows = [_acled_row(i, "Iraq") for i in range(18)]
    for row in rows:
        row[column] = "first line\n" + "," * (len(acled.ACLED_COLUMNS) - 1) + "x" * 300
    path = _write_csv(tmp_path / "breaks.csv", acled.ACLED_COLUMNS, rows)
    with open(path, encoding="utf-8", newline="") as f:  # what the file holds, read by the csv module
        expected = [r[column] for r in csv.DictReader(f)]
    monkeypatch.setattr(acled, "stream_filtered", lambda *a, **k: None)
    for block in range(3000, 9000, 97):
        monkeypatch.setattr(_common, "_BLOCK_SIZE", block)
        df = _common._read_export(path, ["event_id_cnty"])
        assert df["_row"].tolist() == list(range(1, 19)), block
        assert df[column].tolist() == [v.strip() for v in expected], block


def test_generic_table_without_a_sub_type_column_is_accepted_and_a_wrong_sub_type_is_not(tmp_path):
    """A log that records no sub-type leaves it empty (unknown); a sub-type given must be the type's own."""
    header = ["Date", "Lat", "Lon", "Type", "Killed", "Summary", "URL"]
    rows = [{"Date": "2021-11-07", "Lat": BAGHDAD[0], "Lon": BAGHDAD[1], "Type": "Explosions/Remote violence",
             "Killed": "0", "Summary": "drone strike on the residence", "URL": "https://example.org/a"},
            {"Date": "2021-11-05", "Lat": BAGHDAD[0], "Lon": BAGHDAD[1], "Type": "Protests",
             "Killed": "0", "Summary": "march on the zone", "URL": "https://example.org/b"}]
    path = _write_csv(tmp_path / "log.csv", header, rows)
    mapping = {"date": "Date", "latitude": "Lat", "longitude": "Lon", "event_type": "Type",
               "fatalities": "Killed", "notes": "Summary", "source": "URL"}
    s = incidents.load_incidents(path, "generic", None, None, columns=mapping)
    assert (len(s.accepted), len(s.rejected)) == (2, 0)
    assert list(s.accepted.sub_event_type) == ["", ""]
    header2 = header + ["Sub"]
    rows[0]["Sub"], rows[1]["Sub"] = "Air/drone strike", "Air/drone strike"   # the second is no protest sub-type
    path2 = _write_csv(tmp_path / "log2.csv", header2, rows)
    s2 = incidents.load_incidents(path2, "generic", None, None, columns={**mapping, "sub_event_type": "Sub"})
    assert list(s2.accepted.sub_event_type) == ["Air/drone strike"]
    assert list(s2.rejected.column) == ["sub_event_type"] and "not an ACLED sub-type of 'Protests'" in s2.rejected.reason.iloc[0]
