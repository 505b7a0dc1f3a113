"""The benchmark driver itself: a quick smoke run, task selection and ``--only`` (no timing asserted).

Run by ``make bench`` before the benchmarks; the test suite never imports benchmark code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402


@pytest.mark.parametrize("mode", [[], ["--in-process"]], ids=["task-per-interpreter", "in-process"])
def test_run_quick_smoke(tmp_path, capsys, monkeypatch, mode):
    # run.py points IRAQ_ATLAS_BOUNDARIES at ../shared/geodata; registering it here undoes that afterwards
    monkeypatch.setenv("IRAQ_ATLAS_BOUNDARIES", "")
    out = tmp_path / "bench.md"
    assert bench.main(["--quick", "--tasks", "geocoder,governorates", "--out", str(out), *mode]) == 0
    printed = capsys.readouterr().out
    assert "| geocoder |" in printed and "| governorates |" in printed
    doc = out.read_text(encoding="utf-8")
    assert "pandas merge" in doc and "geopandas.sjoin" in doc
    assert doc.count("| geocoder |") == 3 and doc.count("| governorates |") == 1


def test_run_rejects_unknown_task(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--tasks", "nope"])
    assert "unknown task" in capsys.readouterr().err


def test_only_rewrites_one_tasks_rows_and_notes(tmp_path):
    import argparse

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nWritten by make bench.\n\nMachine: test.\n\n"
                   "| task | measure | ours (median, range) | baseline (median, range) | ratio | target | met |\n"
                   "|---|---|---|---|---|---|---|\n"
                   "| runner | cold run | 1 s | 2 s | 0.5× | ≤ 0.6× | yes |\n"
                   "| geocoder | old row | 9 s | 1 s | 9× | ≤ 3× | **no** |\n"
                   "| maps | size | 1 MB | 9 MB | 9× | ≥ 10× | **no** |\n\n"
                   "## Notes\n\n- **runner**: runner note.\n- **maps**: maps note.\n\n## Maps at scale\n\nkept.\n")
    for task, new_time in (("hotspots", "2 s"), ("hotspots", "3 s"), ("geocoder", "1 s")):
        rep = bench.Report()
        rep.add(task, "target row", new_time, "1 s", 2.0, "≤ 10 s", True)
        rep.add(task, "scaling row", "4 s", "2 s", 2.0, "1.8–2.2×", True)
        rep.note(task, f"{task} note.")
        bench.update_doc(doc, rep, argparse.Namespace(only=task, repeat=3), {}, 12.0)
    text = doc.read_text()
    lines = text.splitlines()
    rows = [line.split("|")[1:3] for line in lines if line.startswith("| ") and "measure" not in line]
    # a task new to the file goes after the tasks listed before it (hotspots is last); a re-run replaces in place
    assert [(t.strip(), m.strip()) for t, m in rows] == [
        ("runner", "cold run"), ("geocoder", "target row"), ("geocoder", "scaling row"), ("maps", "size"),
        ("hotspots", "target row"), ("hotspots", "scaling row")]
    assert "| hotspots | target row | 3 s |" in text and "old row" not in text
    assert "| hotspots | target row | 2 s |" not in text
    notes = [line for line in lines if line.startswith("- **")]
    assert notes == ["- **runner**: runner note.", "- **geocoder**: geocoder note.", "- **maps**: maps note.",
                     "- **hotspots**: hotspots note."]
    stamps = [line for line in lines if " measured alone on " in line]
    assert [s.split("**")[1] for s in stamps] == ["geocoder", "hotspots"]
    assert lines[lines.index("Machine: test.") + 1] == "" and lines[-3:] == ["## Maps at scale", "", "kept."]
