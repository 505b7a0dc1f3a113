"""Elections 2018, 2021 and 2025: the curated tables, their validation, aggregates, charts, CLI and notebook 02.

Expected numbers are read off geodata/elections/*.csv by hand (sums written out in comments).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from conftest import run_notebook  # noqa: E402
from iraq_atlas import elections
from iraq_atlas.cli import main  # noqa: E402
from iraq_atlas.errors import DataError  # noqa: E402
from iraq_atlas.files import data_path
from iraq_atlas.places.boundaries import load_boundaries, tile_grid_boundaries  # noqa: E402
from iraq_atlas.viz import charts, maps  # noqa: E402
from iraq_atlas.vocab import BLOC_COLORS

ELECTIONS = data_path("elections")


@pytest.fixture(scope="module")
def data() -> elections.ElectionData:
    return elections.load_elections()


# -- the real files ---------------------------------------------------------------------
def test_real_files_load_with_329_seats_each_year(data):
    n = data.national
    assert n.groupby("year")["seats"].sum().to_dict() == {2018: 329, 2021: 329, 2025: 329}
    assert data.governorate_seats.groupby("year")["seats"].sum().to_dict() == {2018: 329, 2021: 329, 2025: 329}
    assert len(data.governorate_seats) == 54  # 18 governorates × 3 years
    seats = n.set_index(["year", "list_id"])["seats"]
    assert seats[(2018, "saairun")] == 54 and seats[(2021, "sadrist")] == 73
    assert seats[(2018, "fatah")] == 48 and seats[(2021, "fatah")] == 17
    # preliminary counts kept apart from the certified ones
    assert seats[(2018, "fatah")] != n.set_index(["year", "list_id"]).loc[(2018, "fatah"), "seats_preliminary"] == 47


def test_governorate_tables_hold_quota_seats_and_published_breakdowns(data):
    g = data.governorate_seats.set_index(["year", "iso_3166_2"])
    assert g.loc[(2018, "IQ-BG"), "seats"] == 71 and g.loc[(2018, "IQ-BG"), "minority_seats"] == 2
    assert g.loc[(2021, "IQ-NI"), "seats"] == 34 and g.loc[(2021, "IQ-NI"), "minority_seats"] == 3
    assert data.governorate_seats.groupby("year")["minority_seats"].sum().to_dict() == {2018: 9, 2021: 9, 2025: 9}
    assert int(data.governorate_seats.loc[data.governorate_seats["year"] == 2021, "constituencies"].sum()) == 83
    r = data.governorate_results
    assert sorted(r.loc[r["year"] == 2018, "iso_3166_2"].unique()) == ["IQ-DQ", "IQ-KA", "IQ-MA", "IQ-MU", "IQ-NA"]
    assert sorted(r.loc[r["year"] == 2025, "iso_3166_2"].unique()) == ["IQ-AR", "IQ-BG", "IQ-DA", "IQ-NA", "IQ-SU"]
    assert set(r["year"]) == {2018, 2025}
    # Dhi Qar 2018: Sairoon 6 + Fatah 5 + Nasr 3 + State of Law 3 + Hikma 2 = 19
    assert r[r["iso_3166_2"] == "IQ-DQ"]["seats"].sum() == 19


def test_milestones_are_dated_and_sorted(data):
    ms = data.milestones
    assert ms["date"].is_monotonic_increasing
    row = ms.set_index("milestone_id").loc["ed_2018"]
    assert str(row["date"].date()) == "2018-05-12" and row["kind"] == "election_day"
    assert set(elections.milestones_for(ms, [2018])["date"].dt.year) <= {2018, 2019}


def test_national_turnout_loads_as_announced(data):
    t = data.national_turnout
    assert list(zip(t["year"], t["stage"])) == [(2018, "preliminary"), (2021, "preliminary"), (2021, "final"),
                                               (2025, "preliminary"), (2025, "final")]
    rows = t.set_index(["year", "stage"])
    # national_turnout.csv row 1: 10,840,989 votes, 44.52%, no exact registered total in the source
    assert rows.loc[(2018, "preliminary"), "turnout_pct"] == 44.52
    assert rows.loc[(2018, "preliminary"), "votes_cast"] == 10_840_989
    assert pd.isna(rows.loc[(2018, "preliminary"), "registered_voters"])
    # row 2: 41% from 94% of stations (9,077,779 of 22,116,368)
    assert rows.loc[(2021, "preliminary"), "turnout_pct"] == 41
    assert rows.loc[(2021, "preliminary"), "votes_cast"] == 9_077_779
    # row 3: final 44% as IHEC announced it, 9,629,601 of 22,116,368 (which would be 43.54%)
    final = rows.loc[(2021, "final")]
    assert final["turnout_pct"] == 44 and final["votes_cast"] == 9_629_601
    assert final["registered_voters"] == 22_116_368
    assert round(final["votes_cast"] / final["registered_voters"] * 100, 2) == 43.54
    assert t["source_url"].str.startswith("https://").all()


def test_national_turnout_table_prefers_final(data):
    table = elections.national_turnout_table(data)
    assert list(table.columns) == ["year", "stage", "registered_voters", "votes_cast", "turnout_pct", "source_url"]
    assert table[["year", "stage", "turnout_pct"]].values.tolist() == [[2018, "preliminary", 44.52],
                                                                       [2021, "final", 44.0],
                                                                       [2025, "final", 56.11]]
    # final wins whatever the row order; a year with only a preliminary figure keeps it
    small = pd.DataFrame({"year": [2021, 2021, 2018], "stage": ["final", "preliminary", "preliminary"],
                          "registered_voters": [None] * 3, "votes_cast": [None] * 3,
                          "turnout_pct": [44.0, 41.0, 44.52], "source_url": ["https://x"] * 3})
    picked = elections.national_turnout_table(small)
    assert picked[["year", "stage", "turnout_pct"]].values.tolist() == [[2018, "preliminary", 44.52],
                                                                        [2021, "final", 44.0]]
    assert elections.national_turnout_table(elections.ElectionData(*[None] * 4)).empty


# -- one broken file per rule --------------------------------------------------------------
def _broken(tmp_path: Path, file: str, edit) -> Path:
    """Copy the curated folder, apply ``edit`` to one table (a DataFrame of strings), return the folder."""
    folder = tmp_path / "elections"
    shutil.copytree(ELECTIONS, folder)
    df = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    df = edit(df)
    df.to_csv(folder / file, index=False)
    return folder


def _set(row: int, column: str, value: str):
    def edit(df):
        df.loc[row - 1, column] = value  # data row N is index N-1
        return df
    return edit


BROKEN = [
    # (rule, file, edit, row, column, words in the reason)
    ("year outside 2018/2021", "national_results.csv", _set(1, "year", "2019"), 1, "year", "not one of"),
    ("negative seats", "national_results.csv", _set(3, "seats", "-1"), 3, "seats", "≥ 0"),
    ("missing seats", "national_results.csv", _set(2, "seats", ""), 2, "seats", "missing"),
    ("fractional seats", "governorate_seats.csv", _set(4, "seats", "16.5"), 4, "seats", "whole number"),
    ("text as seats", "governorate_results.csv", _set(2, "seats", "five"), 2, "seats", "not a number"),
    ("unknown ISO code", "governorate_seats.csv", _set(5, "iso_3166_2", "IQ-XX"), 5, "iso_3166_2", "unknown ISO"),
    ("name instead of code", "governorate_results.csv", _set(1, "iso_3166_2", "Dhi Qar"), 1, "iso_3166_2",
     "did you mean IQ-DQ"),
    ("bloc outside the vocabulary", "national_results.csv", _set(6, "bloc", "secular"), 6, "bloc", "unknown bloc"),
    ("list_id not in national results", "governorate_results.csv", _set(3, "list_id", "nasr_2018"), 3, "list_id",
     "not in the national results"),
    ("bloc differs from national", "governorate_results.csv", _set(4, "bloc", "sunni"), 4, "bloc", "differs"),
    ("missing source_url", "national_results.csv", _set(7, "source_url", ""), 7, "source_url", "missing"),
    ("source that is not a URL", "governorate_seats.csv", _set(8, "source_url", "IHEC leaflet"), 8, "source_url",
     "http(s) URL"),
    ("milestone with bad date", "milestones.csv", _set(2, "date", "2018-13-40"), 2, "date", "not a date"),
    ("milestone kind", "milestones.csv", _set(3, "kind", "party"), 3, "kind", "not one of"),
    ("duplicate list", "national_results.csv", _set(2, "list_id", "saairun"), 2, "list_id", "duplicate"),
    ("more quota seats than seats", "governorate_seats.csv", _set(1, "minority_seats", "16"), 1, "minority_seats",
     "exceed"),
    # national_turnout.csv: row 2 is 2021 preliminary, row 3 2021 final
    ("duplicate turnout year and stage", "national_turnout.csv", _set(2, "stage", "final"), 3, "stage",
     "duplicate row for year=2021, stage=final"),
    ("unknown turnout stage", "national_turnout.csv", _set(1, "stage", "provisional"), 1, "stage",
     "'provisional' is not one of preliminary, final"),
    ("turnout above 100", "national_turnout.csv", _set(2, "turnout_pct", "120"), 2, "turnout_pct", "≤ 100"),
    ("turnout without source", "national_turnout.csv", _set(3, "source_url", ""), 3, "source_url", "missing"),
    ("negative votes cast", "national_turnout.csv", _set(1, "votes_cast", "-5"), 1, "votes_cast", "≥ 0"),
    ("turnout year outside 2018/2021", "national_turnout.csv", _set(1, "year", "2014"), 1, "year", "not one of"),
]


@pytest.mark.parametrize("rule,file,edit,row,column,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_rejects_a_broken_file(tmp_path, rule, file, edit, row, column, words):
    folder = _broken(tmp_path, file, edit)
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    msg = str(err.value)
    assert f"{file}, row {row}, column '{column}'" in msg, msg
    assert words in msg, msg


@pytest.mark.parametrize("file,edit,words", [
    # 2018 Sairoon 54 → 55 makes the national 2018 total 330
    ("national_results.csv", _set(1, "seats", "55"), "2018 (rows 1–37): list seats add up to 330, not the national total of 329"),
    # 2021 Baghdad (data row 23) 71 → 70 makes the governorates add up to 328
    ("governorate_seats.csv", _set(23, "seats", "70"), "2021 (rows 19–36): governorate seats add up to 328"),
    # Dhi Qar 2018 Sairoon 6 → 7: the breakdown no longer matches the 19 seats
    ("governorate_results.csv", _set(1, "seats", "7"), "2018 IQ-DQ (rows 1–5): lists add up to 20, but the governorate elects 19"),
])
def test_totals_that_do_not_add_up_name_file_rows_and_column(tmp_path, file, edit, words):
    folder = _broken(tmp_path, file, edit)
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    msg = str(err.value)
    assert f"{file}, column 'seats'" in msg and words in msg, msg


def _add(row: int, column: str, delta: int):
    def edit(df):
        df.loc[row - 1, column] = str(int(df.loc[row - 1, column]) + delta)
        return df
    return edit


def _copy_key(row: int, column: str):
    """Give data row ``row`` the ``column`` value of the row after it (a repeated key)."""
    def edit(df):
        df.loc[row - 1, column] = df.loc[row, column]
        return df
    return edit


# First data row of each year: national_results.csv 2018 rows 1–37, 2021 38–71, 2025 72–117;
# governorate_seats.csv 1–18, 19–36, 37–54; national_turnout.csv 2018 row 1, 2021 rows 2–3, 2025 rows 4–5.
FIRST = {2018: (1, 1, 1), 2021: (38, 19, 2), 2025: (72, 37, 4)}
YEARLY = [
    # (rule, file, edit made from (national row, seats row, turnout row), reported row minus that row, column, words)
    ("negative list seats", "national_results.csv", lambda n, s, u: _set(n, "seats", "-3"), 0, "seats", "must be ≥ 0"),
    ("missing list seats", "national_results.csv", lambda n, s, u: _set(n, "seats", ""), 0, "seats",
     "value is missing"),
    ("list bloc outside the vocabulary", "national_results.csv", lambda n, s, u: _set(n, "bloc", "liberal"), 0,
     "bloc", "unknown bloc 'liberal'"),
    ("list without a name", "national_results.csv", lambda n, s, u: _set(n, "list_name_en", ""), 0, "list_name_en",
     "value is missing"),
    ("votes that are not a number", "national_results.csv", lambda n, s, u: _set(n, "votes", "many"), 0, "votes",
     "not a number: 'many'"),
    ("repeated list", "national_results.csv", lambda n, s, u: _copy_key(n, "list_id"), 1, "list_id",
     "duplicate row for year="),
    ("unknown governorate code", "governorate_seats.csv", lambda n, s, u: _set(s, "iso_3166_2", "IQ-ZZ"), 0,
     "iso_3166_2", "unknown ISO 3166-2:IQ code 'IQ-ZZ'"),
    ("negative women's quota", "governorate_seats.csv", lambda n, s, u: _set(s, "women_quota", "-1"), 0,
     "women_quota", "must be ≥ 0"),
    ("no constituency", "governorate_seats.csv", lambda n, s, u: _set(s, "constituencies", "0"), 0,
     "constituencies", "must be ≥ 1"),
    ("governorate turnout above 100", "governorate_seats.csv", lambda n, s, u: _set(s, "turnout_pct", "101"), 0,
     "turnout_pct", "must be ≤ 100"),
    ("fractional registered voters", "governorate_seats.csv", lambda n, s, u: _set(s, "registered_voters", "1.5"),
     0, "registered_voters", "not a whole number"),
    ("repeated governorate", "governorate_seats.csv", lambda n, s, u: _copy_key(s, "iso_3166_2"), 1, "iso_3166_2",
     "duplicate row for year="),
    ("national turnout missing", "national_turnout.csv", lambda n, s, u: _set(u, "turnout_pct", ""), 0,
     "turnout_pct", "value is missing"),
    ("national turnout source not a URL", "national_turnout.csv", lambda n, s, u: _set(u, "source_url", "IHEC"), 0,
     "source_url", "http(s) URL"),
]


@pytest.mark.parametrize("year", [2018, 2021, 2025])
@pytest.mark.parametrize("rule,file,make,offset,column,words", YEARLY, ids=[r[0] for r in YEARLY])
def test_each_rule_holds_for_every_year(tmp_path, year, rule, file, make, offset, column, words):
    n, s, u = FIRST[year]
    folder = _broken(tmp_path, file, make(n, s, u))
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    row = {"national_results.csv": n, "governorate_seats.csv": s, "national_turnout.csv": u}[file] + offset
    msg = str(err.value)
    assert f"{file}, row {row}, column '{column}'" in msg and words in msg, msg
    if "duplicate" in words:
        assert f"year={year}" in msg, msg


@pytest.mark.parametrize("year,file,edit,words", [
    (2018, "national_results.csv", _add(1, "seats", 1), "2018 (rows 1–37): list seats add up to 330"),
    (2021, "national_results.csv", _add(38, "seats", 1), "2021 (rows 38–71): list seats add up to 330"),
    (2025, "national_results.csv", _add(72, "seats", -1), "2025 (rows 72–117): list seats add up to 328"),
    (2018, "governorate_seats.csv", _add(1, "seats", 2), "2018 (rows 1–18): governorate seats add up to 331"),
    (2021, "governorate_seats.csv", _add(23, "seats", -1), "2021 (rows 19–36): governorate seats add up to 328"),
    (2025, "governorate_seats.csv", _add(37, "seats", 1), "2025 (rows 37–54): governorate seats add up to 330"),
    # Baghdad 2025, governorate_results.csv rows 26–41: RDC 15 + 56 for the other lists = 71 → 72
    (2025, "governorate_results.csv", _add(26, "seats", 1),
     "2025 IQ-BG (rows 26–41): lists add up to 72, but the governorate elects 71"),
    (2018, "governorate_results.csv", _add(1, "seats", -1),
     "2018 IQ-DQ (rows 1–5): lists add up to 18, but the governorate elects 19"),
])
def test_totals_are_checked_in_every_year(tmp_path, year, file, edit, words):
    folder = _broken(tmp_path, file, edit)
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    assert f"{file}, column 'seats': {words}" in str(err.value), str(err.value)


@pytest.mark.parametrize("year", [2018, 2021, 2025])
def test_a_year_without_rows_or_without_a_governorate_is_reported(tmp_path, year):
    folder = _broken(tmp_path, "national_results.csv", lambda df: df[df["year"] != str(year)])
    with pytest.raises(DataError, match=f"national_results.csv, column 'year': no rows for {year}"):
        elections.load_elections(folder)
    folder = _broken(tmp_path / "g", "governorate_seats.csv",
                     lambda df: df[~((df["year"] == str(year)) & (df["iso_3166_2"] == "IQ-WA"))])
    with pytest.raises(DataError, match=rf"{year}: governorates missing: \['IQ-WA'\]"):
        elections.load_elections(folder)


@pytest.mark.parametrize("year,row", [(2018, 22), (2025, 59)])   # Najaf 2018 Sairoon; Erbil 2025 KDP
def test_breakdown_lists_must_be_national_lists_of_that_year(tmp_path, year, row):
    folder = _broken(tmp_path, "governorate_results.csv", _set(row, "list_id", "no_such_list"))
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    assert (f"governorate_results.csv, row {row}, column 'list_id': list 'no_such_list' is not in the national "
            f"results for {year}") in str(err.value)
    folder = _broken(tmp_path / "d", "governorate_results.csv", _copy_key(row, "list_id"))
    with pytest.raises(DataError, match=f"row {row + 1}, column 'list_id': duplicate row for year={year}"):
        elections.load_elections(folder)


def test_milestone_rules(tmp_path):
    # milestones.csv rows 20 and 25: ed_2025 and session1_2025
    cases = [(_set(25, "milestone_id", "ed_2025"), 25, "milestone_id", "duplicate row for milestone_id=ed_2025"),
             (_set(26, "label", ""), 26, "label", "value is missing"),
             (_set(27, "source_url", "Rudaw"), 27, "source_url", "source must be an http(s) URL, not 'Rudaw'"),
             (_set(30, "date", "14 May 2026"), 30, "date", "not a date (YYYY-MM-DD): '14 May 2026'")]
    for i, (edit, row, column, words) in enumerate(cases):
        folder = _broken(tmp_path / str(i), "milestones.csv", edit)
        with pytest.raises(DataError) as err:
            elections.load_elections(folder)
        assert f"milestones.csv, row {row}, column '{column}': {words}" in str(err.value), str(err.value)


def test_the_schema_declares_every_column_the_loader_returns(data):
    for table, frame in [("national_results", data.national), ("governorate_seats", data.governorate_seats),
                         ("governorate_results", data.governorate_results), ("milestones", data.milestones),
                         ("national_turnout", data.national_turnout)]:
        schema = elections.table_schema(table)
        assert list(schema.columns) == list(frame.columns), table
        schema.validate(frame.replace("", None))   # the loaded table meets its own schema
    assert str(data.national["seats"].dtype) == "Int64" and data.milestones["date"].dtype.kind == "M"


def test_missing_column_and_missing_governorate_are_reported(tmp_path):
    folder = _broken(tmp_path, "national_results.csv", lambda df: df.drop(columns="seats"))
    with pytest.raises(DataError, match=r"national_results.csv, column 'seats': required column is missing"):
        elections.load_national_results(folder / "national_results.csv")
    folder2 = _broken(tmp_path / "b", "governorate_seats.csv", lambda df: df[df["iso_3166_2"] != "IQ-MU"])
    with pytest.raises(DataError, match=r"2018: governorates missing: \['IQ-MU'\]"):
        elections.load_governorate_seats(folder2 / "governorate_seats.csv")


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    def two(df):
        df.loc[0, "bloc"] = "x"
        df.loc[9, "seats"] = "-2"
        return df
    folder = _broken(tmp_path, "national_results.csv", two)
    with pytest.raises(DataError) as err:
        elections.load_national_results(folder / "national_results.csv")
    assert len(err.value.problems) == 2


# -- aggregates and change ----------------------------------------------------------------------
def test_seats_by_bloc_match_hand_counts(data):
    b = elections.seats_by_bloc(data.national).set_index(["year", "bloc"])["seats"]
    # sunni 2018: Qarar 14 + Anbar 6 + Baghdad Alliance 3 + Arabs of Kirkuk 3 + Nineveh 3 + Hasm 3 + Masses 2 + Saladin 1
    assert b[(2018, "sunni")] == 35
    # sunni 2021: Taqaddum 37 + Azm 14 + Identity 3 + Hasm 3 + Masses 1 + INP 1 + Arabs of Kirkuk 1 + Nation 1
    assert b[(2021, "sunni")] == 61
    # iran_aligned 2021: Fatah 17 + National Contract 4 + Huquq 1
    assert b[(2021, "iran_aligned")] == 22
    # kurdish: 2018 KDP 25 + PUK 18 + Gorran 5 + NGM 4 + CDJ 2 + KIU 2 + Komal 2; 2021 KDP 31 + KA 17 + NGM 9 + Komal 1
    assert b[(2018, "kurdish")] == 58 and b[(2021, "kurdish")] == 58
    assert b[(2021, "protest")] == 15 and (2018, "protest") not in b.index  # Imtidad 9 + Ishraqat Kanoon 6
    share = elections.seats_by_bloc(data.national).set_index(["year", "bloc"])["share_pct"]
    assert share[(2021, "sadrist")] == round(73 / 329 * 100, 2) == 22.19


def test_change_by_bloc_and_by_list(data):
    c = elections.change_by_bloc(data.national).set_index("bloc")
    assert (c.loc["sadrist", "seats_2018"], c.loc["sadrist", "seats_2021"], c.loc["sadrist", "change"]) == (54, 73, 19)
    assert (c.loc["iran_aligned", "seats_2018"], c.loc["iran_aligned", "seats_2021"]) == (48, 22)
    assert (c.loc["protest", "seats_2018"], c.loc["protest", "change"]) == (0, 15)
    assert c["change"].sum() == 0  # 329 seats both times
    assert c.loc["sadrist", "share_change_pp"] == pytest.approx(22.19 - 16.41, abs=0.011)
    lists = elections.change_by_list(data.national).set_index("list_id")
    assert (lists.loc["fatah", "seats_2018"], lists.loc["fatah", "seats_2021"], lists.loc["fatah", "change"]) == (48, 17, -31)
    assert lists.loc["sadrist", "matched_by"] == "leader" and lists.loc["sadrist", "seats_2018"] == 54
    assert lists.loc["kdp", "change"] == 6  # 25 → 31
    assert "ansf" not in lists.index  # Abadi and Hakim's joint list is not Nasr under another name


def test_list_successors_rule_on_a_small_table():
    national = pd.DataFrame([
        {"year": 2018, "list_id": "a", "leader": "X", "bloc": "sunni"},
        {"year": 2018, "list_id": "b", "leader": "Y", "bloc": "sunni"},
        {"year": 2018, "list_id": "c", "leader": "Z", "bloc": "kurdish"},
        {"year": 2021, "list_id": "a2", "leader": "X", "bloc": "sunni"},       # same leader and bloc
        {"year": 2021, "list_id": "b", "leader": "Q", "bloc": "sunni"},        # same id
        {"year": 2021, "list_id": "c2", "leader": "Z", "bloc": "other"},       # bloc differs
        {"year": 2021, "list_id": "d", "leader": "Y; Z", "bloc": "sunni"},     # joint list
    ])
    pairs = elections.list_successors(national)
    assert sorted(map(tuple, pairs.to_numpy().tolist())) == [("a", "a2", "leader"), ("b", "b", "list_id")]


@pytest.mark.parametrize("by", ["list", "bloc", "governorate"])
def test_seats_table_adds_up(data, by):
    for year in (2018, 2021):
        t = elections.seats_table(year, by, data)
        assert list(t.columns) == ["year", "name", "iso_3166_2", "bloc", "seats"]
        assert t["seats"].sum() == 329 and set(t["year"]) == {year}
        if by == "governorate":
            assert len(t) == 18 and t["iso_3166_2"].str.match(r"^IQ-[A-Z]{2}$").all()
        else:
            assert (t["iso_3166_2"] == "").all() and (t["bloc"] != "").all()


def test_seats_table_rejects_bad_arguments(data):
    with pytest.raises(ValueError, match="year must be one of"):
        elections.seats_table(2014, "list", data)
    with pytest.raises(ValueError, match="by must be"):
        elections.seats_table(2018, "party", data)


def test_turnout_and_coverage_say_not_published(data):
    t = elections.turnout(data.governorate_seats)
    old = t[t["year"] < 2025]
    assert (old["status"] == "not published").all() and old["turnout_pct"].isna().all()
    # governorate_seats.csv, 2025 rows: final turnout published for Baghdad, Duhok, Erbil and Sulaymaniyah only
    pub = t[t["status"] == "published"].set_index("iso_3166_2")["turnout_pct"].to_dict()
    assert pub == {"IQ-AR": 71.82, "IQ-SU": 60.47, "IQ-BG": 48.86, "IQ-DA": 77.61}
    cov = elections.breakdown_coverage(data.governorate_seats, data.governorate_results)
    # per-list breakdowns: five governorates in 2018 (unchanged), five in 2025 (Baghdad, Najaf, Erbil, Duhok,
    # Sulaymaniyah), none in 2021
    by_year = cov[cov["breakdown"] == "published"].groupby("year").size().to_dict()
    assert by_year == {2018: 5, 2025: 5} and len(cov) == 54


def test_notebook_parameter_checks():
    assert elections.check_years(["2021", "2018", "2021"]) == [2018, 2021]
    with pytest.raises(ValueError, match="parameter 'years': 2019"):
        elections.check_years(["2019"])
    assert elections.check_governorates(["Nineveh", "IQ-BG"]) == ["IQ-NI", "IQ-BG"]
    assert len(elections.check_governorates([])) == 18
    with pytest.raises(ValueError, match="parameter 'governorates'"):
        elections.check_governorates(["Atlantis"])
    with pytest.raises(ValueError, match="parameter 'grouping'"):
        elections.check_grouping("party")


# -- CLI -------------------------------------------------------------------------------------------
def _cli(capsys, *args) -> list[dict]:
    assert main(["elections", *args]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_cli_by_list_bloc_and_governorate(capsys):
    rows = _cli(capsys, "--year", "2021", "--by", "list", "--format", "csv")
    assert list(rows[0]) == ["year", "name", "iso_3166_2", "bloc", "seats"]
    assert rows[0]["name"] == "Sadrist Movement (Sadrist Bloc)" and rows[0]["seats"] == "73"
    assert sum(int(r["seats"]) for r in rows) == 329
    fatah = [r for r in rows if r["name"] == "Fatah Alliance"]
    assert fatah == [{"year": "2021", "name": "Fatah Alliance", "iso_3166_2": "", "bloc": "iran_aligned", "seats": "17"}]
    blocs = {r["bloc"]: int(r["seats"]) for r in _cli(capsys, "--year", "2018", "--by", "bloc")}
    assert blocs["sadrist"] == 54 and blocs["iran_aligned"] == 48 and sum(blocs.values()) == 329
    govs = {r["iso_3166_2"]: int(r["seats"]) for r in _cli(capsys, "--year", "2018", "--by", "governorate")}
    assert len(govs) == 18 and govs["IQ-BG"] == 71 and govs["IQ-MU"] == 7 and sum(govs.values()) == 329


def test_cli_rejects_unknown_year(capsys):
    with pytest.raises(SystemExit):
        main(["elections", "--year", "2019", "--by", "list"])
    assert "invalid choice" in capsys.readouterr().err


# -- charts -------------------------------------------------------------------------------------------
def test_hemicycle_layout_small_case_by_hand():
    # 5 seats: 2 rows (radii 0.4 and 1.0); 5·0.4/1.4 = 1.43 → 1 seat inside, 3.57 → 4 outside
    lay = charts.hemicycle_layout(5)
    assert lay.groupby("row").size().tolist() == [1, 4]
    inner = lay[lay["row"] == 0].iloc[0]
    assert (round(inner["x"], 9), round(inner["y"], 9)) == (0.0, 0.4)
    outer = lay[lay["row"] == 1]
    assert [round(math.degrees(a)) for a in outer["angle"]] == [180, 120, 60, 0]
    assert charts.hemicycle_layout(1)[["x", "y"]].round(9).values.tolist() == [[0.0, 1.0]]


def test_hemicycle_layout_329_seats_do_not_overlap():
    lay = charts.hemicycle_layout(329)
    assert len(lay) == 329 and lay["angle"].is_monotonic_decreasing
    assert (lay["y"] >= -1e-9).all() and lay["radius"].between(0.4 - 1e-9, 1 + 1e-9).all()
    r = lay.attrs["seat_radius"]
    pts = lay[["x", "y"]].to_numpy()
    closest = min(math.dist(p, q) for p, q in itertools.combinations(pts, 2))
    assert closest > 2 * r > 0
    assert abs(lay["x"].sum()) < 1e-9  # symmetric about the centre line


def test_hemicycle_draws_one_circle_per_seat(data, tmp_path):
    blocs = elections.seats_by_bloc(data.national)
    fig = charts.hemicycle(blocs[blocs["year"] == 2021], "2021")
    ax = fig.axes[0]
    seats = [p for p in ax.patches if isinstance(p, Circle) and (p.get_gid() or "").startswith("seat-")]
    assert len(seats) == 329
    assert sum(p.get_gid() == "seat-sadrist" for p in seats) == 73
    assert matplotlib.colors.to_hex(seats[0].get_facecolor()) == BLOC_COLORS["sadrist"]  # leftmost wedge
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Sadrist — 73" in legend and "Iran-aligned (Fatah & allies) — 22" in legend
    png, svg = charts.save_figure(fig, tmp_path, "02_hemicycle_2021")
    plt.close(fig)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert svg.read_text().count('id="seat-sadrist"') == 73


def test_seat_change_chart_labels_the_big_moves(data, tmp_path):
    fig = charts.seat_change_chart(elections.change_by_bloc(data.national), elections.change_by_list(data.national))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "54 → 73 (+19)" in texts and "48 → 17 (−31)" in texts and "48 → 22 (−26)" in texts
    assert len(fig.axes) == 2
    png, svg = charts.save_figure(fig, tmp_path, "02_seat_change")
    plt.close(fig)
    assert png.stat().st_size > 20_000 and "Fatah" in svg.read_text()


def test_seats_map_tile_grid_offline(data, tmp_path):
    grid = tile_grid_boundaries()  # the cartogram is asked for; the default is real polygons
    assert grid.is_fallback and grid.origin == "tile-grid"
    part = data.governorate_seats[data.governorate_seats["year"] == 2018]
    blocs = elections.governorate_blocs(data.governorate_results)
    fig = charts.seats_map(part, grid, 2018, blocs=blocs)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "IQ-BG\n71" in texts and "IQ-MU\n7" in texts
    assert "tile-grid" in fig.axes[0].get_title()
    png, _ = charts.save_figure(fig, tmp_path, "map")
    plt.close(fig)
    assert png.stat().st_size > 20_000


def test_seats_map_default_boundaries_are_the_embedded_polygons(data, tmp_path):
    adm1 = load_boundaries("ADM1")
    assert adm1.origin == "embedded" and not adm1.is_fallback and len(adm1.gdf) == 18
    part = data.governorate_seats[data.governorate_seats["year"] == 2021]
    fig = charts.seats_map(part, adm1, 2021, highlight=["IQ-BG"])
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "71" in texts and "34" in texts and "IQ-BG\n71" not in texts
    assert "tile-grid" not in ax.get_title() and "governorates" in ax.get_title()
    assert "OCHA" in texts[-1]  # the credit line of the embedded COD-AB polygons
    png, _ = charts.save_figure(fig, tmp_path, "map")
    plt.close(fig)
    assert png.stat().st_size > 20_000


def test_seats_map_choropleth_with_real_polygons(data, adm1, tmp_path):
    part = data.governorate_seats[data.governorate_seats["year"] == 2021]
    fig = charts.seats_map(part, adm1, 2021, highlight=["IQ-BG"])
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "71" in texts and "34" in texts and "tile-grid" not in ax.get_title()
    png, svg = charts.save_figure(fig, tmp_path, "map")
    plt.close(fig)
    assert png.stat().st_size > 20_000 and svg.stat().st_size > 50_000


def test_turnout_chart_never_draws_missing_as_zero(tmp_path):
    t = pd.DataFrame({"year": [2021] * 2, "iso_3166_2": ["IQ-BA", "IQ-BG"], "turnout_pct": [51.3, None]})
    fig = charts.turnout_chart(t, [2021])
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert "BA\n51.3%" in texts
    assert sum("not\npublished" in x for x in texts) == 17
    assert "0.0%" not in " ".join(texts)
    assert fig.axes[0].get_title() == "2021: 1 of 18 governorates published"
    charts.save_figure(fig, tmp_path, "turnout")
    plt.close(fig)


def test_turnout_chart_draws_national_bars_beside_the_governorates(data, tmp_path):
    national = elections.national_turnout_table(data)
    published = elections.turnout(data.governorate_seats)
    published.loc[(published["year"] == 2021) & (published["iso_3166_2"] == "IQ-BA"), "turnout_pct"] = 51.3
    fig = charts.turnout_chart(published, [2018, 2021], national=national)
    assert len(fig.axes) == 3
    gov, nat = fig.axes[0], fig.axes[-1]
    assert gov.get_title() == "2018: 0 of 18 governorates published"
    assert sum("not\npublished" in t.get_text() for a in fig.axes[:2] for t in a.texts) == 35
    bars = [p for p in nat.patches if (p.get_gid() or "").startswith("national-turnout-")]
    assert [p.get_gid() for p in bars] == ["national-turnout-2018", "national-turnout-2021"]
    assert [round(p.get_height(), 2) for p in bars] == [44.52, 44.0]
    assert nat.get_xlim()[0] < bars[0].get_x() < bars[1].get_x()
    texts = [t.get_text() for t in nat.texts]
    assert texts == ["44.5%\n(preliminary)", "44.0%\n(final)"]
    assert nat.get_ylim() == (0, 100)
    # only one year chosen: one bar
    one = charts.turnout_chart(elections.turnout(data.governorate_seats), [2021],
                               national=national[national["year"] == 2021])
    assert [p.get_height() for p in one.axes[-1].patches if p.get_gid()] == [44.0]
    png, _ = charts.save_figure(fig, tmp_path, "turnout")
    plt.close(fig)
    plt.close(one)
    assert png.stat().st_size > 20_000


def test_turnout_chart_without_governorate_figures_draws_the_national_bars_alone(data, tmp_path):
    """36 "not published" tiles tell a reader nothing: only the national panel is drawn, and
    with no national figure either the figure is empty and not saved."""
    turnout = elections.turnout(data.governorate_seats)
    assert turnout.loc[turnout["year"].isin([2018, 2021]), "turnout_pct"].isna().all()  # the curated data
    national = elections.national_turnout_table(data)
    fig = charts.turnout_chart(turnout, [2018, 2021], national=national)
    assert len(fig.axes) == 1 and not any("not\npublished" in t.get_text() for t in fig.axes[0].texts)
    assert charts.nothing_to_show(fig) == ""
    plt.close(fig)
    empty = charts.turnout_chart(turnout, [2018, 2021])
    assert charts.nothing_to_show(empty).startswith("no turnout is published")
    assert charts.save_figure(empty, tmp_path, "turnout") == [] and not list(tmp_path.iterdir())


def test_interactive_seats_map_is_offline_and_coloured(data, tmp_path):
    m = maps.seats_folium_map(data.governorate_seats, 2021, load_boundaries("ADM1"), ["IQ-BG", "IQ-NI"])
    path = maps.save_map(m, tmp_path / "02_seats.html")
    page = path.read_text()
    assert "Baghdad: 71 seats" in page and "Seats by governorate, 2021" in page
    assert "<script src=\"http" not in page
    # highlighted governorates are shaded, the other sixteen grey
    assert page.count('"_color": "#e0e0e0"') >= 16


# -- the register of sources: every row's source reports the row's election ----------------------
#: election days, written out here so that the test does not rest on the package's cycle rule
ELECTION_DAYS = {2018: "2018-05-12", 2021: "2021-10-10", 2025: "2025-11-11"}


def _rows(file: str) -> list[dict]:
    with open(ELECTIONS / file, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _row_election(file: str, row: dict) -> int:
    if "year" in row:
        return int(row["year"])
    # a milestone: the election named by its id, or (for a later session or government) the one before
    named = int(row["milestone_id"].rsplit("_", 1)[1])
    return max(y for y in ELECTION_DAYS if y <= named)


def test_every_cited_source_is_registered_and_reports_the_row_election():
    register = {r["source_url"]: r for r in _rows("sources.csv")}
    cited = set()
    for file in ("national_results.csv", "governorate_seats.csv", "governorate_results.csv",
                 "national_turnout.csv", "milestones.csv"):
        for n, row in enumerate(_rows(file), start=1):
            url = row["source_url"]
            cited.add(url)
            assert url in register, (file, n, url)
            assert register[url]["election"] in ("", str(_row_election(file, row))), (file, n, url)
    assert set(register) == cited  # nothing registered that no row cites
    for url, r in register.items():  # a date is known or left empty, never guessed; the evidence is named
        assert r["publisher"] and r["date_evidence"], url


def test_no_2018_or_2021_seat_row_cites_a_2025_article():
    """Every earlier seat row now cites a source of its own year (these rows cited 2025 articles before)."""
    register = {r["source_url"]: r for r in _rows("sources.csv")}
    seats = {(r["year"], r["iso_3166_2"]): r for r in _rows("governorate_seats.csv")}
    for key in [("2018", "IQ-NI"), ("2018", "IQ-AR"), ("2018", "IQ-WA"), ("2021", "IQ-AN"), ("2021", "IQ-BB"),
                ("2021", "IQ-DI"), ("2021", "IQ-KA"), ("2021", "IQ-NA"), ("2021", "IQ-QA"), ("2021", "IQ-SD"),
                ("2021", "IQ-WA"), ("2021", "IQ-BA"), ("2021", "IQ-BG"), ("2021", "IQ-DQ"), ("2021", "IQ-MA"),
                ("2021", "IQ-MU")]:
        source = register[seats[key]["source_url"]]
        assert source["election"] == key[0], key
        # published before the vote or in the months after it (or, for one reprint, not dated at all)
        assert source["published"][:4] in ({"2018"} if key[0] == "2018" else {"2020", "2021", "2022"}) \
            or (key == ("2021", "IQ-SD") and source["published"] == ""), key
    assert not any("2025" in r["source_url"] for r in seats.values() if r["year"] != "2025")


@pytest.mark.parametrize("year", [2018, 2021, 2025])
def test_seat_map_popups_cite_sources_about_the_mapped_election(data, year):
    register = {r["source_url"]: r for r in _rows("sources.csv")}
    page, _ = maps.to_html(maps.seats_folium_map(data.governorate_seats, year, load_boundaries("ADM1")))
    layers = [block["data"]["features"] for block in maps.page_data(page).values()
              if isinstance(block, dict) and "data" in block]
    urls = [f["properties"]["source_url"] for features in layers for f in features
            if "seats" in f["properties"]]
    assert len(urls) == 18  # one popup per governorate, each with its source
    assert {register[u]["election"] for u in urls} == {str(year)}


def _with_seat_source(tmp_path: Path, row: int, url: str) -> Path:
    return _broken(tmp_path, "governorate_seats.csv", _set(row, "source_url", url))


def test_a_row_citing_an_article_about_another_election_is_refused(tmp_path):
    # data row 19 is 2021 Anbar; the 2025 final-results article is registered as reporting 2025
    folder = _with_seat_source(
        tmp_path, 19, "https://www.shafaq.com/en/Iraq/IHEC-publishes-final-results-of-Iraq-s-2025-parliamentary-elections")
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    msg = str(err.value)
    assert "governorate_seats.csv, row 19, column 'source_url'" in msg
    assert "reports the 2025 election (sources.csv), but the row is about 2021" in msg


def test_an_unregistered_source_is_refused_and_a_folder_without_register_is_not_checked(tmp_path):
    folder = _with_seat_source(tmp_path, 3, "https://example.org/iraq-seats")
    with pytest.raises(DataError, match=r"row 3, column 'source_url': source not in the register sources.csv"):
        elections.load_elections(folder)
    (folder / "sources.csv").unlink()  # a user's own folder with no register: loads, and says it has none
    data = elections.load_elections(folder)
    assert data.sources is None and len(data.governorate_seats) == 54


@pytest.mark.parametrize("column,value,words", [
    ("published", "9 Oct 2021", "not a date (YYYY, YYYY-MM or YYYY-MM-DD): '9 Oct 2021'"),
    ("published", "2021-13", "not a date"),
    ("election", "2019", "election 2019 is not one of"),
    ("source_url", "www.example.org", "http(s) URL"),
    ("date_evidence", "", "missing"),
])
def test_a_broken_register_row_is_refused(tmp_path, column, value, words):
    folder = _broken(tmp_path, "sources.csv", _set(2, column, value))
    with pytest.raises(DataError) as err:
        elections.load_elections(folder)
    assert f"sources.csv, row 2, column '{column}'" in str(err.value) and words in str(err.value), str(err.value)


def test_a_general_source_may_support_any_row(tmp_path):
    def general(df):
        df.loc[df["source_url"] == "http://archive.ipu.org/parline-e/reports/2151_B.htm", "election"] = ""
        return df
    folder = _broken(tmp_path, "sources.csv", general)
    shutil.copy(_with_seat_source(tmp_path / "b", 19, "http://archive.ipu.org/parline-e/reports/2151_B.htm")
                / "governorate_seats.csv", folder / "governorate_seats.csv")
    assert len(elections.load_elections(folder).governorate_seats) == 54


# -- notebook -----------------------------------------------------------------------------------------
def _check_run(out: Path, years=(2018, 2021, 2025)) -> None:
    stems = [f"02_hemicycle_{y}" for y in years] + [f"02_seats_map_{y}" for y in years] + ["02_turnout"] \
        + [f"02_seat_change_{a}_{b}" for a, b in zip(years, years[1:])]
    for stem in stems:
        for ext in ("png", "svg"):
            f = out / "figures" / f"{stem}.{ext}"
            assert f.exists() and f.stat().st_size > 5_000, f
    assert (out / "maps" / f"02_seats_by_governorate_{years[-1]}.html").stat().st_size > 50_000
    gov = pd.read_csv(out / "tables" / "02_seats_by_governorate.csv")
    assert gov.groupby("year")["seats"].sum().to_dict() == {y: 329 for y in years}


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_runs_offline_with_embedded_boundaries(tmp_path):
    run_notebook("02_elections.ipynb", tmp_path)  # defaults: the three elections
    _check_run(tmp_path)
    blocs = pd.read_csv(tmp_path / "tables" / "02_change_by_bloc.csv").set_index("bloc")
    assert blocs.loc["sadrist", "change"] == -54   # 54 seats in 2018, none in 2025 (boycott)
    across = pd.read_csv(tmp_path / "tables" / "02_bloc_seats_by_year.csv").set_index("bloc")
    assert across.loc["sadrist", ["seats_2018", "seats_2021", "seats_2025"]].tolist() == [54, 73, 0]
    national = pd.read_csv(tmp_path / "tables" / "02_national_turnout.csv")
    assert national[["year", "stage", "turnout_pct"]].values.tolist() == [[2018, "preliminary", 44.52],
                                                                          [2021, "final", 44.0],
                                                                          [2025, "final", 56.11]]


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_runs_with_real_boundaries_and_list_grouping(tmp_path, geodata_dir):
    run_notebook("02_elections.ipynb", tmp_path, boundaries_path=str(geodata_dir), grouping="list",
                 years=["2018", "2021"])
    _check_run(tmp_path, (2018, 2021))
    lists = pd.read_csv(tmp_path / "tables" / "02_change_by_list.csv").set_index("list_id")
    assert lists.loc["fatah", "seats_2021"] == 17


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_rejects_unknown_year(tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="parameter 'years'"):
        run_notebook("02_elections.ipynb", tmp_path, years=["2019"])


# -- 2025 and three-election tables ---------------------------------------------------------
def test_cli_answers_2025_for_every_grouping(capsys):
    for by in ("list", "bloc", "governorate"):
        assert main(["elections", "--year", "2025", "--by", by]) == 0
        out = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert list(out.columns) == ["year", "name", "iso_3166_2", "bloc", "seats"]
        assert out["seats"].sum() == 329 and set(out["year"]) == {2025}


def test_cli_lists_in_one_governorate(capsys):
    assert main(["elections", "--year", "2025", "--by", "list", "--governorate", "Erbil"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    # governorate_results.csv, 2025 IQ-AR: KDP 9, PUK 3, Halwest 2, New Generation 1, Christian quota 1
    assert out["seats"].tolist() == [9, 3, 2, 1, 1] and out["seats"].sum() == 16
    assert set(out["iso_3166_2"]) == {"IQ-AR"}
    assert main(["elections", "--year", "2021", "--by", "list", "--governorate", "IQ-AR"]) == 2
    assert "no per-list breakdown of 2021 for IQ-AR" in capsys.readouterr().err


def test_cli_bloc_change_across_three_elections(capsys):
    assert main(["elections", "--years", "2018,2021,2025", "--by", "bloc"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("bloc")
    assert list(out.columns) == ["label", "seats_2018", "seats_2021", "seats_2025", "change"]
    # national_results.csv: Sadrist 54 (2018), 73 (2021), none in 2025 (the movement boycotted the vote)
    assert out.loc["sadrist", ["seats_2018", "seats_2021", "seats_2025", "change"]].tolist() == [54, 73, 0, -54]
    for year in (2018, 2021, 2025):
        assert out[f"seats_{year}"].sum() == 329
    assert main(["elections", "--years", "2018", "--by", "bloc"]) == 2
    assert main(["elections", "--years", "2018,2021", "--by", "list"]) == 2


def test_sainte_lague_textbook_case():
    from iraq_atlas.elections.seats import sainte_lague

    # Pure Sainte-Laguë, 7 seats: quotients 53000, 24000, 23000, 17667, 10600, 8000, 7667 win
    votes = pd.Series({"A": 53000, "B": 24000, "C": 23000})
    assert sainte_lague(votes, 7, first_divisor=1).to_dict() == {"A": 3, "B": 2, "C": 2}
    # The first divisor 1.7 keeps a small list out: A 6000, B 1400, 4 seats.
    # Pure: 6000, 2000 (A/3), 1400 (B), 1200 (A/5) → A 3, B 1.
    # 1.7: 3529 (A/1.7), 2000 (A/3), 1200 (A/5), 857 (A/7) beat B's 824 (1400/1.7) → A 4, B 0.
    small = pd.Series({"A": 6000, "B": 1400})
    assert sainte_lague(small, 4, first_divisor=1).to_dict() == {"A": 3, "B": 1}
    assert sainte_lague(small, 4).to_dict() == {"A": 4, "B": 0}


@pytest.mark.parametrize("iso", ["IQ-AR", "IQ-DA", "IQ-SU"])
def test_published_2025_votes_reproduce_the_published_seats(data, iso):
    """Cross-check: the law's divisors (1.7, 3, 5, …) on the published votes give the published seats."""
    from iraq_atlas.elections.seats import sainte_lague

    r = data.governorate_results
    part = r[(r["year"] == 2025) & (r["iso_3166_2"] == iso) & (r["bloc"] != "minority_quota")].set_index("list_id")
    assert part["votes"].notna().all()
    general = int(part["seats"].sum())
    assert sainte_lague(part["votes"], general).to_dict() == part["seats"].astype(int).to_dict()
