"""The large-input path of the ACLED import (Arrow reader, sampled schema check, side thread):
same answers as the small-input path, every bad row still reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import synthetic as gen

import iraq_atlas.incidents as incidents
from iraq_atlas.incidents import schema, validation

N = 60_000  # above the side-thread and schema-sample thresholds


def _write(tmp_path: Path) -> Path:
    df = gen.acled_events(N, seed=3)
    df.loc[9, ["latitude", "longitude"]] = [df.loc[9, "longitude"], df.loc[9, "latitude"]]   # row 10 swapped
    df.loc[19_999, "event_date"] = "2021-02-30"                                               # row 20000 date
    df.loc[54_999, "event_id_cnty"] = df.loc[0, "event_id_cnty"]                             # row 55000 duplicate
    df.loc[40_000, "fatalities"] = "-1"                                                       # row 40001 negative
    path = tmp_path / "big_acled.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_large_export_reports_each_bad_row_and_keeps_the_rest(tmp_path, monkeypatch):
    path = _write(tmp_path)
    assert validation._SideWork.MIN_ROWS < N
    big = incidents.load_incidents(path, "acled")
    rejected_rows = sorted(set(big.rejected["row"]))
    assert rejected_rows == [10, 20_000, 40_001, 55_000]
    assert len(big.accepted) + len(set(big.rejected["row"])) + len(big.excluded) == N
    cols = big.rejected.set_index("row")["column"]
    assert "latitude" in str(cols.loc[10]) or "longitude" in str(cols.loc[10])
    assert "swapped" in " ".join(big.rejected[big.rejected.row == 10].reason)
    assert "event_date" in set(big.rejected[big.rejected.row == 20_000].column)
    assert "event_id_cnty" in set(big.rejected[big.rejected.row == 55_000].column)
    acc = big.accepted
    assert np.allclose(acc.geometry.x, acc.longitude.astype(float)) and np.allclose(acc.geometry.y, acc.latitude.astype(float))

    # the same file through the small-input path (no side thread, full schema check) gives the same answer
    monkeypatch.setattr(validation._SideWork, "MIN_ROWS", 10 ** 9)
    monkeypatch.setattr(schema.AcceptedSchema, "SAMPLE", 10 ** 9)
    small = incidents.load_incidents(path, "acled")
    pd.testing.assert_frame_equal(big.rejected.reset_index(drop=True), small.rejected.reset_index(drop=True))
    pd.testing.assert_frame_equal(pd.DataFrame(big.accepted.drop(columns="geometry")),
                                  pd.DataFrame(small.accepted.drop(columns="geometry")))
    assert big.accepted.geometry.equals(small.accepted.geometry)
