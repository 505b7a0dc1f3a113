"""Merging incidents with governorates, seats and milestones: hand-made data, answers counted by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import nbformat
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from conftest import run_notebook
from iraq_atlas import analysis as merge
from iraq_atlas.cli import main
from iraq_atlas.elections import ElectionData, load_elections
from iraq_atlas.files import data_path
from iraq_atlas.places.boundaries import Boundaries, load_boundaries, tile_grid
from iraq_atlas.places.gazetteer import place
from iraq_atlas.viz import charts, maps
from iraq_atlas.viz.maps import save_map

GEOD = Geod(ellps="WGS84")
# A vertex shared by the Baghdad and Diyala polygons in the OCHA ADM1 file (lon, lat).
SHARED_VERTEX = (44.465627, 33.425978)
IRAN = (46.5, 33.0)            # Ilam province, Iran: inside Iraq's bounding box, outside every polygon
BAQUBAH = (44.64, 33.75)       # inside Diyala
BASRA = (47.8, 30.5)           # inside Basra
GREEN_ZONE = (44.390259, 33.307577)


def incidents(rows: list[dict]) -> gpd.GeoDataFrame:
    """A small accepted-schema table: defaults for everything a row does not say."""
    base = {"event_type": "Protests", "sub_event_type": "Peaceful protest", "time_precision": 1,
            "geo_precision": 1, "fatalities": pd.NA, "fatalities_low": pd.NA, "fatalities_high": pd.NA,
            "injuries": pd.NA, "injuries_low": pd.NA, "injuries_high": pd.NA, "location": "somewhere",
            "source_url": "https://example.org/x", "event_date": "2021-10-10", "admin1": "IQ-BG",
            "lon": GREEN_ZONE[0], "lat": GREEN_ZONE[1]}
    df = pd.DataFrame([{**base, "event_id_cnty": f"T{i}", **r} for i, r in enumerate(rows)])
    df["event_date"] = pd.to_datetime(df["event_date"])
    for c in ("time_precision", "geo_precision", "fatalities", "fatalities_low", "fatalities_high",
              "injuries", "injuries_low", "injuries_high"):
        df[c] = df[c].astype("Int64")
    df["latitude"], df["longitude"] = df.pop("lat").astype(float), df.pop("lon").astype(float)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs="EPSG:4326")


FALLBACK = Boundaries(tile_grid(), "ADM1", "fallback", "tile-grid", "tile grid")


@pytest.fixture(scope="module")
def adm2(geodata_dir):
    return load_boundaries("ADM2", geodata_dir)


# -- joins ------------------------------------------------------------------------------
def test_join_boundary_outside_coarse_and_mismatch(adm1, adm2):
    poly = adm1.gdf.set_index("iso_3166_2").geometry
    vertex = shapely.Point(SHARED_VERTEX)
    # the test points are what they claim to be, checked with shapely directly
    assert vertex.intersects(poly["IQ-BG"]) and vertex.intersects(poly["IQ-DI"])
    assert not vertex.within(poly["IQ-BG"]) and not vertex.within(poly["IQ-DI"])
    assert not any(g.intersects(shapely.Point(IRAN)) for g in poly)
    inc = incidents([
        {"admin1": "IQ-BG"},                                                         # T0 inside Baghdad
        {"admin1": "IQ-DI", "lon": SHARED_VERTEX[0], "lat": SHARED_VERTEX[1]},       # T1 edge, data agrees
        {"admin1": "IQ-BA", "lon": SHARED_VERTEX[0], "lat": SHARED_VERTEX[1]},       # T2 edge, data elsewhere
        {"admin1": "IQ-WA", "lon": IRAN[0], "lat": IRAN[1]},                         # T3 outside Iraq
        {"admin1": "IQ-BG", "geo_precision": 3, "lon": BASRA[0], "lat": BASRA[1]},   # T4 governorate only
        {"admin1": "IQ-BG", "lon": BAQUBAH[0], "lat": BAQUBAH[1]},                   # T5 polygon says Diyala
    ])
    j = merge.join_incidents(inc, adm1, adm2)
    assert list(j["event_id_cnty"]) == ["T0", "T1", "T2", "T3", "T4", "T5"]
    assert list(j["governorate"]) == ["IQ-BG", "IQ-DI", "IQ-BG", "IQ-WA", "IQ-BG", "IQ-DI"]
    assert list(j["admin1"]) == ["IQ-BG", "IQ-DI", "IQ-BA", "IQ-WA", "IQ-BG", "IQ-BG"]
    assert list(j["governorate_method"]) == ["polygon", "boundary", "boundary", "outside", "governorate_only",
                                             "polygon"]
    assert j.loc[1, "governorate_candidates"] == "IQ-BG|IQ-DI"
    assert list(j["flags"]) == ["", "boundary", "boundary|admin1_mismatch", "outside", "governorate_only",
                                "admin1_mismatch"]
    assert j.loc[4, "governorate_polygon"] == "IQ-BA"      # what the point says is kept for reference
    assert j.loc[0, "district"] == "Al-Karkh" and j.loc[4, "district"] == "" and j.loc[3, "district"] == ""


def test_join_without_polygons_keeps_the_data_governorate():
    j = merge.join_incidents(incidents([{"admin1": "IQ-NA"}, {"admin1": "IQ-BG", "geo_precision": 3}]), FALLBACK)
    assert list(j["governorate"]) == ["IQ-NA", "IQ-BG"]
    assert list(j["governorate_method"]) == ["no_polygons", "governorate_only"]
    assert list(j["flags"]) == ["no_polygons", "governorate_only|no_polygons"]
    assert j.loc[0, "governorate_candidates"] == "IQ-BG"    # nearest capital, a hint only


def test_join_places_rows_without_a_precision_by_their_point():
    """A user's own table often has no geo_precision: its rows are joined by their point, not refused."""
    inc = incidents([{"admin1": "IQ-BA", "geo_precision": pd.NA},                               # point in Baghdad
                     {"admin1": "IQ-BA", "geo_precision": pd.NA, "lon": BASRA[0], "lat": BASRA[1]},
                     {"admin1": "IQ-BG", "geo_precision": 3, "lon": BASRA[0], "lat": BASRA[1]}])
    for adm1 in (load_boundaries("ADM1"), FALLBACK):  # the embedded OCHA polygons, then none
        j = merge.join_incidents(inc, adm1)
        assert list(j["governorate_method"]) == (["polygon", "polygon", "governorate_only"] if adm1 is not FALLBACK
                                                 else ["no_polygons", "no_polygons", "governorate_only"])
        assert list(j["governorate"]) == (["IQ-BG", "IQ-BA", "IQ-BG"] if adm1 is not FALLBACK
                                          else ["IQ-BA", "IQ-BA", "IQ-BG"])


