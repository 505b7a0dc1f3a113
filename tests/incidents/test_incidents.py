"""Incidents: curated set, ACLED and UCDP GED imports, validation rules, CLI and map export."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from synthetic import ACLED_HEADER
from synthetic import acled_row as _acled_row

import iraq_atlas.incidents as incidents
from iraq_atlas.cli import main
from iraq_atlas.errors import DataError
from iraq_atlas.files import data_path
from iraq_atlas.incidents import validation
from iraq_atlas.places.spatial import in_green_zone
from iraq_atlas.vocab import EVENT_COLORS

UCDP_HEADER = ["id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
               "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
               "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
               "source_article", "source_office", "source_date", "source_headline", "source_original",
               "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude",
               "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
               "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best",
               "high", "low", "gwnoa", "gwnob"]
HOSTILE = "<img src=x onerror=alert(1)> `tick` </script>"


# Row numbers are 1-based data rows (line 2 of the file is row 1).
ACLED_ROWS = [
    _acled_row(event_id_cnty="IRQ1", location="Baghdad - Green Zone", latitude="33.3075", longitude="44.39",
               notes=HOSTILE),                                                                          # 1 ok
    _acled_row(event_id_cnty="IRQ2", event_date="05 November 2021", event_type="Riots",
               sub_event_type="Violent demonstration", fatalities="2"),                                # 2 ok
    _acled_row(event_id_cnty="IRQ3", event_date="2021-13-45"),                                        # 3 date
    _acled_row(event_id_cnty="IRQ4", latitude="44.39", longitude="33.30"),                            # 4 swapped
    _acled_row(event_id_cnty="IRQ5", fatalities="two"),                                               # 5 fatalities
    _acled_row(event_id_cnty="IRQ6", event_type="Explosions"),                                        # 6 type
    _acled_row(event_id_cnty="IRQ1"),                                                                 # 7 duplicate
    _acled_row(event_id_cnty="IRQ8", latitude="33.51", longitude="36.29"),                            # 8 outside
    _acled_row(event_id_cnty="SYR9", country="Syria", iso="760", admin1="Damascus",
               latitude="33.51", longitude="36.29"),                                                  # 9 Syria
    _acled_row(event_id_cnty="IRQ10", admin1="Al Anbar", location="Ain al Asad", latitude="",
               longitude="", geo_precision="1"),                                                      # 10 geocoded
    _acled_row(event_id_cnty="IRQ11", location="Atlantis", latitude="", longitude=""),               # 11 unknown place
    _acled_row(event_id_cnty="IRQ12", fatalities="-1"),                                               # 12 negative
    _acled_row(event_id_cnty="IRQ13", admin1="Ninewa", location="Mosul", latitude="36.34",
               longitude="43.13", fatalities="3", event_type="Battles", sub_event_type="Armed clash"),  # 13 ok
]


def _ucdp_row(**kw) -> dict:
    base = dict.fromkeys(UCDP_HEADER, "")
    base.update(relid="IRQ-2021-1-1", year="2021", active_year="1", code_status="Clear", type_of_violence="1",
                conflict_name="Iraq: Government", dyad_name="Government of Iraq - IS", side_a="Government of Iraq",
                side_b="IS", number_of_sources="1", source_office="Test Office", source_headline="headline",
                where_prec="1", where_description="Baghdad", adm_1="Baghdad governorate", adm_2="",
                latitude="33.3", longitude="44.39", country="Iraq", country_id="645", region="Middle East",
                event_clarity="1", date_prec="1", date_start="2021-11-05 00:00:00.000",
                date_end="2021-11-05 00:00:00.000", best="2", high="2", low="1", gwnoa="645")
    base.update(kw)
    return base


UCDP_ROWS = [
    _ucdp_row(id="400001"),                                                                           # 1 ok
    _ucdp_row(id="400002", type_of_violence="3", where_prec="4", adm_1="Ninawa province",
              latitude="36.34", longitude="43.13", date_prec="4", best="5", low="5", high="7"),        # 2 ok
    _ucdp_row(id="400003", where_prec="6"),                                                           # 3 country only
    _ucdp_row(id="400004", country="Syria", country_id="652", latitude="33.51", longitude="36.29"),  # 4 Syria
    _ucdp_row(id="400005", best="3", low="4", high="6"),                                              # 5 best < low
    _ucdp_row(id="400006", latitude="44.39", longitude="33.3"),                                       # 6 swapped
    _ucdp_row(id="400007", date_start="not a date"),                                                  # 7 date
]


def _write(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def acled_csv(tmp_path) -> Path:
    return _write(tmp_path / "acled_export.csv", ACLED_HEADER, ACLED_ROWS)


@pytest.fixture
def ucdp_csv(tmp_path) -> Path:
    return _write(tmp_path / "GEDEvent_test.csv", UCDP_HEADER, UCDP_ROWS)


def _reason(rejected: pd.DataFrame, row: int) -> tuple[str, str]:
    hit = rejected[rejected.row == row]
    assert len(hit) == 1, f"row {row} not rejected exactly once: {rejected.to_dict('records')}"
    return hit.column.iloc[0], hit.reason.iloc[0]


# -- curated ------------------------------------------------------------------------
def test_curated_set_passes_its_own_validation():
    s = incidents.load_curated()
    assert (len(s.accepted), len(s.rejected), len(s.excluded)) == (92, 0, 0)
    assert s.accepted.event_id_cnty.is_unique
    assert set(s.accepted.admin1) == {"IQ-AN", "IQ-AR", "IQ-BA", "IQ-BB", "IQ-BG", "IQ-DA", "IQ-DQ", "IQ-KI",
                                      "IQ-NI", "IQ-SD", "IQ-SU"}
    assert s.accepted.geometry.notna().all()


def test_curated_admin1_keeps_anbar_and_erbil_apart():
    acc = incidents.load_curated().accepted.set_index("event_id_cnty")
    assert acc.loc["IRQIA0004", "admin1"] == "IQ-AN"   # Ain al-Asad, Anbar
    assert acc.loc["IRQIA0014", "admin1"] == "IQ-AR"   # Erbil airport


def test_casualty_ranges_hold_and_match_the_readme():
    acc = incidents.load_curated().accepted
    for kind in ("fatalities", "injuries"):
        used, lo, hi = acc[kind], acc[f"{kind}_low"], acc[f"{kind}_high"]
        both = used.notna() & lo.notna() & hi.notna()
        assert ((lo[both] <= used[both]) & (used[both] <= hi[both])).all()
    row = acc.set_index("event_id_cnty")
    # figures from geodata/incidents/README.md
    assert tuple(row.loc["IRQIA0049", ["fatalities_low", "fatalities_high"]]) == (1, 2)
    assert tuple(row.loc["IRQIA0049", ["injuries_low", "injuries_high"]]) == (45, 125)
    assert tuple(row.loc["IRQIA0050", ["injuries_low", "injuries_high"]]) == (2, 7)
    assert pd.isna(row.loc["IRQIA0041", "fatalities"])


def test_drone_strike_7_nov_2021_is_at_pm_residence_inside_green_zone():
    acc = incidents.load_curated().accepted.set_index("event_id_cnty")
    r = acc.loc["IRQIA0050"]
    assert r.event_date == pd.Timestamp("2021-11-07")
    assert r.place_id == "pm_residence" and r.coord_source == "gazetteer:pm_residence"
    assert (r.latitude, r.longitude) == pytest.approx((33.307577, 44.390259))  # places.csv, pm_residence
    assert in_green_zone(r.latitude, r.longitude)
    assert r.geo_precision == 2


def test_place_without_point_falls_back_and_says_so():
    acc = incidents.load_curated().accepted.set_index("event_id_cnty")
    tahrir = acc.loc["IRQIA0001"]  # tahrir_square has no coordinates → its parent, the Baghdad city point
    assert tahrir.coord_source == "gazetteer:capital_baghdad (parent of tahrir_square, which has no point)"
    assert (tahrir.latitude, tahrir.longitude) == pytest.approx((33.333, 44.383))
    assert tahrir.geo_precision == 2  # a borrowed point is never more precise than "part of a district"
    parl = acc.loc["IRQIA0055"]    # council_of_representatives → its parent, the Green Zone
    assert parl.coord_source.startswith("gazetteer:green_zone (parent of council_of_representatives")
    assert (parl.latitude, parl.longitude) == pytest.approx((33.307577, 44.390259))
    assert acc.loc["IRQIA0009", "coord_source"] == "data"


def test_date_window_excludes_and_counts():
    s = incidents.load_curated("2021-09-26", "2021-11-21")
    assert sorted(s.accepted.event_id_cnty) == ["IRQIA0047", "IRQIA0048", "IRQIA0049", "IRQIA0050"]
    assert len(s.excluded) == 88 and s.input_rows == 92
    assert s.excluded.reason.str.contains("outside 2021-09-26").all()
    with pytest.raises(ValueError, match="start"):
        incidents.load_curated("2021-13-01", None)


# -- ACLED ----------------------------------------------------------------------------
def test_acled_counts_add_up(acled_csv):
    s = incidents.read_acled(acled_csv)
    assert sorted(s.accepted.event_id_cnty) == ["IRQ1", "IRQ10", "IRQ13", "IRQ2"]
    assert sorted(s.rejected.row) == [3, 4, 5, 6, 7, 8, 11, 12]
    assert s.excluded.row.tolist() == [9] and "Syria" in s.excluded.reason.iloc[0]
    assert len(s.accepted) + len(s.rejected) + len(s.excluded) == len(ACLED_ROWS)
    assert set(s.rejected.file) == {"acled_export.csv"}


def test_acled_each_rule_names_row_and_column(acled_csv):
    rej = incidents.read_acled(acled_csv).rejected
    assert _reason(rej, 3)[0] == "event_date" and "not a date: '2021-13-45'" in _reason(rej, 3)[1]
    col, why = _reason(rej, 4)
    assert col == "latitude" and "swapped" in why
    col, why = _reason(rej, 5)
    assert col == "fatalities" and "not a number: 'two'" in why
    col, why = _reason(rej, 6)
    assert col == "event_type" and "unknown event type 'Explosions'" in why
    col, why = _reason(rej, 7)
    assert col == "event_id_cnty" and "duplicate id 'IRQ1' (first on row 1)" in why
    col, why = _reason(rej, 8)
    assert col == "latitude" and "outside Iraq" in why and "swapped" not in why
    col, why = _reason(rej, 11)
    assert col == "location" and "'Atlantis' is not in the gazetteer" in why
    col, why = _reason(rej, 12)
    assert col == "fatalities" and "must be 0 or more" in why


def test_location_outside_iraq_is_reported_as_such(tmp_path):
    rows = [_acled_row(event_id_cnty="IRQ1", location="Deir ez-Zor", latitude="", longitude=""),
            _acled_row(event_id_cnty="IRQ2", location="al-Tanf", latitude="", longitude="", admin1="Al Anbar",
                       geo_precision="3"),   # governorate-only, yet never given Anbar's point
            _acled_row(event_id_cnty="IRQ3", location="Atlantis", latitude="", longitude="", admin1="Al Anbar",
                       geo_precision="3")]   # an unknown name still takes the governorate point
    s = incidents.read_acled(_write(tmp_path / "acled_foreign.csv", ACLED_HEADER, rows))
    assert s.accepted.event_id_cnty.tolist() == ["IRQ3"]
    assert s.accepted.coord_source.iloc[0].startswith("governorate:IQ-AN")
    col, why = _reason(s.rejected, 1)
    assert col == "location" and "'Deir ez-Zor' is outside Iraq (SY)" in why and "gazetteer" not in why
    col, why = _reason(s.rejected, 2)
    assert col == "location" and "'al-Tanf' is outside Iraq (SY)" in why


def test_acled_values_mapped(acled_csv):
    acc = incidents.read_acled(acled_csv).accepted.set_index("event_id_cnty")
    assert acc.loc["IRQ2", "event_date"] == pd.Timestamp("2021-11-05")  # '05 November 2021'
    assert acc.loc["IRQ13", "admin1"] == "IQ-NI" and acc.loc["IRQ13", "fatalities"] == 3
    geo = acc.loc["IRQ10"]                                             # no coordinates: geocoded
    assert geo.admin1 == "IQ-AN" and geo.place_id == "ain_al_asad"
    assert (geo.latitude, geo.longitude) == pytest.approx((33.7856083, 42.4412))
    assert geo.coord_source.startswith("geocoded:ain_al_asad") and geo.geo_precision == 1
    assert set(acc.dataset) == {"acled"}


def test_acled_columns_an_export_lacks_are_unknown_not_zero(acled_csv):
    """ACLED has no injuries or ranges: those come out all <NA> (Int64), never 0, with no problem raised."""
    s = incidents.read_acled(acled_csv)
    acc = s.accepted
    for col in ("injuries", "injuries_low", "injuries_high", "fatalities_low", "fatalities_high"):
        assert str(acc[col].dtype) == "Int64" and acc[col].isna().all(), col
    assert set(s.rejected.column.str.split("; ").explode()) >= {"fatalities"}  # row 5 still named
    assert not s.rejected.column.str.contains("injuries").any()


def test_empty_count_column_agrees_with_the_general_path():
    """The all-empty shortcut of the count checks gives what the general path gives."""
    text = pd.Series(["", "", ""], dtype="str")
    frame = pd.DataFrame({"_row": [1, 2, 3], "n": text})
    assert validation._all_empty(text) and validation._all_empty(text.astype(object))
    assert not validation._all_empty(pd.Series(["", " ", ""], dtype="str"))
    assert validation._all_empty(pd.Series(["x", "", ""], dtype="str").iloc[1:])  # a slice: offsets not from 0
    assert not validation._all_empty(pd.Series(["", None], dtype="str"))  # a missing cell is not empty text
    values, problems = validation._counts(frame, "n", 0, None)
    assert values.isna().all() and str(values.dtype) == "Int64" and problems == []
    general = validation._counts_fast(frame, text, validation._numbers(text), "n", 0, None)
    pd.testing.assert_series_equal(values, general[0])
    assert all(len(p) == 0 for p in general[1])


def test_load_restores_the_garbage_collector(acled_csv, tmp_path):
    import gc

    from iraq_atlas.files import gc_paused

    assert gc.isenabled()
    incidents.read_acled(acled_csv)
    assert gc.isenabled()
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_type,country\nX,Riots,Iraq\n", encoding="utf-8")
    with pytest.raises(DataError):
        incidents.read_acled(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller who turned it off keeps it off
    finally:
        gc.enable()
    with pytest.raises(RuntimeError):
        with gc_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_acled_date_window(acled_csv):
    s = incidents.read_acled(acled_csv, start="2021-11-06", end="2021-11-30")
    assert "IRQ2" not in set(s.accepted.event_id_cnty)          # 5 Nov: before the window
    assert 2 in set(s.excluded.row) and 3 in set(s.rejected.row)  # a bad date is rejected, not excluded
    assert len(s.accepted) + len(s.rejected) + len(s.excluded) == len(ACLED_ROWS)


# -- UCDP -----------------------------------------------------------------------------
def test_ucdp_import_maps_precision_and_types(ucdp_csv):
    s = incidents.read_ucdp(ucdp_csv)
    assert sorted(s.accepted.event_id_cnty) == ["UCDP-400001", "UCDP-400002"]
    assert sorted(s.rejected.row) == [3, 5, 6, 7] and s.excluded.row.tolist() == [4]
    acc = s.accepted.set_index("event_id_cnty")
    a, b = acc.loc["UCDP-400001"], acc.loc["UCDP-400002"]
    assert (a.event_type, a.sub_event_type, a.geo_precision, a.time_precision) == \
        ("Battles", "Armed clash", 1, 1)
    assert (a.fatalities, a.fatalities_low, a.fatalities_high, a.admin1) == (2, 1, 2, "IQ-BG")
    assert a.event_date == pd.Timestamp("2021-11-05") and a.actor1 == "Government of Iraq"
    assert (b.event_type, b.sub_event_type) == ("Violence against civilians", "Attack")
    assert (b.geo_precision, b.time_precision, b.admin1) == (3, 3, "IQ-NI")  # where_prec 4, date_prec 4
    assert (b.fatalities_low, b.fatalities, b.fatalities_high) == (5, 5, 7)


def test_ucdp_rejections(ucdp_csv):
    rej = incidents.read_ucdp(ucdp_csv).rejected
    assert _reason(rej, 3)[0] == "where_prec" and "only the country" in _reason(rej, 3)[1]
    col, why = _reason(rej, 5)
    assert col == "fatalities" and "outside fatalities_low–fatalities_high" in why
    assert "swapped" in _reason(rej, 6)[1]
    assert _reason(rej, 7)[0] == "event_date"


def test_format_detection(acled_csv, ucdp_csv):
    assert incidents.detect_format(acled_csv) == "acled"
    assert incidents.detect_format(ucdp_csv) == "ucdp"
    assert incidents.detect_format(data_path("incidents", "incidents.csv")) == "curated"


def test_missing_required_column_is_a_data_error(tmp_path):
    p = _write(tmp_path / "bad.csv", [c for c in ACLED_HEADER if c != "fatalities"],
               [{k: v for k, v in ACLED_ROWS[0].items() if k != "fatalities"}])
    with pytest.raises(DataError, match="fatalities"):
        incidents.read_acled(p)


def test_select_filters_and_rejects_unknown_values():
    acc = incidents.load_curated().accepted
    prot = incidents.select(acc, ["Protests"], ["Baghdad"])
    assert sorted(prot.event_id_cnty) == ["IRQIA0001", "IRQIA0002", "IRQIA0047", "IRQIA0048",
                                          "IRQIA0055", "IRQIA0056", "IRQIA0061"]
    with pytest.raises(ValueError, match="event_types"):
        incidents.select(acc, ["Protest"], [])
    with pytest.raises(ValueError, match="governorates"):
        incidents.select(acc, [], ["Atlantis"])


def test_density_grid_counts_by_hand():
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([44.31, 44.32, 44.33, 44.61], [33.31, 33.32, 33.33, 33.31]),
                           crs="EPSG:4326")
    cells = incidents.density_grid(pts, 0.25)
    assert sorted(cells["count"]) == [1, 3]
    big = cells[cells["count"] == 3].geometry.iloc[0]
    assert big.bounds == pytest.approx((44.25, 33.25, 44.5, 33.5))


# -- CLI and map --------------------------------------------------------------------------
def test_cli_incidents_writes_accepted_and_rejected(acled_csv, tmp_path, capsys):
    rej_file = tmp_path / "rejected.csv"
    code = main(["incidents", "--source", str(acled_csv), "--format-in", "acled", "--format", "csv",
                 "--rejected", str(rej_file)])
    out, err = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out), dtype=str)
    assert sorted(table.event_id_cnty) == ["IRQ1", "IRQ10", "IRQ13", "IRQ2"]
    assert set(table.admin1) == {"IQ-BG", "IQ-AN", "IQ-NI"}
    assert table.set_index("event_id_cnty").loc["IRQ2", "event_date"] == "2021-11-05"
    assert "accepted 4, rejected 8" in err
    rej = pd.read_csv(rej_file)
    assert sorted(rej.row) == [3, 4, 5, 6, 7, 8, 11, 12]
    assert list(rej.columns) == ["file", "row", "event_id_cnty", "column", "reason"]


def test_cli_incidents_rejected_to_stderr_and_window(acled_csv, capsys):
    code = main(["incidents", "--source", str(acled_csv), "--start", "2021-11-06", "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0 and "IRQ2" not in out and "IRQ1," in out
    assert "not a number: 'two'" in err and "accepted 3, rejected 8" in err


def test_cli_incidents_unreadable_input_exits_nonzero(tmp_path, capsys):
    assert main(["incidents", "--source", str(tmp_path / "nope.csv"), "--format", "csv"]) == 2
    assert "file not found" in capsys.readouterr().err


def _features(html_text: str) -> list[dict]:
    from iraq_atlas.viz.maps import page_data

    feats = []
    for key, payload in page_data(html_text).items():
        if key.startswith("safe_geo_json_"):
            feats += payload["data"]["features"]
    return feats


def test_cli_map_has_one_point_per_accepted_incident(acled_csv, tmp_path, capsys):
    out = tmp_path / "incidents.html"
    assert main(["map", "--source", str(acled_csv), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    points = [f for f in _features(page) if f["geometry"]["type"] == "Point"]
    assert sorted(f["properties"]["event_id_cnty"] for f in points) == ["IRQ1", "IRQ10", "IRQ13", "IRQ2"]
    assert not re.search(r"<script[^>]+src=[\"']https?:", page)
    assert "<img src=x" not in page and "</script> " not in page   # hostile notes travel as escaped JSON
    assert any(f["properties"].get("notes") == HOSTILE for f in points)
    assert "accepted 4, rejected 8" in capsys.readouterr().err


def test_curated_map_layers_colours_and_heat(tmp_path):
    from iraq_atlas.viz import maps

    acc = incidents.load_curated().accepted
    path = maps.save_incident_map(acc, tmp_path / "m.html", cluster=True)
    page = path.read_text(encoding="utf-8")
    feats = _features(page)
    points = [f for f in feats if f["geometry"]["type"] == "Point"]
    assert len(points) == 92
    drone = next(f for f in points if f["properties"]["event_id_cnty"] == "IRQIA0050")
    assert drone["properties"]["_color"] == EVENT_COLORS["Explosions/Remote violence"]
    assert drone["properties"]["injured"] == "7 (range 2–7)"  # notes: "7 used"
    assert drone["properties"]["source_url"].startswith("https://")
    cells = [f for f in feats if "incidents" in f["properties"]]
    assert sum(f["properties"]["incidents"] for f in cells) == 92
    assert "Protests (8)" in page and "Explosions/Remote violence (64)" in page
    assert "markerClusterGroup" in page and "ia-time" in page


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_03_defaults(tmp_path):
    from conftest import run_notebook

    run_notebook("03_incidents.ipynb", tmp_path)
    table = pd.read_csv(tmp_path / "tables" / "03_incidents.csv")
    assert sorted(table.event_id_cnty) == ["IRQIA0047", "IRQIA0048", "IRQIA0049", "IRQIA0050"]
    for name in ("maps/03_incidents_baghdad.html", "maps/03_incidents_iraq.html",
                 "figures/03_timeline.png", "figures/03_timeline.svg"):
        assert (tmp_path / name).stat().st_size > 1000, name
    page = (tmp_path / "maps" / "03_incidents_baghdad.html").read_text(encoding="utf-8")
    assert len([f for f in _features(page) if f["geometry"]["type"] == "Point"]) == 4


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_03_with_user_acled_export(acled_csv, tmp_path, geodata_dir):
    from conftest import run_notebook

    run_notebook("03_incidents.ipynb", tmp_path / "run", incidents_path=str(acled_csv),
                 incidents_format="acled", start_date="2021-11-01", end_date="2021-11-30",
                 governorates=["Baghdad", "Anbar"], boundaries_path=str(geodata_dir))
    table = pd.read_csv(tmp_path / "run" / "tables" / "03_incidents.csv")
    assert sorted(table.event_id_cnty) == ["IRQ1", "IRQ10", "IRQ2"]
    rejected = pd.read_csv(tmp_path / "run" / "tables" / "03_rejected.csv")
    assert sorted(rejected.row) == [3, 4, 5, 6, 7, 8, 11, 12]
    page = (tmp_path / "run" / "maps" / "03_incidents_iraq.html").read_text(encoding="utf-8")
    assert "OCHA" in page


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_03_reads_a_users_own_table_through_columns(tmp_path):
    """Column names that are not ACLED's, mapped by ``columns``; type values mapped by a YAML ``event_type_map``."""
    from conftest import run_notebook

    own = tmp_path / "own.csv"
    own.write_text("Ref,Day,Lat_N,Lon_E,Kind,Dead\n"
                   "M1,2021-10-10,33.3152,44.3661,Demo,0\n"
                   "M2,2021-10-20,33.311,44.39,Airstrike,1\n"
                   "M3,2021-11-07,36.34,43.13,Demo,2\n"
                   "M4,2021-11-08,33.31,44.39,Demo,many\n"      # not a number: rejected
                   "M5,2020-01-01,33.31,44.39,Demo,0\n",        # before start_date: outside the selection
                   encoding="utf-8")
    types = tmp_path / "types.yaml"
    types.write_text("Demo: Protests|Peaceful protest\nAirstrike: [Explosions/Remote violence, Air/drone strike]\n",
                     encoding="utf-8")
    run_notebook("03_incidents.ipynb", tmp_path / "run", incidents_path=str(own), incidents_format="generic",
                 columns="id=Ref,date=Day,latitude=Lat_N,longitude=Lon_E,event_type=Kind,fatalities=Dead",
                 event_type_map=str(types))
    table = pd.read_csv(tmp_path / "run" / "tables" / "03_incidents.csv")
    assert len(table) == 3
    assert table[["event_id_cnty", "event_type", "sub_event_type", "admin1", "fatalities"]].values.tolist() == [
        ["M1", "Protests", "Peaceful protest", "IQ-BG", 0],
        ["M2", "Explosions/Remote violence", "Air/drone strike", "IQ-BG", 1],
        ["M3", "Protests", "Peaceful protest", "IQ-NI", 2]]
    rejected = pd.read_csv(tmp_path / "run" / "tables" / "03_rejected.csv")
    assert rejected[["row", "column"]].values.tolist() == [[4, "fatalities"]]


