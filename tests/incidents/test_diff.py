"""diff_events: added, deleted and changed events between two snapshots or plain exports."""

from __future__ import annotations

import pandas as pd
import pytest

from iraq_atlas.cli import main
from iraq_atlas.errors import DataError, ParameterError
from iraq_atlas.incidents.api.snapshots import Snapshot, write_snapshot
from iraq_atlas.incidents.diff import DIFF_COLUMNS, diff_events, diff_tables

OLD = pd.DataFrame({
    "event_id_cnty": ["IRQ1", "IRQ2", "IRQ3", "IRQ4"],
    "event_date": ["2024-01-03", "2024-01-05", "2024-01-09", "2024-01-12"],
    "fatalities": ["1", "0", "2", "4"],
    "notes": ["IED near Abu Ghraib", "Protest in Basra", "Clash in Tuz", "Strike near Sinjar"],
})
NEW = pd.DataFrame({
    "event_id_cnty": ["IRQ1", "IRQ3", "IRQ4", "IRQ5"],
    "event_date": ["2024-01-03", "2024-01-10", "2024-01-12", "2024-01-20"],
    "fatalities": ["1", "3", "4", "0"],
    "notes": ["IED near Abu Ghraib", "Clash near Tuz Khurmatu", "Strike near Sinjar ", "Rocket on Erbil"],
})
EXPECTED = [
    ["added", "IRQ5", "", "", ""],
    ["deleted", "IRQ2", "", "", ""],
    ["changed", "IRQ3", "event_date", "2024-01-09", "2024-01-10"],
    ["changed", "IRQ3", "fatalities", "2", "3"],
    ["changed", "IRQ3", "notes", "Clash in Tuz", "Clash near Tuz Khurmatu"],
]


def test_diff_of_two_tables_gives_exact_rows():
    out = diff_events(OLD, NEW)
    assert list(out.columns) == DIFF_COLUMNS
    assert out.values.tolist() == EXPECTED  # IRQ4's trailing space is not a change


def test_parquet_snapshot_against_csv_export(tmp_path):
    old = write_snapshot(Snapshot(OLD, "acled", {"country": "Iraq"}, "2024-02-01T00:00:00Z"), tmp_path / "old.parquet")
    NEW.to_csv(tmp_path / "new.csv", index=False)
    assert diff_events(old, tmp_path / "new.csv").values.tolist() == EXPECTED
    # a plain Parquet export with numbers (not text) compares equal to the same values written as text
    typed = NEW.assign(fatalities=[1.0, 3.0, 4.0, 0.0])
    typed.to_parquet(tmp_path / "typed.parquet")
    assert diff_events(tmp_path / "new.csv", tmp_path / "typed.parquet").empty


def test_ucdp_ids_and_columns_that_appear(tmp_path):
    a = pd.DataFrame({"id": [1, 2], "best": [3, 4]})
    b = pd.DataFrame({"id": [1, 2], "best": [3, 5], "high": [6, 7]})
    res = diff_tables(a, b, "id")
    assert res.table.values.tolist() == [["changed", "2", "best", "4", "5"]]
    assert res.columns_added == ["high"] and res.columns_removed == []
    assert res.summary() == "added 0, deleted 0, changed 1 (1 field value(s))"


def test_bad_inputs_are_reported():
    with pytest.raises(ParameterError, match="no column 'id'"):
        diff_events(OLD, NEW, "id")
    dup = pd.concat([NEW, NEW.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"row 5, column 'event_id_cnty': event id 'IRQ1' occurs more than once"):
        diff_events(OLD, dup)
    with pytest.raises(DataError, match="file not found"):
        diff_events("missing.csv", NEW)


def test_cli_incidents_diff_csv(tmp_path, capsys):
    OLD.to_csv(tmp_path / "old.csv", index=False)
    NEW.to_csv(tmp_path / "new.csv", index=False)
    assert main(["incidents", "diff", str(tmp_path / "old.csv"), str(tmp_path / "new.csv"), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "change,id,field,old,new",
        "added,IRQ5,,,",
        "deleted,IRQ2,,,",
        "changed,IRQ3,event_date,2024-01-09,2024-01-10",
        "changed,IRQ3,fatalities,2,3",
        "changed,IRQ3,notes,Clash in Tuz,Clash near Tuz Khurmatu",
    ]
    assert "added 1, deleted 1, changed 1 (3 field value(s))" in err