# -- summary ---------------------------------------------------------------------------------
def _seats(year: int) -> dict[str, int]:
    with open(data_path("elections", "governorate_seats.csv"), encoding="utf-8") as fh:
        return {r["iso_3166_2"]: int(r["seats"]) for r in csv.DictReader(fh) if r["year"] == str(year)}


def test_summary_has_all_18_governorates_with_zeros_and_sums_by_hand():
    inc = incidents([
        {"fatalities": 2, "fatalities_low": 1, "fatalities_high": 5, "injuries": 4},
        {"fatalities": 3, "event_type": "Riots", "sub_event_type": "Mob violence"},
        {"fatalities": pd.NA, "time_precision": 2},
        {"admin1": "IQ-BA", "fatalities": 0, "event_date": "2021-10-20"},
        {"admin1": "IQ-BA", "fatalities": 9, "event_date": "2021-12-01"},          # after the period
    ])
    s = merge.governorate_summary(merge.join_incidents(inc, FALLBACK), load_elections(), "2021-10-01",
                                  "2021-10-31").set_index("iso_3166_2")
    assert len(s) == 18
    bg, ba = s.loc["IQ-BG"], s.loc["IQ-BA"]
    assert (bg.incidents, bg.fatalities, bg.fatalities_low, bg.fatalities_high, bg.fatalities_unknown) == (3, 5, 4, 8, 1)
    assert (bg.injuries, bg.injuries_unknown, bg.type_protests, bg.type_riots, bg.coarse_dates) == (4, 2, 2, 1, 1)
    assert (ba.incidents, ba.fatalities) == (1, 0)
    assert int((s["incidents"] == 0).sum()) == 16
    seats = _seats(2021)
    assert s["seats_2021"].astype(int).to_dict() == seats
    assert bg.incidents_per_seat_2021 == pytest.approx(round(3 / seats["IQ-BG"], 4))
    assert s.loc["IQ-NI", "incidents_per_seat_2018"] == 0
    assert s["seats_2025"].astype(int).to_dict() == _seats(2025)
    # curated breakdowns: 2018 and 2025, both years only for Najaf (governorate_results.csv):
    # Iran-aligned Fatah 3 in 2018, Sadiqoun 2 in 2025 → −1; every other governorate stays empty and says why
    assert s.attrs["change_years"] == (2018, 2025)
    assert (s.loc["IQ-NA", "iran_aligned_2018"], s.loc["IQ-NA", "iran_aligned_2025"]) == (3, 2)
    assert s.loc["IQ-NA", "iran_aligned_change"] == -1 and s.loc["IQ-NA", "change_sadrist"] == -4
    assert s.drop(index="IQ-NA")["iran_aligned_change"].isna().all()
    assert set(s.drop(index="IQ-NA")["iran_aligned_change_status"]) == {
        "unknown: no per-governorate bloc breakdown for both 2018 and 2025"}
    assert s.loc["IQ-NA", "bloc_data"] == "2018 and 2025" and s.loc["IQ-DQ", "bloc_data"] == "2018 only"
    assert s.loc["IQ-BG", "bloc_data"] == "2025 only" and s.loc["IQ-BB", "bloc_data"] == "not published"
    # the 2018 → 2021 change asked for explicitly: no 2021 breakdown anywhere, so nothing is known
    s21 = merge.governorate_summary(merge.join_incidents(inc, FALLBACK), load_elections(), change=(2018, 2021))
    assert s21["iran_aligned_change"].isna().all()
    assert set(s21["iran_aligned_change_status"]) == {"unknown: no per-governorate bloc breakdown for both 2018 "
                                                      "and 2021"}