# -- reliability: points, truncation, numbers, unreadable files ---------------------------
@pytest.mark.parametrize("name, lat, lon, admin1", [("Kuwait City", "29.37", "47.98", "Basra"),
                                                    ("Deir ez-Zor", "35.33", "40.14", "Ninewa"),
                                                    ("Kermanshah", "34.31", "47.07", "Sulaymaniyah")])
def test_point_inside_bbox_but_outside_iraq_is_rejected(tmp_path, name, lat, lon, admin1):
    rows = [_acled_row(event_id_cnty="IRQ1"),
            _acled_row(event_id_cnty="IRQ2", latitude=lat, longitude=lon, admin1=admin1, location=name)]
    res = incidents.read_acled(_write(tmp_path / "a.csv", ACLED_HEADER, rows))
    assert list(res.accepted.event_id_cnty) == ["IRQ1"]
    col, why = _reason(res.rejected, 2)
    assert col == "latitude" and "outside Iraq's border" in why and f"({lat}, {lon})" in why


def test_point_just_across_the_border_is_kept_within_tolerance(tmp_path):
    import geopandas as gpd
    import shapely

    from iraq_atlas.places.spatial import in_iraq

    outline = gpd.read_file(data_path("boundaries", "adm0.geojson")).geometry.iloc[0]
    lon, lat = min(shapely.get_coordinates(outline), key=lambda c: c[1])   # the southernmost vertex
    # due south of it is outside: ~2 km is within the tolerance, ~22 km is not
    assert in_iraq(lat - 0.02, lon, incidents.BORDER_TOLERANCE_M)
    assert not in_iraq(lat - 0.02, lon, 0)
    assert not in_iraq(lat - 0.2, lon, incidents.BORDER_TOLERANCE_M)
    assert list(in_iraq([33.31, float("nan")], [44.39, 44.39], 5000)) == [True, False]


