"""Snapshots are written whole or not at all, with the permissions of the umask."""

from __future__ import annotations

import stat

import pandas as pd
import pyarrow.parquet as pq
import pytest
from disk_full import fill_disk_after

from iraq_atlas.files import UMASK
from iraq_atlas.incidents.api.snapshots import Snapshot, read_snapshot, write_snapshot

OLD = Snapshot(pd.DataFrame({"event_id_cnty": ["IRQ1"], "fatalities": ["2"]}), "acled", {"country": "Iraq"},
               "2024-02-01T00:00:00Z")
NEW = Snapshot(pd.DataFrame({"event_id_cnty": [f"IRQ{i}" for i in range(2000)], "fatalities": ["0"] * 2000}),
               "acled", {"country": "Iraq"}, "2024-03-01T00:00:00Z")


@pytest.mark.parametrize("name", ["acled.parquet", "acled.csv"])
def test_a_full_disk_mid_write_keeps_the_previous_snapshot(tmp_path, monkeypatch, name):
    out = tmp_path / name
    write_snapshot(OLD, out)
    before = out.read_bytes()
    fill_disk_after(monkeypatch, 1000)
    with pytest.raises(OSError, match="No space left"):
        write_snapshot(NEW, out)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == [name]          # no half-written or temporary file
    assert out.read_bytes() == before
    df, _ = read_snapshot(out)
    assert df["event_id_cnty"].tolist() == ["IRQ1"]


def test_a_snapshot_has_the_umask_permissions_and_its_metadata(tmp_path):
    out = write_snapshot(NEW, tmp_path / "acled.parquet", csv=tmp_path / "acled.csv")
    for p in (out, tmp_path / "acled.csv"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~UMASK != 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acled.csv", "acled.parquet"]
    assert pq.read_table(out).num_rows == 2000
    df, meta = read_snapshot(out)
    assert meta == {"source": "acled", "query": {"country": "Iraq"}, "retrieved_at": "2024-03-01T00:00:00Z",
                    "rows": 2000}
    assert df["event_id_cnty"].iloc[-1] == "IRQ1999"