def _with_breakdowns() -> ElectionData:
    real = load_elections()
    res = pd.DataFrame([(2018, "IQ-NA", "a", "iran_aligned", 3), (2018, "IQ-NA", "b", "sadrist", 4),
                        (2021, "IQ-NA", "c", "iran_aligned", 1), (2021, "IQ-NA", "d", "sadrist", 6),
                        (2018, "IQ-KA", "a", "iran_aligned", 3)],
                       columns=["year", "iso_3166_2", "list_id", "bloc", "seats"])
    return ElectionData(real.national, real.governorate_seats, res, real.milestones)


def test_iran_aligned_change_only_where_both_breakdowns_exist_and_scatter(tmp_path):
    inc = incidents([{"admin1": "IQ-NA"}, {"admin1": "IQ-NA"}])
    s = merge.governorate_summary(merge.join_incidents(inc, FALLBACK), _with_breakdowns()).set_index("iso_3166_2")
    na, ka = s.loc["IQ-NA"], s.loc["IQ-KA"]
    assert (na.iran_aligned_2018, na.iran_aligned_2021, na.iran_aligned_change) == (3, 1, -2)
    assert (na.change_sadrist, na.seats_2021_kurdish, na.bloc_data) == (2, 0, "2018 and 2021")
    assert ka.iran_aligned_2018 == 3 and pd.isna(ka.iran_aligned_change) and ka.bloc_data == "2018 only"
    assert pd.isna(s.loc["IQ-BG", "seats_2018_sadrist"])
    fig = charts.scatter_iran_change(s.reset_index())
    ax = fig.axes[0]
    offsets = ax.collections[0].get_offsets()
    assert offsets.tolist() == [[-2.0, 2.0]]
    assert [t.get_text() for t in ax.texts] == ["IQ-NA"]
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "not evidence" in caption and "IQ-KA" in caption and "IQ-NA" not in caption