def test_truncated_export_rejects_the_cut_row(tmp_path):
    path = _write(tmp_path / "cut.csv", ACLED_HEADER,
                  [_acled_row(event_id_cnty="IRQ1"), _acled_row(event_id_cnty="IRQ2", fatalities="25")])
    text = path.read_text(encoding="utf-8").rstrip("\n")
    last = text.rsplit("\n", 1)[1]
    fields = next(csv.reader([last]))
    cut = ",".join(fields[:28]) + ",2"       # the file ends inside the fatalities cell: 25 → 2
    path.write_text(text.rsplit("\n", 1)[0] + "\n" + cut, encoding="utf-8")
    for fmt in ("acled", "auto"):
        res = incidents.load_incidents(path, fmt)
        assert list(res.accepted.event_id_cnty) == ["IRQ1"]
        col, why = _reason(res.rejected, 2)
        assert why == "row has 29 fields, the header has 31" and col == "tags"


def test_row_with_extra_fields_is_rejected_not_fatal(tmp_path):
    path = _write(tmp_path / "long.csv", ACLED_HEADER, [_acled_row(event_id_cnty="IRQ1"),
                                                        _acled_row(event_id_cnty="IRQ2")])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2] + [lines[2] + ",extra"]) + "\n", encoding="utf-8")
    res = incidents.read_acled(path)
    assert list(res.accepted.event_id_cnty) == ["IRQ1"]
    assert _reason(res.rejected, 2)[1] == "row has 32 fields, the header has 31"


