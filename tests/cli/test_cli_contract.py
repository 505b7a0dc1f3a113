"""The command line's contract: a bad argument or unreadable input exits 2 with one clear line on stderr.

Every case runs ``main()`` in the test process, so a traceback would fail the test
instead of being printed; a bug (anything but the library's own errors) is never
turned into a message.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from iraq_atlas.cli import main
from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS

ROW = dict.fromkeys(ACLED_COLUMNS, "")
ROW.update(event_id_cnty="IRQ1", event_date="2021-11-07", year="2021", time_precision="1", iso="368",
           country="Iraq", admin1="Baghdad", location="Baghdad", latitude="33.3333", longitude="44.3833",
           geo_precision="1", source="Test", notes="test", fatalities="0", event_type="Battles",
           sub_event_type="Armed clash", actor1="A")


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    def acled(name, rows):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS)
            w.writeheader()
            w.writerows(rows)
        return path

    good = acled("acled.csv", [ROW, {**ROW, "event_id_cnty": "IRQ2", "fatalities": "many"},
                               {**ROW, "event_id_cnty": "SYR3", "country": "Syria", "iso": "760"}])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    xlsx = tmp_path / "sheet.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100)
    latin = acled("latin.csv", [{**ROW, "notes": "café"}])
    latin.write_bytes(latin.read_bytes().replace("café".encode(), "café".encode("latin-1")))
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    table = tmp_path / "bounds.csv"
    table.write_text("name,wkt\nBaghdad,POINT(44 33)\n", encoding="utf-8")
    junk = tmp_path / "bounds.geojson"
    junk.write_text("this is not geojson", encoding="utf-8")
    article = tmp_path / "article.txt"
    article.write_text("Two people were killed in Mosul on Monday.", encoding="utf-8")
    return {"good": good, "empty": empty, "xlsx": xlsx, "latin": latin, "unknown": unknown, "table": table,
            "junk": junk, "article": article, "missing": tmp_path / "nope.csv", "dir": tmp_path}


def _loaders(f) -> list[list[str]]:
    """The commands that load incidents, each with what it needs besides the bad part."""
    return [["incidents", "--source", str(f["good"])],
            ["map", "--source", str(f["good"]), "--out", str(f["dir"] / "map.html")],
            ["merge", "--source", str(f["good"])],
            ["hotspots", "--source", str(f["good"]), "--cell", "adm1", "--step", "month"],
            ["effects", "--source", str(f["good"]), "--milestone", "ed_2021", "--placebo", "0"]]


BAD_DATES = [["--start", "07/11/2021"], ["--start", "2021"], ["--end", "now"], ["--start", "2021-02-30"],
             ["--start", "2021-11-07T00:00"], ["--start", "2021-12-01", "--end", "2021-01-01"]]


def _cases(f) -> list[tuple[list[str], str]]:
    cases = []
    for base in _loaders(f):
        for bad in BAD_DATES:
            cases.append((base + bad, "YYYY-MM-DD" if len(bad) == 2 else "is after --end"))
        src = base.index("--source") + 1
        for key, words in [("missing", "file not found"), ("empty", "empty (0 bytes)"),
                           ("xlsx", "Excel workbook"), ("latin", "not UTF-8"),
                           ("unknown", "cannot tell the format"), ("dir", "is a folder")]:
            cases.append((base[:src] + [str(f[key])] + base[src + 1:], words))
    for cmd in (["map", "--source", str(f["good"]), "--out", str(f["dir"] / "m.html")],
                ["merge", "--source", str(f["good"])]):
        cases += [(cmd + ["--boundaries", str(f["table"])], "is a table (.csv)"),
                  (cmd + ["--boundaries", str(f["junk"])], "not a readable boundary file"),
                  (cmd + ["--boundaries", str(f["missing"])], "does not exist")]
    cases += [
        (["incidents", "--source", str(f["good"]), "--source", str(f["unknown"])], "cannot tell the format"),
        (["incidents", "--source", str(f["good"]), "--source", str(f["empty"]), "--dedupe"], "empty (0 bytes)"),
        (["incidents", "--source", str(f["good"]), "--rejected", str(f["good"])], "is an input"),
        (["map", "--source", str(f["good"]), "--out", str(f["good"])], "is an input"),
        (["map", "--source", str(f["good"]), "--out", str(f["dir"])], "is a folder"),
        (["geoparse", str(f["article"]), "--published", "07/11/2021"], "YYYY-MM-DD"),
        (["geoparse", str(f["article"]), "--published", "yesterday"], "YYYY-MM-DD"),
        (["geocode", "Baghdad", "--online-delay", "-5"], "must be 0 or more"),
        (["geocode", "Baghdad", "--online", "--online-delay", "-5"], "must be 0 or more"),
        (["geocode", "Baghdad", "--online", "--online-deadline", "0"], "above 0"),
        (["report", "--params", str(f["missing"])], "does not exist"),
    ]
    return cases


def test_every_bad_argument_exits_2_with_one_line(files, capsys):
    failures = []
    for argv, words in _cases(files):
        code = main(argv)
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        ok = code == 2 and lines and lines[0].startswith("iraq-atlas: error: ") and words in lines[0] \
            and (len(lines) == 1 or "problem(s) in input" in lines[0] and len(lines) == 2)
        if not ok:
            failures.append(f"{argv[0]} {' '.join(Path(a).name if '/' in a else a for a in argv[1:])}: "
                            f"exit {code}, stderr {err!r}")
    assert not failures, "\n".join(failures)


def test_nothing_is_written_over_an_input(files, capsys):
    before = files["good"].read_bytes()
    assert main(["incidents", "--source", str(files["good"]), "--rejected", str(files["good"])]) == 2
    assert main(["map", "--source", str(files["good"]), "--out", str(files["good"])]) == 2
    assert files["good"].read_bytes() == before


def test_each_loading_command_reports_accepted_rejected_excluded(files, capsys):
    for argv in _loaders(files):
        assert main(argv) == 0, argv
        err = capsys.readouterr().err
        assert "accepted 1, rejected 1, excluded 1" in err, (argv[0], err)


def test_rejected_file_is_written_whole(files, capsys):
    rej = files["dir"] / "out" / "rejected.csv"
    assert main(["incidents", "--source", str(files["good"]), "--rejected", str(rej)]) == 0
    table = pd.read_csv(rej, dtype=str)
    assert list(table.row) == ["2"] and "not a number: 'many'" in table.reason.iloc[0]
    assert [p.name for p in rej.parent.iterdir()] == ["rejected.csv"]      # no temporary file left


def test_a_bug_keeps_its_traceback(files, monkeypatch):
    from iraq_atlas.incidents import load

    def broken(*a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr(load, "load_incidents", broken)
    with pytest.raises(KeyError):
        main(["incidents", "--source", str(files["good"])])


# -- report: every bad argument is refused before any kernel starts ------------------------------
@pytest.fixture
def no_kernels(monkeypatch):
    """A report that got as far as executing a notebook fails the test (not with exit code 2)."""
    from iraq_atlas.runner import execute

    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was executed")

    monkeypatch.setattr(execute, "execute_all", refuse)


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iraq-atlas: error: "), err
    return err[0]


@pytest.mark.parametrize("argv,words", [
    (["-p", "zoom", "100000"], "01_places.ipynb: parameter 'zoom' must be between 0 and 18 (got '100000')"),
    (["-p", "zoom", "-1"], "parameter 'zoom' must be between 0 and 18"),
    (["-p", "center_lat", "inf"], "01_places.ipynb: parameter 'center_lat' must be a finite number (got 'inf')"),
    (["-p", "center_lat", "nan"], "parameter 'center_lat' must be a finite number"),
    (["-p", "center_lat", "91"], "parameter 'center_lat' must be between -90 and 90"),
    (["-p", "center_lon", "-180.5"], "parameter 'center_lon' must be between -180 and 180"),
    (["--jobs", "0"], "--jobs: the number of notebooks run at once must be 1 or more (or -1 for one per core), not 0"),
    (["--jobs", "-2"], "not -2"),
])
def test_out_of_range_report_arguments_exit_2(tmp_path, capsys, no_kernels, argv, words):
    out = tmp_path / "reports"
    assert main(["report", "--notebooks", "01", "--out", str(out), "--quiet", *argv]) == 2
    assert words in _one_error_line(capsys)
    assert not out.exists()


def test_jobs_minus_one_means_one_per_core(tmp_path, monkeypatch):
    import os

    from iraq_atlas.runner import report

    seen = {}
    monkeypatch.setattr(report, "run_report", lambda jobs, opts: seen.update(jobs=opts.jobs) or (tmp_path, []))
    assert main(["report", "--notebooks", "01", "--out", str(tmp_path), "--quiet", "--jobs", "-1"]) == 0
    assert seen["jobs"] == os.cpu_count()
    assert main(["report", "--notebooks", "01", "--out", str(tmp_path), "--quiet"]) == 0  # the default
    assert seen["jobs"] == os.cpu_count()
    assert main(["report", "--notebooks", "01", "--out", str(tmp_path), "--quiet", "--jobs", "3"]) == 0
    assert seen["jobs"] == 3


def test_parameter_file_with_a_yaml_syntax_error_names_file_and_line(tmp_path, capsys, no_kernels):
    bad = tmp_path / "params.yaml"
    bad.write_text("zoom: 12\ncenter_lat: [33.3\nkinds: zone\n", encoding="utf-8")
    assert main(["report", "--notebooks", "01", "--params", str(bad), "--out", str(tmp_path / "r")]) == 2
    line = _one_error_line(capsys)
    assert f"{bad}, line 3, column " in line and "not valid YAML" in line
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("kinds: [café]\n".encode("latin-1"))
    assert main(["report", "--notebooks", "01", "--params", str(latin), "--out", str(tmp_path / "r")]) == 2
    assert f"{latin}: not UTF-8 text" in _one_error_line(capsys)
    listing = tmp_path / "list.yaml"
    listing.write_text("- zoom\n- 12\n", encoding="utf-8")
    assert main(["report", "--notebooks", "01", "--params", str(listing), "--out", str(tmp_path / "r")]) == 2
    assert f"{listing}: expected a mapping" in _one_error_line(capsys)


def test_unquoted_yaml_dates_are_those_dates(tmp_path, monkeypatch):
    from iraq_atlas.runner import report

    seen = {}
    monkeypatch.setattr(report, "run_report", lambda jobs, opts: seen.update(jobs=jobs) or (tmp_path, []))
    params = tmp_path / "params.yaml"
    params.write_text("start_date: 2021-11-07\nend_date: 2021-11-30\nmilestone: ed_2021\n", encoding="utf-8")
    assert main(["report", "--notebooks", "03,04", "--params", str(params), "--out", str(tmp_path)]) == 0
    by_nb = {j.slug: j.params for j in seen["jobs"]}
    assert by_nb["03_incidents"]["start_date"] == "2021-11-07" and by_nb["03_incidents"]["end_date"] == "2021-11-30"
    assert by_nb["04_elections_vs_incidents"]["start_date"] == "2021-11-07"
    assert by_nb["04_elections_vs_incidents"]["milestone"] == "ed_2021"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("start_date: 2021-11-07 10:30:00\n", encoding="utf-8")
    assert main(["report", "--notebooks", "03", "--params", str(wrong), "--out", str(tmp_path)]) == 2


def test_a_notebook_that_is_not_json_names_file_and_line(tmp_path, capsys, no_kernels):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    bad = nbs / "01_broken.ipynb"
    bad.write_text('{\n "cells": [\n  {"cell_type": "code",,}\n ]\n}\n', encoding="utf-8")
    assert main(["report", "--notebooks-dir", str(nbs), "--out", str(tmp_path / "r")]) == 2
    line = _one_error_line(capsys)
    assert f"{bad}: not a notebook: not JSON at line 3, column 24" in line
    assert main(["params", str(bad)]) == 2
    assert f"{bad}: not a notebook" in _one_error_line(capsys)
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["params", str(bad)]) == 2
    assert f"{bad}: not a notebook: not UTF-8 text" in _one_error_line(capsys)
    bad.write_text("[1, 2]", encoding="utf-8")
    assert main(["params", str(bad)]) == 2
    assert "the JSON holds no list of cells" in _one_error_line(capsys)


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_latest_of_its_own_is_never_replaced(tmp_path, capsys, no_kernels, kind):
    out = tmp_path / "reports"
    out.mkdir()
    latest = out / "latest"
    if kind == "file":
        latest.write_text("my notes", encoding="utf-8")
    else:
        latest.mkdir()
        (latest / "mine.txt").write_text("my notes", encoding="utf-8")
    assert main(["report", "--notebooks", "01", "--out", str(out), "--quiet"]) == 2
    line = _one_error_line(capsys)
    assert f"{latest} is a {kind} of its own" in line and "move it away" in line
    kept = latest if kind == "file" else latest / "mine.txt"
    assert kept.read_text(encoding="utf-8") == "my notes" and not latest.is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["latest"]


def test_an_out_that_cannot_be_written_exits_2(tmp_path, capsys, no_kernels):
    a_file = tmp_path / "report.txt"
    a_file.write_text("x", encoding="utf-8")
    assert main(["report", "--notebooks", "01", "--out", str(a_file), "--quiet"]) == 2
    assert f"--out {a_file} is a file, not a folder" in _one_error_line(capsys)
    below = a_file / "reports"   # a folder that cannot be created
    assert main(["report", "--notebooks", "01", "--out", str(below), "--quiet"]) == 2
    assert f"cannot write the report into {below}: Not a directory" in _one_error_line(capsys)
    assert a_file.read_text(encoding="utf-8") == "x"


def test_a_read_only_out_exits_2(tmp_path, capsys, no_kernels, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:
        # root writes through file modes: refuse creation inside ro as the system does for any other user
        real_mkdir = Path.mkdir

        def refuse(self, *args, **kwargs):
            if self == ro or ro in self.parents:
                raise PermissionError(13, "Permission denied", str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", refuse)
    try:
        assert main(["report", "--notebooks", "01", "--out", str(ro / "reports"), "--quiet"]) == 2
        assert "Permission denied" in _one_error_line(capsys)
    finally:
        ro.chmod(0o755)


def test_incidents_diff_is_a_sub_command_of_incidents(tmp_path, capsys):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("event_id_cnty,fatalities,notes\nA,1,x\nB,2,y\n", encoding="utf-8")
    new.write_text("event_id_cnty,fatalities,notes\nA,3,x\nC,0,z\n", encoding="utf-8")
    assert main(["incidents", "diff", str(old), str(new), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["change,id,field,old,new", "added,C,,,", "deleted,B,,,", "changed,A,fatalities,1,3"]
    assert "added 1, deleted 1, changed 1" in err
    assert main(["incidents", "diff", str(old), str(tmp_path / "gone.csv")]) == 2
    assert "gone.csv" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["incidents", "--help"])
    assert "diff OLD NEW" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["incidents diff", str(old), str(new)])  # one spelling only
    assert exc.value.code == 2


@pytest.mark.parametrize("option,value,words", [
    ("--columns", "date", "iraq-atlas: error: --columns: expected NAME=VALUE pairs separated by commas, or a .yaml, "
                          ".yml or .json file of them, not 'date'"),
    ("--columns", "date=When,date=Y", "iraq-atlas: error: --columns: 'date' is given twice"),
    ("--event-types", "types.yaml", "iraq-atlas: error: --event-types: "),
])
def test_a_malformed_mapping_option_exits_2_naming_it(tmp_path, monkeypatch, capsys, option, value, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("When,Y,X,Kind\n2021-11-07,33.311,44.39,Protests\n", encoding="utf-8")
    assert main(["incidents", "--source", "mine.csv", "--format-in", "generic", option, value]) == 2
    line = _one_error_line(capsys)
    assert line.startswith(words)
    if value.endswith(".yaml"):
        assert line.endswith(f"{tmp_path / value} not found")


# -- report: paths are the user's, checks run before any kernel ---------------------------------
def _capture_jobs(monkeypatch, tmp_path):
    from iraq_atlas.runner import report

    seen = {}
    monkeypatch.setattr(report, "run_report", lambda jobs, opts: seen.update(jobs=jobs) or (tmp_path, []))
    return seen


def test_relative_paths_are_read_from_the_working_directory_or_the_parameter_file(tmp_path, monkeypatch):
    work, elsewhere = tmp_path / "work", tmp_path / "project"
    (work / "data").mkdir(parents=True)
    (elsewhere / "inputs").mkdir(parents=True)
    (work / "data" / "acled.csv").write_text("x\n", encoding="utf-8")
    (elsewhere / "inputs" / "ucdp.csv").write_text("x\n", encoding="utf-8")
    (work / "a.txt").write_text("text", encoding="utf-8")
    (work / "more").mkdir()
    monkeypatch.chdir(work)
    seen = _capture_jobs(monkeypatch, tmp_path)
    assert main(["report", "--notebooks", "03", "-p", "incidents_path", "data/acled.csv", "--out", "out"]) == 0
    assert seen["jobs"][0].params["incidents_path"] == str(work / "data" / "acled.csv")
    params = elsewhere / "params.yaml"
    params.write_text("incidents_path: inputs/ucdp.csv\n", encoding="utf-8")
    assert main(["report", "--notebooks", "03", "--params", str(params), "--out", "out"]) == 0
    assert seen["jobs"][0].params["incidents_path"] == str(elsewhere / "inputs" / "ucdp.csv")
    # -p wins over the file, and is read from the working directory
    assert main(["report", "--notebooks", "03", "--params", str(params), "-p", "incidents_path", "data/acled.csv",
                 "--out", "out"]) == 0
    assert seen["jobs"][0].params["incidents_path"] == str(work / "data" / "acled.csv")
    assert main(["report", "--notebooks", "05", "-p", "text_paths", "a.txt, more", "--out", "out"]) == 0
    assert seen["jobs"][0].params["text_paths"] == f"{work / 'a.txt'},{work / 'more'}"


def test_a_mapping_file_is_read_from_the_working_directory_or_the_parameter_file(tmp_path, monkeypatch):
    work, elsewhere = tmp_path / "work", tmp_path / "project"
    work.mkdir()
    elsewhere.mkdir()
    for folder in (work, elsewhere):
        (folder / "mine.csv").write_text("When,Y,X,Kind\n2021-11-07,33.311,44.39,Protests\n", encoding="utf-8")
        (folder / "cols.yaml").write_text("date: When\nlat: Y\nlon: X\ntype: Kind\n", encoding="utf-8")
    monkeypatch.chdir(work)
    seen = _capture_jobs(monkeypatch, tmp_path)
    assert main(["report", "--notebooks", "04", "-p", "incidents_path", "mine.csv", "-p", "columns", "cols.yaml",
                 "--out", "out"]) == 0
    assert seen["jobs"][0].params["columns"] == str(work / "cols.yaml")
    params = elsewhere / "params.yaml"
    params.write_text("incidents_path: mine.csv\ncolumns: cols.yaml\nevent_type_map: Kind=Protests\n",
                      encoding="utf-8")
    assert main(["report", "--notebooks", "04", "--params", str(params), "--out", "out"]) == 0
    assert seen["jobs"][0].params["columns"] == str(elsewhere / "cols.yaml")
    assert seen["jobs"][0].params["event_type_map"] == "Kind=Protests"


@pytest.mark.parametrize("argv,words", [
    (["--notebooks", "03", "-p", "incidents_path", "data/missing.csv"],
     "03_incidents.ipynb: parameter 'incidents_path' (-p): data/missing.csv not found (looked for "),
    (["--notebooks", "03", "-p", "governorates", "Baghdad,Atlantis"],
     "parameter 'governorates': unknown governorate(s) ['Atlantis']"),
    (["--notebooks", "03", "-p", "event_types", "Protests,Picnics"],
     "parameter 'event_types': unknown event type(s) ['Picnics'] (one of: Battles, "),
    (["--notebooks", "03", "-p", "start_date", "2021-12-01", "-p", "end_date", "2021-11-01"],
     "03_incidents.ipynb: start_date 2021-12-01 lies after end_date 2021-11-01"),
    (["--notebooks", "04", "-p", "distance_bands_km", "0,5,1"],
     "04_elections_vs_incidents.ipynb: parameter 'distance_bands_km': edges must start at 0 and increase"),
    (["--notebooks", "03", "-p", "columns", "date"],
     "03_incidents.ipynb: parameter 'columns' (-p): expected NAME=VALUE pairs separated by commas"),
    (["--notebooks", "06", "-p", "columns", "Datum=When"],
     "06_hotspots_and_trends.ipynb: parameter 'columns' (-p): unknown schema column 'Datum'"),
    (["--notebooks", "04", "-p", "event_type_map", "types.yaml"],
     "04_elections_vs_incidents.ipynb: parameter 'event_type_map' (-p): types.yaml not found (looked for "),
])
def test_values_a_notebook_would_refuse_are_refused_before_any_kernel(tmp_path, monkeypatch, capsys, no_kernels,
                                                                      argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert words in _one_error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_the_console_shows_a_failed_notebooks_first_problem_in_full(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from iraq_atlas.runner import report

    error = ("DataError: 2 problem(s) in input:\n  acled.csv, row 7, column event_date: not a date: '2021-13-01'\n"
             "  acled.csv, row 9, column latitude: not a number: 'north'")
    failed = SimpleNamespace(slug="03_incidents", cached=False, status="failed", duration_s=1.5, error=error,
                             stray=[])
    monkeypatch.setattr(report, "run_report", lambda jobs, opts: (tmp_path, [failed]))
    assert main(["report", "--notebooks", "03", "--out", str(tmp_path), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert ("DataError: 2 problem(s) in input: acled.csv, row 7, column event_date: not a date: '2021-13-01'"
            in out)


# -- the library's own errors are user errors; any other ValueError is a bug -----------------------
@pytest.mark.parametrize("argv,words", [
    (["elections", "--year", "2025", "--by", "list", "--governorate", "Atlantis"],
     "iraq-atlas: error: parameter 'governorates': unknown governorate 'Atlantis'"),
    (["elections", "--years", "2018", "--by", "bloc"], "iraq-atlas: error: --years: give at least two election years"),
    (["hotspots", "--cell", "adm1", "--start", "2021-12-01", "--end", "2021-01-01"],
     "iraq-atlas: error: --start 2021-12-01 is after --end 2021-01-01"),
    (["hotspots", "--cell", "adm1", "--start", "the first of May"],
     "iraq-atlas: error: --start: not a date 'the first of May': use YYYY-MM-DD"),
    (["effects", "--milestone", "no_such_milestone"],
     "iraq-atlas: error: parameter 'milestone': unknown milestone_id 'no_such_milestone'"),
])
def test_a_bad_value_the_library_refuses_exits_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()       # effects says what it loaded before it fails
    assert err[-1].startswith(words) and not [e for e in err[:-1] if "error" in e or "Traceback" in e], err


@pytest.mark.parametrize("module,name,argv", [
    ("iraq_atlas.elections.aggregate", "seats_table", ["elections", "--year", "2025", "--by", "list"]),
    ("iraq_atlas.elections.aggregate", "bloc_change_table", ["elections", "--years", "2018,2021", "--by", "bloc"]),
    ("iraq_atlas.incidents.load", "load_incidents", ["hotspots", "--cell", "adm1"]),
    ("iraq_atlas.incidents.load", "load_incidents", ["effects", "--milestone", "ed_2025"]),
    ("iraq_atlas.analysis.windows", "milestone_windows", ["effects", "--milestone", "ed_2025"]),
])
def test_a_plain_value_error_is_a_bug_and_keeps_its_traceback(module, name, argv, monkeypatch):
    import importlib

    def broken(*args, **kwargs):
        raise ValueError("a bug, not a user's mistake")

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    with pytest.raises(ValueError, match="a bug, not a user's mistake"):
        main(argv)