# -- windows ------------------------------------------------------------------------------------
def test_baghdad_day_converts_aware_timestamps():
    days = merge.baghdad_day(pd.to_datetime(["2021-10-09 21:30", "2021-10-09 20:59"]).tz_localize("UTC"))
    assert list(days.dt.strftime("%Y-%m-%d")) == ["2021-10-10", "2021-10-09"]
    assert merge.baghdad_day(["2021-10-09"]).iloc[0] == pd.Timestamp("2021-10-09")


def test_windows_edges_and_coarse_precision():
    m = pd.DataFrame({"date": [pd.Timestamp("2021-10-10")], "milestone_id": ["ed"], "label": ["Election"],
                      "kind": ["election_day"], "source_url": ["https://example.org"]})
    w = merge.milestone_windows(m, ["ed"], 3)
    assert list(w["start"].dt.strftime("%m-%d")) == ["10-07", "10-10"]
    assert list(w["end"].dt.strftime("%m-%d")) == ["10-09", "10-12"]
    inc = incidents([
        {"event_date": "2021-10-06"},                           # T0 day before 'before' starts
        {"event_date": "2021-10-07", "fatalities": 1},          # T1 first day of 'before'
        {"event_date": "2021-10-09", "fatalities": 2},          # T2 last day of 'before'
        {"event_date": "2021-10-10", "fatalities": 4},          # T3 milestone day → after
        {"event_date": "2021-10-12", "admin1": "IQ-BA"},        # T4 last day of 'after'
        {"event_date": "2021-10-13"},                           # T5 day after 'after' ends
        {"event_date": "2021-10-10", "time_precision": 2},      # T6 week: 04–16 Oct, both windows
        {"event_date": "2021-10-20", "time_precision": 2},      # T7 week: 14–26 Oct, neither
        {"event_date": "2021-10-15", "time_precision": 3},      # T8 month: October, both windows
    ])
    j = merge.join_incidents(inc, FALLBACK)
    c = merge.window_counts(j, w).set_index("window")
    assert (c.loc["before", "incidents"], c.loc["before", "fatalities"], c.loc["before", "imprecise"]) == (2, 3, 2)
    assert (c.loc["after", "incidents"], c.loc["after", "fatalities"], c.loc["after", "imprecise"]) == (2, 4, 2)
    mem = merge.window_membership(j, w)
    assert set(mem.loc[mem["status"] == "imprecise", "row"]) == {6, 8}
    assert 0 not in set(mem["row"]) and 5 not in set(mem["row"]) and 7 not in set(mem["row"])
    g = merge.window_counts(j, w, by_governorate=True)
    assert len(g) == 2 * 18
    g = g.set_index(["window", "iso_3166_2"])
    assert g.loc[("after", "IQ-BA"), "incidents"] == 1 and g.loc[("after", "IQ-BG"), "incidents"] == 1
    assert g.loc[("before", "IQ-NI"), ["incidents", "imprecise"]].tolist() == [0, 0]
    # a week-precision event whose whole week lies inside a longer window is counted in it
    wide = merge.milestone_windows(m, ["ed"], 14)        # after: 10–23 Oct
    k = merge.window_counts(merge.join_incidents(incidents([{"event_date": "2021-10-17", "time_precision": 2}]),
                                                 FALLBACK), wide).set_index("window")
    assert k.loc["after", "incidents"] == 1 and k.loc["before", "imprecise"] == 0
    with pytest.raises(ValueError, match="window_days"):
        merge.milestone_windows(m, ["ed"], 0)
    with pytest.raises(ValueError, match="parameter 'milestone'"):
        merge.milestone_windows(m, ["nope"], 3)


# -- Baghdad distance bands ----------------------------------------------------------------
def test_band_edges_are_half_open():
    cats = merge.distance_band([0, 0.999999, 1.0, 4.9999, 5, 20, 25, np.nan])
    assert list(cats.astype(object)) == ["0–1 km", "0–1 km", "1–5 km", "1–5 km", "5–20 km", "20+ km", "20+ km",
                                         np.nan]
    assert merge.band_labels([0, 2]) == ["0–2 km", "2+ km"]
    for bad in ([1, 5], [0, 5, 5], ["x"]):
        with pytest.raises(ValueError, match="distance_bands_km"):
            merge.check_bands(bad)