def test_short_curated_row_is_rejected_with_its_field_count(tmp_path):
    src = data_path("incidents", "incidents.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "incidents.csv"
    path.write_text("\n".join(src[:3] + [",".join(src[3].split(",")[:5])]) + "\n", encoding="utf-8")
    res = incidents.load_incidents(path, "curated")
    assert len(res.accepted) == 2 and res.input_rows == 3
    assert _reason(res.rejected, 3)[1].startswith("row has 5 fields, the header has ")


@pytest.mark.parametrize("value, reason", [("inf", "not a whole number: inf"),
                                           ("Infinity", "not a whole number: Infinity"),
                                           ("-inf", "not a whole number: -inf"),
                                           ("1e20", "too large: 1e20"),
                                           ("9007199254740993", "too large: 9007199254740993")])
def test_fatalities_beyond_whole_numbers_are_rejected(tmp_path, value, reason):
    rows = [_acled_row(event_id_cnty="IRQ1", fatalities="4"), _acled_row(event_id_cnty="IRQ2", fatalities=value)]
    res = incidents.read_acled(_write(tmp_path / "a.csv", ACLED_HEADER, rows))
    assert list(res.accepted.fatalities) == [4]
    col, why = _reason(res.rejected, 2)
    assert col == "fatalities" and why.startswith(reason)


def test_unreadable_files_are_data_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    xlsx = tmp_path / "export.csv"
    xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    cp1256 = _write(tmp_path / "arabic.csv", ACLED_HEADER, [_acled_row(event_id_cnty="IRQ1")])
    cp1256.write_bytes(cp1256.read_bytes().replace(b"Baghdad", "بغداد".encode("cp1256")))
    for path, fmt, words in [(empty, "acled", "empty (0 bytes)"), (xlsx, "acled", "Excel workbook"),
                             (cp1256, "acled", "not UTF-8 text (first bad byte on line 2)")]:
        with pytest.raises(DataError) as err:
            incidents.load_incidents(path, fmt)
        assert words in str(err.value), str(err.value)


@pytest.mark.parametrize("header", [UCDP_HEADER, ACLED_HEADER])
def test_header_only_export_loads_empty(tmp_path, header):
    res = incidents.load_incidents(_write(tmp_path / "h.csv", header, []), "auto")
    assert (len(res.accepted), len(res.rejected), len(res.excluded)) == (0, 0, 0)


def test_row_cut_before_its_country_is_rejected_not_excluded(tmp_path):
    path = _write(tmp_path / "ged.csv", UCDP_HEADER, [_ucdp_row(id="1"), _ucdp_row(id="2")])
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = ",".join(next(csv.reader([lines[2]]))[:20])          # ends long before `country`
    path.write_text("\n".join(lines[:2] + [cut]), encoding="utf-8")
    res = incidents.read_ucdp(path, start="2021-01-01", end="2021-12-31")
    assert len(res.accepted) == 1 and res.excluded.empty
    assert _reason(res.rejected, 2)[1].startswith("row has 20 fields, the header has 49")