def test_points_exactly_1km_from_the_pm_residence_and_the_green_zone():
    pm = place("pm_residence")
    rows = [{"lon": GREEN_ZONE[0], "lat": GREEN_ZONE[1], "fatalities": 1}]   # T0 inside the Green Zone
    for dist in (999.0, 1000.0, 5000.0, 20000.0):                             # T1–T4 due north of the residence
        lon, lat, _ = GEOD.fwd(pm.lon, pm.lat, 0, dist)
        rows.append({"lon": lon, "lat": lat})
    rows.append({"geo_precision": 3, "fatalities": 7})                         # T5 governorate only
    rows.append({"admin1": "IQ-BA", "lon": BASRA[0], "lat": BASRA[1]})        # T6 not Baghdad
    f = merge.baghdad_focus(merge.join_incidents(incidents(rows), FALLBACK))
    assert list(f["event_id_cnty"]) == ["T0", "T1", "T2", "T3", "T4", "T5"]
    assert f.loc[2, "km_pm_residence"] == pytest.approx(1.0, abs=1e-6)
    assert list(f["band_pm_residence"].astype(object)) == ["0–1 km", "0–1 km", "1–5 km", "5–20 km", "20+ km",
                                                            np.nan]
    assert f.loc[0, "km_green_zone"] == 0 and bool(f.loc[0, "in_green_zone"]) and pd.isna(f.loc[5, "in_green_zone"])
    gz = merge.green_zone_table(f).set_index("area")
    assert gz.loc["Baghdad (governorate only)"].tolist() == [1, 7]
    assert gz["incidents"].sum() == 6 and gz.loc["Green Zone", "fatalities"] >= 1
    bands = merge.band_table(f).set_index(["from", "band"])
    assert bands.loc[("PM residence", "0–1 km"), "incidents"] == 2
    assert bands.loc[("PM residence", "1–5 km"), "incidents"] == 1
    assert bands.loc[("PM residence", "no band (governorate only)"), "incidents"] == 1
    assert bands.xs("Green Zone outline")["incidents"].sum() == 6


def test_rings_are_metric_circles_and_the_map_escapes_text(tmp_path):
    pm = place("pm_residence")
    r = merge.rings()
    assert list(r["radius_km"]) == [1, 5, 20] and r.crs.to_epsg() == 4326
    xy = shapely.get_coordinates(r.geometry.iloc[0].exterior)
    _, _, d = GEOD.inv(np.full(len(xy), pm.lon), np.full(len(xy), pm.lat), xy[:, 0], xy[:, 1])
    assert d.min() > 995 and d.max() < 1005          # UTM scale error near 44.4°E is well under 5 m per km
    inc = incidents([{"location": "<img src=x onerror=alert(1)>`"}])
    m = maps.baghdad_map(merge.baghdad_focus(merge.join_incidents(inc, FALLBACK)), FALLBACK)
    page = save_map(m, tmp_path / "b.html").read_text(encoding="utf-8")
    assert "Distance from the PM residence" in page and "Distance from the Green Zone outline" in page
    assert "<img src=x" not in page and "cdn." not in page


# -- output, CLI and notebook ------------------------------------------------------------------
def test_tables_written_as_csv_and_parquet(tmp_path):
    j = merge.join_incidents(incidents([{}, {"admin1": "IQ-BA", "lon": BASRA[0], "lat": BASRA[1]}]), FALLBACK)
    paths = merge.write_tables({"joined": j, "focus": merge.baghdad_focus(j)}, tmp_path, "04_")
    assert sorted(p.name for p in paths) == ["04_focus.csv", "04_focus.parquet", "04_joined.csv",
                                             "04_joined.parquet"]
    back = pd.read_parquet(tmp_path / "04_joined.parquet")
    assert list(back["governorate"]) == ["IQ-BG", "IQ-BA"] and "geometry" not in back.columns
    assert pd.read_csv(tmp_path / "04_focus.csv")["band_pm_residence"].tolist() == ["0–1 km"]


ACLED_HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                "fatalities", "tags", "timestamp"]


def write_acled(path) -> None:
    rows = [
        ("IRQ1", "12 October 2021", "Protests", "Peaceful protest", "Iraq", "Baghdad", "Tahrir <b>Sq</b>",
         "33.3128", "44.4147", "1", "0"),
        ("IRQ2", "05 November 2021", "Riots", "Violent demonstration", "Iraq", "Baghdad", "Green Zone gate",
         "33.3090", "44.3880", "1", "2"),
        ("IRQ3", "20 October 2021", "Battles", "Armed clash", "Iraq", "Diyala", "edge",
         str(SHARED_VERTEX[1]), str(SHARED_VERTEX[0]), "1", "3"),
        ("IRQ4", "25 October 2021", "Protests", "Peaceful protest", "Iraq", "Basra", "Basra", "30.5", "47.8",
         "2", "0"),
        ("SYR1", "20 October 2021", "Battles", "Armed clash", "Syria", "Deir ez-Zor", "x", "35.3", "40.1", "1",
         "5"),
    ]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ACLED_HEADER)
        w.writeheader()
        for eid, date, et, st, country, adm, loc, lat, lon, gp, fat in rows:
            w.writerow({"event_id_cnty": eid, "event_date": date, "year": "2021", "time_precision": "1",
                        "event_type": et, "sub_event_type": st, "iso": "368" if country == "Iraq" else "760",
                        "country": country, "admin1": adm, "location": loc, "latitude": lat, "longitude": lon,
                        "geo_precision": gp, "fatalities": fat, "actor1": "A", "source": "S"})


def test_cli_merge_prints_one_row_per_governorate(tmp_path, capsys, geodata_dir):
    src = tmp_path / "acled.csv"
    write_acled(src)
    code = main(["merge", "--source", str(src), "--format-in", "acled", "--start", "2021-10-01",
                 "--end", "2021-10-31", "--boundaries", str(geodata_dir), "--format", "csv"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("iso_3166_2,governorate,incidents,fatalities,seats_2025,seats_2021,seats_2018,"
                               "incidents_per_seat_2025,")
    rows = {r["iso_3166_2"]: r for r in csv.DictReader(lines)}
    assert len(rows) == 18
    # October only: IRQ1 (Baghdad), IRQ3 (on the Baghdad–Diyala edge, data says Diyala), IRQ4 (Basra)
    assert (rows["IQ-BG"]["incidents"], rows["IQ-DI"]["incidents"], rows["IQ-BA"]["incidents"]) == ("1", "1", "1")
    assert rows["IQ-DI"]["fatalities"] == "3" and rows["IQ-DI"]["n_boundary"] == "1"
    assert rows["IQ-BG"]["seats_2021"] == str(_seats(2021)["IQ-BG"])
    assert sum(int(r["incidents"]) for r in rows.values()) == 3


def _outputs(out):
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def _cell_text(out) -> str:
    nb = nbformat.read(out / "04_elections_vs_incidents.ipynb", as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    return "\n".join(o.get("text", "") if o.get("name") == "stdout" else o.get("data", {}).get("text/plain", "")
                     for c in nb.cells for o in c.get("outputs", []))  # printed lines and one-line notes


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_runs_with_defaults(tmp_path):
    """Defaults: the 2025 cycle (30 days either side of election day, 11 Nov 2025), the 2025 seats."""
    out = tmp_path / "run"
    run_notebook("04_elections_vs_incidents.ipynb", out)
    files = _outputs(out)
    for stem in ("governorate_summary", "incidents_joined", "windows", "windows_by_governorate",
                 "baghdad_green_zone", "baghdad_bands"):
        assert f"tables/04_{stem}.csv" in files and f"tables/04_{stem}.parquet" in files
    for fig in ("incidents_by_governorate", "incidents_vs_iran_aligned_change", "incidents_per_seat_2025"):
        assert f"figures/04_{fig}.png" in files and f"figures/04_{fig}.svg" in files
    assert "maps/04_baghdad_distance_rings.html" in files
    summary = pd.read_csv(out / "tables" / "04_governorate_summary.csv").set_index("iso_3166_2")
    # curated incidents.csv, 12 Oct – 10 Dec 2025: IRQIA0078 and 0080 (Baghdad), 0079 (Nineveh),
    # 0081 (Kirkuk, election day), 0082 (Sulaymaniyah, 26 Nov)
    assert len(summary) == 18 and summary["incidents"].sum() == 5
    assert summary.loc[["IQ-BG", "IQ-NI", "IQ-KI", "IQ-SU"], "incidents"].tolist() == [2, 1, 1, 1]
    assert summary.loc["IQ-BG", "incidents_per_seat_2025"] == pytest.approx(round(2 / _seats(2025)["IQ-BG"], 4))
    # the seat change runs 2018 → 2025 (no 2021 breakdown): only Najaf has both, Fatah 3 → Sadiqoun 2
    assert summary.loc["IQ-NA", "iran_aligned_change"] == -1
    windows = pd.read_parquet(out / "tables" / "04_windows.parquet").set_index("window")
    assert windows.loc["before", "incidents"] == 3 and windows.loc["after", "incidents"] == 2
    assert str(windows.loc["before", "start"])[:10] == "2025-10-12" and str(windows.loc["after", "end"])[:10] == "2025-12-10"
    text = _cell_text(out)
    assert "windows centred on ed_2025: 11 Nov 2025" in text
    assert "period 2025-10-12 to 2025-12-10; seats of the 2025 election" in text


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_centres_on_a_2026_milestone_with_the_2021_seats(tmp_path):
    """A government-formation milestone of the 2025 cycle; the seats of 2021, which has no list breakdown."""
    out = tmp_path / "run"
    run_notebook("04_elections_vs_incidents.ipynb", out, milestone="pm_nominee_2026", window_days=45,
                 election_year=2021)
    windows = pd.read_csv(out / "tables" / "04_windows.csv").set_index("window")
    # 10 Dec 2025 – 23 Jan 2026 before: nothing; 24 Jan – 9 Mar 2026 after: IRQIA0083–0087
    assert windows.loc["before", "incidents"] == 0 and windows.loc["after", "incidents"] == 5
    summary = pd.read_csv(out / "tables" / "04_governorate_summary.csv").set_index("iso_3166_2")
    assert summary.loc[["IQ-BB", "IQ-BA", "IQ-AN", "IQ-BG"], "incidents"].tolist() == [1, 1, 1, 2]
    files = _outputs(out)
    assert "figures/04_incidents_per_seat_2021.png" in files
    assert not any("iran_aligned" in f for f in files)   # no scatter drawn for a year without a breakdown
    text = _cell_text(out)
    assert "No per-governorate list breakdown is published for 2021: no bloc scatter" in text
    assert "windows centred on pm_nominee_2026: 24 Jan 2026" in text


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_centres_on_a_2018_milestone(tmp_path):
    """The 2018 cycle: its seats, and the bloc scatter on its own breakdown (no earlier election has one)."""
    out = tmp_path / "run"
    run_notebook("04_elections_vs_incidents.ipynb", out, milestone="ratify_2018")
    files = _outputs(out)
    # no incident in 2018's windows: a per-seat map of zeros is not saved, the page says why
    assert not [f for f in files if "incidents_per_seat_2018" in f]
    assert "no governorate has incidents in the period and 2018 seats to divide them by" in _cell_text(out)
    assert "figures/04_incidents_vs_iran_aligned_change.svg" in files
    svg = (out / "figures" / "04_incidents_vs_iran_aligned_change.svg").read_text()
    assert "Iran-aligned seats won in 2018" in svg
    summary = pd.read_csv(out / "tables" / "04_governorate_summary.csv").set_index("iso_3166_2")
    # the curated set has no incident in 2018; Dhi Qar 2018: Fatah 5 of 19 seats, Najaf: Fatah 3
    assert summary["incidents"].sum() == 0
    assert summary.loc[["IQ-DQ", "IQ-NA"], "iran_aligned_2018"].tolist() == [5, 3]
    assert summary["incidents_per_seat_2018"].eq(0).all()
    assert "seats of the 2018 election" in _cell_text(out)


def test_notebook_parameter_choices_come_from_the_library():
    """incidents_format lists the source registry in notebooks 03, 04 and 06; a milestone is checked before a run."""
    from iraq_atlas.errors import ParameterError
    from iraq_atlas.incidents.sources import formats
    from iraq_atlas.runner.params import read_params
    from iraq_atlas.runner.plan import plan

    nbs = Path(__file__).resolve().parents[2] / "notebooks"
    for name in ("03_incidents.ipynb", "04_elections_vs_incidents.ipynb", "06_hotspots_and_trends.ipynb"):
        p = read_params(nbs / name).params["incidents_format"]
        assert p.choices == ("auto", "curated", "acled", "ucdp", "generic", "geojson") == ("auto", *formats())
        assert "(one of: " + ", ".join(p.choices) + ")" in p.help
    m = read_params(nbs / "04_elections_vs_incidents.ipynb").params["milestone"]
    for mid in ("ed_2018", "govt_2022", "ed_2025", "speaker_2025", "govt_2026", "soleimani_muhandis_killed"):
        assert mid in m.choices
    with pytest.raises(ParameterError, match="'milestone' must be one of"):
        plan([nbs / "04_elections_vs_incidents.ipynb"], {"milestone": "ed_2019"})
    with pytest.raises(ParameterError, match="'election_year' must be one of"):
        plan([nbs / "04_elections_vs_incidents.ipynb"], {"election_year": "2019"})


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_runs_with_a_user_acled_export(tmp_path, geodata_dir):
    src = tmp_path / "acled.csv"
    write_acled(src)
    out = tmp_path / "run"
    run_notebook("04_elections_vs_incidents.ipynb", out, incidents_path=str(src), incidents_format="acled",
                 boundaries_path=str(geodata_dir), milestone="election_day_2021", window_days=7,
                 start_date="2021-09-26", end_date="2021-11-14")
    summary = pd.read_csv(out / "tables" / "04_governorate_summary.csv").set_index("iso_3166_2")
    assert summary.loc[["IQ-BG", "IQ-DI", "IQ-BA"], "incidents"].tolist() == [2, 1, 1]
    assert summary["incidents"].sum() == 4
    joined = pd.read_parquet(out / "tables" / "04_incidents_joined.parquet").set_index("event_id_cnty")
    assert joined.loc["IRQ3", "flags"] == "boundary" and joined.loc["IRQ3", "governorate"] == "IQ-DI"
    assert joined.loc["IRQ1", "district"] == "Al-Risafa"
    windows = pd.read_csv(out / "tables" / "04_windows.csv").set_index("window")
    # 3–9 Oct before, 10–16 Oct after: only IRQ1 (12 Oct)
    assert windows.loc["before", "incidents"] == 0 and windows.loc["after", "incidents"] == 1
    page = (out / "maps" / "04_baghdad_distance_rings.html").read_text(encoding="utf-8")
    assert "Tahrir <b>" not in page and "Distance from the PM residence" in page


def test_the_default_report_shows_the_2025_cycle_beside_2021():
    """Planned with no parameters, the shipped notebooks cover 2025 (02, 04, 06) and keep 2021's seed event (03)."""
    from iraq_atlas.runner.plan import default_notebooks_dir, discover, plan

    jobs = {j.notebook.name[:2]: j.params for j in plan(discover(default_notebooks_dir()), {})}
    assert jobs["02"]["years"] == ["2018", "2021", "2025"]
    assert (jobs["03"]["start_date"], jobs["03"]["end_date"]) == ("2021-09-26", "2021-11-21")  # 7 Nov 2021 inside
    assert jobs["04"]["milestone"] == "ed_2025" and jobs["04"]["election_year"] == 0
    assert "ed_2025" in jobs["06"]["milestones"] and "ed_2021" in jobs["06"]["milestones"]
