"""The report runner on small notebooks written by the tests: validation, parallelism, cache, failures, atomicity, sweeps, dask."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from iraq_atlas.errors import ParameterError
from iraq_atlas.runner import cache, execute, publish, report
from iraq_atlas.runner.params import read_params
from iraq_atlas.runner.plan import RunOptions, discover, plan
from iraq_atlas.runner.report import run_report

PARAMS_A = '''
label: str = "alpha"  # text written to the table
repeat: int = 2  # how many rows
day: str = "2021-10-10"  # a day, YYYY-MM-DD
mode: str = "fast"  # a choice (one of: fast, slow)
output_dir: str = "outputs"  # where files go'''

BODY_A = '''from pathlib import Path
from iraq_atlas.files import read_csv
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
data = read_csv(DATA)
rows = [f"{label},{mode},{day},{i},{len(data)}" for i in range(repeat)]
(out["tables"] / "01_rows.csv").write_text("\\n".join(rows) + "\\n")
'''

PARAMS_B = '''label: str = "beta"  # text
output_dir: str = "outputs"  # where files go'''

BODY_B = '''from iraq_atlas.runner.plan import output_folders
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out = output_folders(output_dir)
fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([0, 1], [0, 1]); ax.set_title(label)
fig.savefig(out["figures"] / "02_line.png")
(out["tables"] / "02_label.csv").write_text(label + "\\n")
'''


def _nb(path: Path, params: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def suite(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n2\n3\n")
    _nb(nbs / "01_alpha.ipynb", PARAMS_A, f"DATA = {str(data)!r}\n" + BODY_A)
    _nb(nbs / "02_beta.ipynb", PARAMS_B, BODY_B)
    return tmp_path


def _run(suite, overrides=None, sweep=None, **opts):
    jobs = plan(discover(suite / "notebooks"), overrides or {}, sweep)
    o = RunOptions(out=suite / "reports", progress=False, **{"jobs": 1, **opts})
    return run_report(jobs, o)


def _status(results):
    return {r.slug: ("reused" if r.cached else r.status) for r in results}


# -- parameters ------------------------------------------------------------------
def test_params_are_read_with_types_help_and_choices(suite):
    spec = read_params(suite / "notebooks" / "01_alpha.ipynb")
    assert {n: p.type for n, p in spec.params.items()} == {
        "label": "str", "repeat": "int", "day": "str", "mode": "choice", "output_dir": "str"}
    assert spec.params["mode"].choices == ("fast", "slow") and spec.params["day"].is_date
    assert spec.params["repeat"].help == "how many rows"


@pytest.mark.parametrize("overrides,message", [
    ({"nope": "1"}, "unknown parameter 'nope'"),
    ({"repeat": "2.5"}, "01_alpha.ipynb: parameter 'repeat' must be a whole number"),
    ({"repeat": "two"}, "parameter 'repeat' must be a whole number"),
    ({"day": "10/10/2021"}, "parameter 'day' must be a date as YYYY-MM-DD"),
    ({"mode": "medium"}, "parameter 'mode' must be one of ['fast', 'slow']"),
])
def test_bad_parameters_fail_before_any_kernel(suite, overrides, message):
    with pytest.raises(ParameterError) as err:
        _run(suite, overrides)
    assert message in str(err.value)
    assert not (suite / "reports").exists()     # nothing ran, nothing written


def test_cli_values_are_converted_by_declared_type_not_guessed(suite):
    jobs = plan(discover(suite / "notebooks"), {"repeat": "3", "label": "2", "mode": "slow"})
    a = next(j for j in jobs if j.notebook.name == "01_alpha.ipynb")
    b = next(j for j in jobs if j.notebook.name == "02_beta.ipynb")
    assert a.params["repeat"] == 3 and a.params["label"] == "2" and isinstance(a.params["label"], str)
    assert b.params["label"] == "2"            # applies to every notebook declaring it


# -- runs ------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.notebook
def test_run_layout_index_manifest_and_latest(suite):
    run_dir, results = _run(suite)
    assert _status(results) == {"01_alpha": "ok", "02_beta": "ok"}
    assert (run_dir / "tables" / "01_rows.csv").read_text().splitlines() == [
        "alpha,fast,2021-10-10,0,3", "alpha,fast,2021-10-10,1,3"]
    assert (run_dir / "figures" / "02_line.png").stat().st_size > 1000
    for r in results:
        assert (run_dir / r.html).exists() and (run_dir / r.ipynb).exists()
    index = (run_dir / "index.html").read_text()
    for link in ["01_alpha.html", "02_beta.html", "tables/01_rows.csv", "figures/02_line.png", "manifest.json"]:
        assert f'href="{link}"' in index
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert [n["status"] for n in manifest["notebooks"]] == ["ok", "ok"]
    assert str(suite / "data.csv") in manifest["inputs"]
    assert (suite / "reports" / "latest").resolve() == run_dir.resolve()
    assert not [p for p in (suite / "reports").iterdir() if p.name.startswith(".run-")]


@pytest.mark.slow
@pytest.mark.notebook
def test_parallel_run_matches_sequential(suite):
    seq_dir, _ = _run(suite, jobs=1)
    par_dir, res = _run(suite, jobs=2, force=True)
    assert _status(res) == {"01_alpha": "ok", "02_beta": "ok"}
    for f in ["tables/01_rows.csv", "tables/02_label.csv"]:
        assert (seq_dir / f).read_text() == (par_dir / f).read_text()


@pytest.mark.slow
@pytest.mark.notebook
def test_warm_rerun_executes_nothing_and_force_reruns(suite):
    _run(suite)
    run2, res2 = _run(suite)
    assert _status(res2) == {"01_alpha": "reused", "02_beta": "reused"}
    assert (run2 / "tables" / "01_rows.csv").exists() and (run2 / "02_beta.html").exists()
    assert "reused" in (run2 / "index.html").read_text()
    _, res3 = _run(suite, force=True)
    assert _status(res3) == {"01_alpha": "ok", "02_beta": "ok"}


@pytest.mark.slow
@pytest.mark.notebook
def test_no_input_applies_to_reused_notebooks_too(suite):
    """--no-input changes the pages, not the results: reused notebooks are converted again."""
    code = "savefig"  # a name in 02_beta's code (highlighted as its own token)
    run1, _ = _run(suite)
    assert code in (run1 / "02_beta.html").read_text()
    run2, res2 = _run(suite, no_input=True)
    assert _status(res2) == {"01_alpha": "reused", "02_beta": "reused"}
    assert code not in (run2 / "02_beta.html").read_text()
    run3, res3 = _run(suite)  # and back
    assert _status(res3) == {"01_alpha": "reused", "02_beta": "reused"}
    assert code in (run3 / "02_beta.html").read_text()


@pytest.mark.slow
@pytest.mark.notebook
def test_changed_parameter_or_data_file_reruns_only_what_depends_on_it(suite):
    _run(suite)
    _, res = _run(suite, {"repeat": "3"})          # only 01 declares repeat
    assert _status(res) == {"01_alpha": "ok", "02_beta": "reused"}
    (suite / "data.csv").write_text("a\n1\n")       # only 01 reads it
    run, res = _run(suite, {"repeat": "3"})
    assert _status(res) == {"01_alpha": "ok", "02_beta": "reused"}
    assert (run / "tables" / "01_rows.csv").read_text().splitlines()[0].endswith(",1")


@pytest.mark.slow
@pytest.mark.notebook
def test_failing_notebook_is_isolated(suite, capsys):
    nb = suite / "notebooks" / "01_alpha.ipynb"
    book = nbformat.read(nb, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom <b>here</b>')"))
    nbformat.write(book, nb)
    from iraq_atlas.cli import main
    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--jobs", "2", "--quiet"])
    assert code == 1
    run = (suite / "reports" / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text())
    st = {n["slug"]: (n["status"], n["error"]) for n in manifest["notebooks"]}
    assert st["02_beta"][0] == "ok"
    assert st["01_alpha"][0] == "failed" and "RuntimeError: boom <b>here</b>" in st["01_alpha"][1]
    executed = nbformat.read(run / "notebooks" / "01_alpha.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in executed.cells for o in c.get("outputs", []))
    index = (run / "index.html").read_text()
    assert "boom &lt;b&gt;here&lt;/b&gt;" in index and "<b>here</b>" not in index


@pytest.mark.slow
@pytest.mark.notebook
def test_interrupted_run_leaves_previous_report(suite, monkeypatch):
    first, _ = _run(suite)
    calls = []

    def interrupted(job, *a, **k):
        calls.append(job.slug)
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "execute_job", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _run(suite, force=True)
    assert calls
    reports = suite / "reports"
    assert (reports / "latest").resolve() == first.resolve()
    runs = [p for p in reports.iterdir() if not p.name.startswith(".") and p.name != "latest"]
    assert runs == [first]
    assert not [p for p in reports.iterdir() if p.name.startswith(".run-")]


@pytest.mark.slow
@pytest.mark.notebook
def test_sweep_runs_one_section_per_value(suite):
    run, res = _run(suite, sweep=("label", ["x", "y"]))
    slugs = sorted(r.slug for r in res)
    assert slugs == ["01_alpha__label-x", "01_alpha__label-y", "02_beta__label-x", "02_beta__label-y"]
    assert (run / "tables" / "01_alpha__label-x" / "01_rows.csv").read_text().startswith("x,")
    assert (run / "tables" / "02_beta__label-y" / "02_label.csv").read_text() == "y\n"
    index = (run / "index.html").read_text()
    assert "label = x" in index and "label = y" in index


def test_sweep_of_unknown_parameter_fails(suite):
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        _run(suite, sweep=("colour", ["red"]))


@pytest.mark.slow
@pytest.mark.notebook
def test_dask_executor_on_local_cluster(suite):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run, res = _run(suite, executor="dask", scheduler=cluster.scheduler_address)
    assert _status(res) == {"01_alpha": "ok", "02_beta": "ok"}
    assert (run / "tables" / "01_rows.csv").read_text().count("\n") == 2
    assert json.loads((run / "manifest.json").read_text())["executor"] == "dask"


def test_literal_annotations_declare_choices_too(tmp_path):
    nb = tmp_path / "01_lit.ipynb"
    _nb(nb, 'from typing import Literal\nby: Literal["list", "bloc"] = "bloc"  # grouping\noutput_dir: str = "o"  # out', "pass")
    spec = read_params(nb)
    assert spec.params["by"].type == "choice" and spec.params["by"].choices == ("list", "bloc")
    with pytest.raises(ParameterError, match="'by' must be one of"):
        plan([nb], {"by": "region"})


def test_choice_default_outside_its_choices_is_rejected(tmp_path):
    nb = tmp_path / "01_bad.ipynb"
    _nb(nb, 'by: str = "region"  # grouping (one of: list, bloc)\noutput_dir: str = "o"  # out', "pass")
    with pytest.raises(ParameterError, match="default 'region' of 'by' is not one of"):
        read_params(nb)


@pytest.mark.slow
@pytest.mark.notebook
def test_longest_notebook_starts_first_on_rerun(suite, monkeypatch):
    """With a cache from earlier runs, the job that took longest last time is started first."""
    _run(suite)
    cache = suite / "reports" / ".cache"
    for slug, secs in (("01_alpha", 1.0), ("02_beta", 9.0)):
        entry = cache / slug / "entry.json"
        data = json.loads(entry.read_text())
        data["result"]["duration_s"] = secs
        entry.write_text(json.dumps(data))
    order = []
    real = execute.execute_job

    def recording(job, *a, **k):
        order.append(job.slug)
        return real(job, *a, **k)

    monkeypatch.setattr(execute, "execute_job", recording)
    _run(suite, force=True)
    assert order == ["02_beta", "01_alpha"]


@pytest.mark.slow
@pytest.mark.notebook
def test_progress_bars_over_the_run_and_over_cells_when_sequential_and_verbose(suite, capfd):
    jobs = plan(discover(suite / "notebooks"), {})
    run_report(jobs, RunOptions(out=suite / "reports", jobs=1, progress=True))
    err = capfd.readouterr().err
    assert "notebooks: 100%" in err and "2/2" in err        # the run bar
    assert "Executing" not in err                            # and no other bar by default
    run_report(jobs, RunOptions(out=suite / "reports", jobs=1, progress=True, force=True, verbose=True))
    err = capfd.readouterr().err
    assert err.count("Executing: 100%") >= 2                 # -v: a cell bar per notebook


@pytest.mark.slow
@pytest.mark.notebook
def test_first_run_orders_by_notebook_size_then_history(suite):
    """With no history, the notebook with more code starts first; notebooks never run here
    come before those with a recorded duration."""
    out = suite / "reports"
    jobs = plan(discover(suite / "notebooks"), {})
    assert [j.slug for j in cache.expected_order(jobs, out)] == ["01_alpha", "02_beta"]  # alpha has more code
    _nb(suite / "notebooks" / "02_beta.ipynb", PARAMS_B, BODY_B + "\n# padding\n" * 60)
    jobs = plan(discover(suite / "notebooks"), {})
    assert [j.slug for j in cache.expected_order(jobs, out)] == ["02_beta", "01_alpha"]
    _run(suite)  # both now have a duration; a new notebook goes before them
    _nb(suite / "notebooks" / "03_gamma.ipynb", PARAMS_B, "pass")
    jobs = plan(discover(suite / "notebooks"), {})
    assert cache.expected_order(jobs, out)[0].slug == "03_gamma"


@pytest.mark.slow
@pytest.mark.notebook
def test_failed_html_conversion_fails_the_job_but_keeps_the_notebook(suite, monkeypatch):
    def broken(path, **kw):
        raise RuntimeError("template missing")

    monkeypatch.setattr(publish, "notebook_html", broken)
    run_dir, results = _run(suite, jobs=2)
    for r in results:
        assert r.status == "failed" and r.error == "HTML conversion failed: template missing"
        assert (run_dir / "notebooks" / f"{r.slug}.ipynb").exists() and not r.html


@pytest.mark.slow
@pytest.mark.notebook
def test_workers_see_the_environment_of_each_run(tmp_path, monkeypatch):
    """A variable set between two runs reaches the second run's notebooks, whether their kernels
    were started ahead (a pool) or when each notebook started."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    body = ('import os\nfrom iraq_atlas.runner.plan import output_folders\nout = output_folders(output_dir)\n'
            '(out["tables"] / "env_{n}.txt").write_text(os.environ.get("IRAQ_ATLAS_TEST_RUN", "unset"))\n')
    for n in ("a", "b"):
        _nb(nbs / f"0{'ab'.index(n) + 1}_{n}.ipynb", 'output_dir: str = "o"  # out', body.replace("{n}", n))
    jobs = plan(discover(nbs), {})
    for pool in (None, 0):
        for value in ("first", "second"):
            monkeypatch.setenv("IRAQ_ATLAS_TEST_RUN", value)
            run_dir, res = run_report(jobs, RunOptions(out=tmp_path / f"r{pool}", jobs=2, progress=False,
                                                       force=True, kernel_pool=pool))
            assert [r.status for r in res] == ["ok", "ok"]
            assert {(run_dir / "tables" / f"env_{n}.txt").read_text() for n in "ab"} == {value}


# -- executors share nothing process-wide ------------------------------------------
TIMED = '''import time
from pathlib import Path
from iraq_atlas.files import read_csv
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
t0 = time.time()
time.sleep(1.5)
read_csv(DATA)
(out["tables"] / f"span_{Path(DATA).stem}.txt").write_text(f"{t0} {time.time()}")
'''


def _timed_suite(tmp_path: Path, n: int) -> list[Path]:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    data = []
    for i in range(n):
        d = tmp_path / f"data{i}.csv"
        d.write_text(f"a\n{i}\n")
        data.append(d)
        _nb(nbs / f"0{i + 1}_t{i}.ipynb", 'output_dir: str = "o"  # out', f"DATA = {str(d)!r}\n" + TIMED)
    return data


def _spans(run_dir: Path, results) -> list[tuple[float, float]]:
    return sorted(tuple(map(float, (run_dir / o).read_text().split()))
                  for r in results for o in r.outputs if "/span_" in o)


@pytest.mark.slow
@pytest.mark.notebook
def test_execute_job_leaves_the_process_environment_alone(suite):
    """The trace path and the run's variables reach the kernel through its manager, not os.environ."""
    import os
    import threading

    from iraq_atlas.settings import ENV_TRACE

    job = plan(discover(suite / "notebooks"), {})[0]
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.add(os.environ.get(ENV_TRACE))
            seen.add(os.environ.get("IRAQ_ATLAS_TEST_MARK"))

    t = threading.Thread(target=watch)
    t.start()
    try:
        res = execute.execute_job(job, str(suite / "w"), None, 60,
                                 environ={**os.environ, "IRAQ_ATLAS_TEST_MARK": "x"})
    finally:
        done.set()
        t.join()
    assert res.status == "ok" and str(suite / "data.csv") in res.inputs
    assert seen == {None}


@pytest.mark.slow
@pytest.mark.notebook
def test_dask_jobs_cap_concurrency_and_keep_inputs_apart(tmp_path):
    """On a cluster with more threads than --jobs, at most --jobs notebooks run at once, and
    notebooks running side by side in one worker each record only their own inputs."""
    from distributed import LocalCluster

    data = _timed_suite(tmp_path, 3)
    jobs = plan(discover(tmp_path / "notebooks"), {})
    with LocalCluster(n_workers=1, threads_per_worker=3, processes=True, dashboard_address=None) as cluster:
        run1, res1 = run_report(jobs, RunOptions(out=tmp_path / "r1", jobs=1, executor="dask", progress=False,
                                                 scheduler=cluster.scheduler_address))
        run3, res3 = run_report(jobs, RunOptions(out=tmp_path / "r3", jobs=3, executor="dask", progress=False,
                                                 scheduler=cluster.scheduler_address, force=True))
    assert [r.status for r in res1 + res3] == ["ok"] * 6
    spans = _spans(run1, res1)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans       # one at a time
    spans = _spans(run3, res3)
    assert spans[0][1] > spans[-1][0], spans                                # side by side
    for r, d in zip(res3, data):
        assert set(r.inputs) == {str(d)}, (r.slug, r.inputs)


@pytest.mark.slow
@pytest.mark.notebook
def test_local_dask_cluster_has_one_thread_per_worker(suite, monkeypatch):
    import distributed

    made = {}
    real = distributed.Client

    def client(*a, **k):
        made.update(k)
        return real(*a, **k)

    monkeypatch.setattr(distributed, "Client", client)
    _, res = _run(suite, executor="dask", jobs=2)
    assert _status(res) == {"01_alpha": "ok", "02_beta": "ok"}
    assert made.get("threads_per_worker") == 1 and made.get("n_workers") == 2


# -- inputs looked for and not found -------------------------------------------------
BOUNDARIES = '''from iraq_atlas.places.boundaries import load_boundaries
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
(out["tables"] / "origin.txt").write_text(load_boundaries("ADM1").origin)
'''


CACHED_BOUNDARIES = '''from iraq_atlas.places.boundaries import load_boundaries
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
try:  # geoBoundaries asked for: the cache, else a download (refused offline)
    origin = load_boundaries("ADM1", download=True).origin
except RuntimeError:
    origin = "absent"
(out["tables"] / "origin.txt").write_text(origin)
'''


def _cached_boundaries(folder: Path) -> None:
    from iraq_atlas.places.boundaries import tile_grid

    grid = tile_grid()
    grid.assign(shapeName=grid["name"], shapeISO=grid["iso_3166_2"])[["shapeName", "shapeISO", "geometry"]] \
        .to_file(folder / "geoBoundaries-IRQ-ADM1.geojson", driver="GeoJSON")


@pytest.mark.slow
@pytest.mark.notebook
def test_a_probe_that_found_nothing_is_an_input(tmp_path, monkeypatch):
    """Boundaries absent from the cache, then present: the notebook runs again and uses them."""
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("IRAQ_ATLAS_CACHE", str(folder))
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _nb(nbs / "01_b.ipynb", 'output_dir: str = "o"  # out', CACHED_BOUNDARIES)
    jobs = plan(discover(nbs), {})
    opts = RunOptions(out=tmp_path / "r", jobs=1, progress=False)
    run1, res1 = run_report(jobs, opts)
    assert (run1 / "tables" / "origin.txt").read_text() == "absent"
    assert res1[0].inputs[str(folder / "geoBoundaries-IRQ-ADM1.geojson")] == cache.ABSENT
    _, res2 = run_report(jobs, opts)
    assert _status(res2) == {"01_b": "reused"}
    _cached_boundaries(folder)
    run3, res3 = run_report(jobs, opts)
    assert _status(res3) == {"01_b": "ok"}
    assert (run3 / "tables" / "origin.txt").read_text() == "cache"


@pytest.mark.slow
@pytest.mark.notebook
def test_boundaries_named_by_the_environment_are_probed_too(tmp_path, monkeypatch):
    folder = tmp_path / "b"
    folder.mkdir()
    monkeypatch.setenv("IRAQ_ATLAS_BOUNDARIES", str(folder))
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _nb(nbs / "01_b.ipynb", 'output_dir: str = "o"  # out', BOUNDARIES)
    jobs = plan(discover(nbs), {})
    opts = RunOptions(out=tmp_path / "r", jobs=1, progress=False)
    run_report(jobs, opts)
    _cached_boundaries(folder)  # the folder's listing changed: not the same input
    (folder / "geoBoundaries-IRQ-ADM1.geojson").rename(folder / "adm1.geojson")
    run2, res2 = run_report(jobs, opts)
    assert _status(res2) == {"01_b": "ok"}
    assert (run2 / "tables" / "origin.txt").read_text() == "env"


@pytest.mark.parametrize("name", __import__("iraq_atlas.settings", fromlist=["ENV_VARS"]).ENV_VARS)
def test_every_library_setting_is_part_of_the_key(suite, monkeypatch, name):
    job = plan(discover(suite / "notebooks"), {})[0]
    monkeypatch.delenv(name, raising=False)
    before = job.static_key()
    monkeypatch.setenv(name, "/somewhere/else")
    assert job.static_key() != before


def test_library_fingerprint_covers_every_sub_package():
    import iraq_atlas

    package = Path(iraq_atlas.__file__).resolve().parent
    names = {p.relative_to(package).as_posix() for p in cache.library_sources()}
    assert {"places/boundaries.py", "settings.py", "files.py", "runner/params.py"} <= names


# -- outputs outside the output folders ----------------------------------------------
@pytest.mark.slow
@pytest.mark.notebook
def test_files_outside_the_output_folders_are_reported(suite, capsys):
    nb = suite / "notebooks" / "02_beta.ipynb"
    book = nbformat.read(nb, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(
        'from pathlib import Path\n(Path(output_dir) / "loose.csv").write_text("x\\n")\n'
        '(Path(output_dir) / "extra").mkdir()\n(Path(output_dir) / "extra" / "deep.txt").write_text("y")'))
    nbformat.write(book, nb)
    from iraq_atlas.cli import main

    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--jobs", "1", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "not published (outside maps/ figures/ tables/): extra/deep.txt, loose.csv" in printed
    run = (suite / "reports" / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["stray_outputs"] == {"02_beta": ["extra/deep.txt", "loose.csv"]}
    assert manifest["notebooks"][0]["stray"] == []
    assert 'id="stray"' in (run / "index.html").read_text() and "loose.csv" in (run / "index.html").read_text()
    # a reused result still says so
    main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"), "--quiet"])
    assert "loose.csv" in capsys.readouterr().out


@pytest.mark.notebook
@pytest.mark.slow
def test_every_shipped_notebook_publishes_its_tables_figures_and_maps(tmp_path):
    """Each shipped notebook runs through the runner; each kind of output its code writes
    (tables, figures, maps) arrives in the run folder, and nothing is written beside them."""
    from conftest import NOTEBOOKS

    notebooks = discover(NOTEBOOKS)
    assert len(notebooks) >= 5
    run_dir, results = run_report(plan(notebooks, {}), RunOptions(out=tmp_path / "r", jobs=2, progress=False))
    for nb, r in zip(notebooks, results):
        assert r.status == "ok", (r.slug, r.error)
        assert r.stray == [], (r.slug, r.stray)
        code = "".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code")
        for kind in ("tables", "figures", "maps"):
            if f'"{kind}"' in code:
                got = [o for o in r.outputs if o.startswith(kind + "/")]
                assert got, f"{r.slug}: no {kind} arrived"
                assert all((run_dir / o).stat().st_size > 0 for o in got)


# -- kernels ---------------------------------------------------------------------------
STARTED = '''import os, time
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
born = os.stat(f"/proc/{os.getpid()}").st_ctime  # when this kernel process started
t0 = time.time()
time.sleep(2)
(out["tables"] / f"k_{NAME}.txt").write_text(f"{born} {t0} {time.time()} {os.getcwd()}")
'''


def _kernel_suite(tmp_path: Path) -> list:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for i in range(3):
        _nb(nbs / f"0{i + 1}_k{i}.ipynb", 'output_dir: str = "o"  # out', f"NAME = {i}\n" + STARTED)
    return plan(discover(nbs), {})


def _kernel_children() -> list[str]:
    import os
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(os.getpid())], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "ipykernel" in line]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads kernel start times from /proc")
@pytest.mark.parametrize("pool", [1, 0])
@pytest.mark.slow
@pytest.mark.notebook
def test_kernels_start_ahead_of_their_notebooks_when_pooled(tmp_path, pool):
    jobs = _kernel_suite(tmp_path)
    run, res = run_report(jobs, RunOptions(out=tmp_path / "r", jobs=1, progress=False, kernel_pool=pool))
    assert [r.status for r in res] == ["ok"] * 3
    rows = [(run / "tables" / f"k_{i}.txt").read_text().split() for i in range(3)]
    spans = [tuple(map(float, r[:3])) for r in rows]
    assert {r[3] for r in rows} == {str(tmp_path / "notebooks")}          # each kernel in its notebook's folder
    for (_, _, prev_end), (born, start, _) in zip(spans, spans[1:]):
        if pool:
            assert born < prev_end, spans       # booted while the previous notebook ran
        else:
            assert born >= prev_end - 0.05, spans
    assert _kernel_children() == []
    assert json.loads((run / "manifest.json").read_text())["kernel_pool"] == pool


@pytest.mark.slow
@pytest.mark.notebook
def test_an_interrupted_run_leaves_no_kernel_behind(tmp_path, monkeypatch):
    jobs = _kernel_suite(tmp_path)
    real = execute.execute_job
    calls = []

    def interrupt_second(job, *a, **k):
        calls.append(job.slug)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(job, *a, **k)

    monkeypatch.setattr(execute, "execute_job", interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        run_report(jobs, RunOptions(out=tmp_path / "r", jobs=2, progress=False, kernel_pool=2))
    import time

    deadline = time.time() + 10
    while _kernel_children() and time.time() < deadline:
        time.sleep(0.2)
    assert _kernel_children() == []
    assert not [p for p in (tmp_path / "r").iterdir() if p.name.startswith(".run-")]


def test_cli_kernel_pool_flag(suite):
    from iraq_atlas.cli import build_parser

    args = build_parser().parse_args(["report", "--kernel-pool", "0"])
    assert args.kernel_pool == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--no-kernel-preload"])


# -- typed lists and dates -------------------------------------------------------------
TYPED = '''from datetime import date
years: list[int] = [2018, 2021]  # election years (one of: 2018, 2021, 2025)
bands: list[float] = [0, 1.5]  # distance bands in km
day: date = "2021-10-10"  # a day
level: int = 1  # admin level (one of: 1, 2)
output_dir: str = "o"  # out'''


def test_list_and_date_types_with_choices(tmp_path):
    nb = tmp_path / "01_typed.ipynb"
    _nb(nb, TYPED, "pass")
    spec = read_params(nb)
    assert {n: p.type for n, p in spec.params.items()} == {
        "years": "list[int]", "bands": "list[float]", "day": "date", "level": "int", "output_dir": "str"}
    assert spec.params["years"].choices == (2018, 2021, 2025) and spec.params["level"].choices == (1, 2)
    assert spec.params["bands"].default == [0.0, 1.5] and spec.params["day"].is_date
    (job,) = plan([nb], {"years": "2021,2025", "bands": "[2, 7.5]", "day": "2022-01-31", "level": "2"})
    assert job.params["years"] == [2021, 2025] and job.params["bands"] == [2.0, 7.5]
    assert job.params["day"] == "2022-01-31" and job.params["level"] == 2
    import datetime as dt

    (job,) = plan([nb], {"day": dt.date(2020, 2, 29), "years": [2018]})  # values from YAML
    assert job.params["day"] == "2020-02-29" and job.params["years"] == [2018]
    for given, message in [({"years": "2019"}, "'years' has [2019] outside its choices"),
                           ({"years": "2018,x"}, "'years' must be a list of whole numbers"),
                           ({"bands": "a"}, "'bands' must be a list of numbers"),
                           ({"day": "31/01/2022"}, "'day' must be a date as YYYY-MM-DD"),
                           ({"level": "3"}, "'level' must be one of [1, 2]")]:
        with pytest.raises(ParameterError, match=message.replace("[", r"\[").replace("]", r"\]")):
            plan([nb], given)


def test_typed_parameters_are_read_by_plain_papermill_too(tmp_path):
    from papermill.translators import PythonTranslator

    nb = tmp_path / "01_typed.ipynb"
    _nb(nb, TYPED, "pass")
    cell = next(c for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code")
    seen = {p.name: p for p in PythonTranslator.inspect(cell)}
    assert set(read_params(nb).params) <= set(seen)
    assert seen["years"].inferred_type_name == "list[int]" and "one of: 2018, 2021, 2025" in seen["years"].help
    assert seen["day"].inferred_type_name == "date"


@pytest.mark.slow
@pytest.mark.notebook
def test_typed_notebook_runs_with_converted_values(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    body = ('import json\nfrom iraq_atlas.runner.plan import output_folders\nout = output_folders(output_dir)\n'
            '(out["tables"] / "v.json").write_text(json.dumps([years, bands, day, level]))\n')
    _nb(nbs / "01_typed.ipynb", TYPED, body)
    run, res = run_report(plan(discover(nbs), {"years": "2025", "day": "2023-03-03"}),
                          RunOptions(out=tmp_path / "r", jobs=1, progress=False))
    assert res[0].status == "ok", res[0].error
    assert json.loads((run / "tables" / "v.json").read_text()) == [[2025], [0.0, 1.5], "2023-03-03", 1]


def test_params_command_shows_the_declared_types(tmp_path, capsys):
    from iraq_atlas.cli import main

    nb = tmp_path / "01_typed.ipynb"
    _nb(nb, TYPED, "pass")
    assert main(["params", str(nb), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "list[int], each one of 2018|2021|2025" in out and "date (YYYY-MM-DD)" in out


def test_runner_layout_one_home_per_name():
    """plan / cache / execute / publish hold the work and report ties them; no name is re-exported."""
    from iraq_atlas.runner import plan as plan_mod

    assert report.run_report.__module__ == "iraq_atlas.runner.report"
    assert execute.execute_job.__module__ == "iraq_atlas.runner.execute"
    assert cache.lookup.__module__ == "iraq_atlas.runner.cache" and publish.collect.__module__ == "iraq_atlas.runner.publish"
    assert plan_mod.output_folders.__module__ == "iraq_atlas.runner.plan"
    assert not hasattr(report, "output_folders") and not hasattr(report, "discover")


# -- stopping, locking, permissions ------------------------------------------------------
SLEEPY = '''import time
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
(out["tables"] / f"started_{NAME}.txt").write_text("x")
time.sleep(SECONDS)
'''


def _sleepy_suite(tmp_path: Path, seconds: float) -> Path:
    nbs = tmp_path / "notebooks"
    nbs.mkdir(exist_ok=True)
    for i in range(3):
        _nb(nbs / f"0{i + 1}_s{i}.ipynb", 'output_dir: str = "o"  # out',
            f"NAME = {i}\nSECONDS = {seconds}\n" + SLEEPY)
    return nbs


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is inside ``folder`` (the kernels run in the notebooks' folder)."""
    import os

    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(folder):
                found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="looks for processes in /proc")
@pytest.mark.parametrize("signame,code", [("SIGTERM", 143), ("SIGINT", 130)])
@pytest.mark.slow
@pytest.mark.notebook
def test_a_signal_stops_the_run_cleanly(tmp_path, signame, code):
    import os
    import signal
    import subprocess
    import sys
    import time

    nbs = _sleepy_suite(tmp_path, 0)
    out = tmp_path / "reports"
    cmd = [sys.executable, "-c", "import sys; from iraq_atlas.cli import main; sys.exit(main())", "report", "--notebooks-dir", str(nbs), "--out", str(out),
           "--quiet", "--jobs", "2"]
    env = {**os.environ, "PYTHONPATH": str(Path(report.__file__).resolve().parents[2])}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    first = (out / "latest").resolve()
    for nb in nbs.glob("*.ipynb"):
        nb.unlink()
    _sleepy_suite(tmp_path, 120)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while time.time() < deadline and not list(out.glob(".run-*/_work/*/tables/started_*.txt")):
        time.sleep(0.2)
    assert list(out.glob(".run-*/_work/*/tables/started_*.txt")), "no notebook started"
    assert _processes_in(nbs)
    t0 = time.time()
    proc.send_signal(getattr(signal, signame))
    assert proc.wait(timeout=20) == code, proc.stderr.read()
    assert time.time() - t0 < 10
    deadline = time.time() + 5
    while _processes_in(nbs) and time.time() < deadline:
        time.sleep(0.2)
    assert _processes_in(nbs) == []                        # no kernel left behind
    assert (out / "latest").resolve() == first
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted([first.name, "latest"])
    assert not list(out.glob(".run-*"))


@pytest.mark.slow
@pytest.mark.notebook
def test_a_second_run_into_the_same_folder_fails_at_once(suite, capsys):
    import time

    from iraq_atlas.cli import main

    out = suite / "reports"
    out.mkdir()
    with publish.run_lock(out):
        t0 = time.time()
        code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(out), "--quiet"])
        assert code == 2 and time.time() - t0 < 5
    assert "another report run (pid" in capsys.readouterr().err
    assert not [p for p in out.iterdir() if p.name not in (".lock",)]
    run, res = _run(suite)  # free again
    assert _status(res) == {"01_alpha": "ok", "02_beta": "ok"}


def test_a_locked_folder_is_a_user_error_reported_by_the_one_cli_handler(suite, capsys, monkeypatch):
    from iraq_atlas.cli import main
    from iraq_atlas.errors import IraqAtlasError, RunLocked

    assert issubclass(RunLocked, IraqAtlasError) and publish.RunLocked is RunLocked
    out = suite / "reports"
    out.mkdir()
    monkeypatch.setattr(execute, "execute_all", lambda *a, **k: pytest.fail("a notebook was executed"))
    with publish.run_lock(out):
        with pytest.raises(RunLocked) as caught:
            with publish.run_lock(out):
                pass
        assert main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(out), "--quiet"]) == 2
    assert str(caught.value) == (f"another report run (pid {os.getpid()}) is writing into {out}; "
                                 "wait for it to finish or choose another --out")
    assert capsys.readouterr().err == f"iraq-atlas: error: {caught.value}\n"


def test_a_runtime_error_from_the_runner_keeps_its_traceback(suite, monkeypatch):
    from iraq_atlas.cli import main

    def broken(out):
        raise RuntimeError("a bug in the runner")

    monkeypatch.setattr(publish, "run_lock", broken)
    with pytest.raises(RuntimeError, match="a bug in the runner"):
        main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"), "--quiet"])


@pytest.mark.slow
@pytest.mark.notebook
def test_run_folders_follow_the_umask(suite):
    import os
    import stat

    old = os.umask(0o022)
    try:
        run, _ = _run(suite)
    finally:
        os.umask(old)
    assert stat.S_IMODE(run.stat().st_mode) == 0o755
    assert stat.S_IMODE((run / "tables").stat().st_mode) == 0o755
    entry = suite / "reports" / ".cache" / "01_alpha"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o755


def test_run_ids_are_unique_within_a_second(suite):
    out = suite / "reports"
    out.mkdir()
    first = publish.new_run_id(out)
    (out / f".run-{first}-abc").mkdir()          # a run being built
    second = publish.new_run_id(out)
    assert second != first


# -- warm runs, unwritable folders, hostile text in the notebook pages --------------------------------
@pytest.mark.slow
@pytest.mark.notebook
def test_a_warm_rerun_decides_from_the_cache_without_jupyter(suite):
    """Nothing changed: the run is published from the cache without importing any of the execution machinery."""
    import os
    import subprocess
    import sys

    _run(suite)
    out = suite / "reports"
    before = (out / "latest").resolve()
    code = ("import json, sys\nfrom iraq_atlas.cli import main\n"
            f"code = main(['report', '--notebooks-dir', {str(suite / 'notebooks')!r}, '--out', {str(out)!r},"
            " '--quiet', '--jobs', '1'])\n"
            "heavy = ('nbclient', 'papermill', 'jupyter_client', 'nbconvert', 'nbformat', 'zmq', 'pandas',"
            " 'matplotlib', 'folium', 'geopandas')\n"
            "print(json.dumps({'code': code, 'loaded': sorted(m for m in heavy if m in sys.modules)}))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(report.__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "loaded": []}
    after = (out / "latest").resolve()
    assert after != before
    manifest = json.loads((after / "manifest.json").read_text())
    assert [n["cached"] for n in manifest["notebooks"]] == [True, True]
    assert (after / "tables" / "01_rows.csv").read_text() == (before / "tables" / "01_rows.csv").read_text()


@pytest.mark.slow
@pytest.mark.notebook
def test_a_full_disk_exits_2_and_keeps_the_previous_report(suite, monkeypatch, capsys):
    import errno

    from iraq_atlas.cli import main

    first, _ = _run(suite)
    out = suite / "reports"
    kept = sorted(p.name for p in out.iterdir())

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, "write_atomic", full)
    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(out), "--quiet", "--jobs", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert f"cannot write the report into {out.resolve()}: No space left on device" in err[0]
    assert "manifest.json" in err[0]                                   # the file that could not be written
    assert (out / "latest").resolve() == first.resolve()
    assert sorted(p.name for p in out.iterdir()) == kept              # no half-written run, no .run-* folder


H_SCRIPT = "<script>window.__pwned=1</script>"
H_TEMPLATE = "{{7*7}} {% raw %} ${7*7}"
H_CLOSE = "</script><script>window.__pwned=2</script>"
H_IMG = '<img src=x onerror="window.__pwned=3">'
HOSTILE = [H_SCRIPT, H_TEMPLATE, H_CLOSE, H_IMG]

HOSTILE_BODY = '''from IPython.display import display
from iraq_atlas.incidents.load import load_incidents
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
loaded = load_incidents(DATA, "acled")
for note in loaded.accepted["notes"]:
    print(note)
display(loaded.accepted[["event_id_cnty", "notes", "actor1"]])
display(loaded.rejected)
loaded.accepted["notes"].iloc[-1]
'''


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> Path:
    """The published page of a notebook run whose incident notes and actors are hostile strings."""
    import csv

    from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS

    tmp_path = tmp_path_factory.mktemp("hostile")
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(event_date="2021-11-07", year="2021", time_precision="1", iso="368", country="Iraq",
               admin1="Baghdad", location="Baghdad", latitude="33.3333", longitude="44.3833", geo_precision="1",
               source="Test", fatalities="0", event_type="Battles", sub_event_type="Armed clash")
    rows = [{**row, "event_id_cnty": f"IRQ{i}", "notes": text, "actor1": text} for i, text in enumerate(HOSTILE)]
    rows.append({**row, "event_id_cnty": "IRQ9", "notes": H_CLOSE, "fatalities": H_SCRIPT})  # rejected
    data = tmp_path / "hostile.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _nb(nbs / "01_hostile.ipynb", 'output_dir: str = "outputs"  # where files go',
        f"DATA = {str(data)!r}\n" + HOSTILE_BODY)
    run_dir, results = run_report(plan(discover(nbs), {}),
                                  RunOptions(out=tmp_path / "reports", progress=False, jobs=1))
    assert _status(results) == {"01_hostile": "ok"}, results[0].error
    return run_dir / "01_hostile.html"


@pytest.mark.slow
@pytest.mark.notebook
def test_hostile_text_outputs_show_literally_in_the_notebook_page(hostile_page):
    """Incident text printed, displayed as a table and returned by a cell is text in the published page."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(hostile_page.read_text(encoding="utf-8"), "html.parser")
    scripts = [s.get_text() for s in page.find_all("script")]
    assert not [s for s in scripts if "__pwned" in s]                  # no script element came from the data
    assert not page.find_all("img", onerror=True)
    outputs = page.select(".jp-OutputArea-output")
    text = "\n".join(o.get_text() for o in outputs)
    printed = next(o.get_text() for o in outputs if "__pwned=1" in o.get_text())
    assert printed.strip().splitlines() == HOSTILE                     # the stream, line for line
    cells = [td.get_text() for o in outputs for td in o.find_all("td")]
    for hostile in HOSTILE:
        assert cells.count(hostile) == 2                              # notes and actor1 of its row
    assert repr(H_IMG) in text                                         # the cell's returned value
    assert "49" not in text                                            # no template was evaluated
    assert any(H_CLOSE in c for c in cells) and any(H_SCRIPT in c for c in cells)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.notebook
def test_hostile_text_outputs_stay_inert_in_a_browser(request, hostile_page):
    """Opened offline in Chromium, the page runs none of the strings and shows each one as text."""
    from browser import open_offline

    op = open_offline(request.getfixturevalue("chromium"), hostile_page, wait_for=".jp-OutputArea-output")
    try:
        assert op.page.evaluate("typeof window.__pwned") == "undefined", "a string from the data was executed"
        shown = op.page.inner_text("body")
        for hostile in HOSTILE:
            assert hostile in shown
        assert op.blocked == [] and op.errors == []
    finally:
        op.close()


# -- the console -----------------------------------------------------------------------
NOISY = '''import sys, warnings
from iraq_atlas.runner.plan import output_folders
import matplotlib.pyplot as plt
out = output_folders(output_dir)
print("kernel says hello on its stderr", file=sys.__stderr__, flush=True)
fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([0, 1], [0, 1])
plt.show()  # an image without alternative text: nbconvert notes it
'''


def _console_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.notebook
def test_console_holds_the_bar_and_the_summary_alone(suite, capfd):
    """Kernel and converter log lines go into the run's log file (linked from the index), not
    onto the console; the console shows the run's bar and the closing summary."""
    from iraq_atlas.cli import main

    _nb(suite / "notebooks" / "03_noisy.ipynb", 'output_dir: str = "o"  # out', NOISY)
    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--jobs", "1"])
    assert code == 0
    captured = capfd.readouterr()
    err = _console_lines(captured.err)
    assert err and all(line.startswith("notebooks:") for line in err), err
    out = _console_lines(captured.out)
    assert out[0].startswith("report: ") and len(out) == 4, out
    assert all(line.split()[0] in {"01_alpha", "02_beta", "03_noisy"} for line in out[1:])
    run = (suite / "reports" / "latest").resolve()
    log_text = (run / "run.log").read_text()
    assert "kernel says hello on its stderr" in log_text
    assert "Kernel is running over TCP" in log_text
    assert "Alternative text is missing" in log_text
    assert 'href="run.log"' in (run / "index.html").read_text()


@pytest.mark.slow
@pytest.mark.notebook
def test_verbose_console_shows_the_kernel_lines_too(suite, capfd):
    from iraq_atlas.cli import main

    _nb(suite / "notebooks" / "03_noisy.ipynb", 'output_dir: str = "o"  # out', NOISY)
    code = main(["-v", "report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--jobs", "1", "--notebooks", "03"])
    assert code == 0
    err = capfd.readouterr().err
    assert "kernel says hello on its stderr" in err


# -- the pages -------------------------------------------------------------------------
WARNS = '''import warnings
from iraq_atlas.runner.plan import output_folders
out = output_folders(output_dir)
warnings.warn("the boundary download failed; the embedded boundaries are used", UserWarning)
print("names:", ", ".join(names))
'''


@pytest.mark.slow
@pytest.mark.notebook
def test_pages_show_the_run_parameters_and_warnings_as_notes(suite):
    """A successful notebook's page holds no warning block, no echoed source line and no
    temporary run folder; its parameters cell shows the run's values, Arabic as Arabic."""
    _nb(suite / "notebooks" / "03_warns.ipynb",
        'names: list[str] = ["Green Zone"]  # names\noutput_dir: str = "o"  # out', WARNS)
    arabic = "المنطقة الخضراء"
    jobs = plan(discover(suite / "notebooks", ["03"]), {"names": f"{arabic},Heet"})
    run_dir, results = run_report(jobs, RunOptions(out=suite / "reports", jobs=1, progress=False))
    assert _status(results) == {"03_warns": "ok"}
    for page in (run_dir / "03_warns.html", run_dir / "notebooks" / "03_warns.ipynb"):
        text = page.read_text(encoding="utf-8")
        assert ".run-" not in text and "_work" not in text and str(suite / "reports") not in text
        assert "\\u0627" not in text
    nb = nbformat.read(run_dir / "notebooks" / "03_warns.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "UserWarning" not in outputs and "stderr" not in outputs and "warnings.warn" not in outputs
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert injected.source.splitlines() == [
        "# Parameters of this run",
        f'names = ["{arabic}", "Heet"]  # set for this run',
        "# output_dir: this report's maps/, figures/ and tables/ folders"]
    html = (run_dir / "03_warns.html").read_text(encoding="utf-8")
    assert html.count('class="ia-note"') == 1 and 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert "Note: the boundary download failed; the embedded boundaries are used" in html
    assert f"names: {arabic}, Heet" in html


# -- figures with nothing to show --------------------------------------------------------
FIGURES = '''from iraq_atlas.runner.plan import output_folders
from iraq_atlas.viz import charts
import matplotlib.pyplot as plt
out = output_folders(output_dir)
fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([0, 1], [0, 1])
charts.save_figure(fig, out["figures"], "03_line")
plt.show()
empty, ax = plt.subplots(figsize=(2, 2)); ax.text(0.5, 0.5, "nothing to plot")
charts.mark_empty(empty, "no incidents in the period")
charts.save_figure(empty, out["figures"], "03_empty")
plt.show()
'''


@pytest.mark.slow
@pytest.mark.notebook
def test_a_figure_with_nothing_to_show_is_not_saved_nor_promoted(suite):
    _nb(suite / "notebooks" / "03_figs.ipynb", 'output_dir: str = "o"  # out', FIGURES)
    jobs = plan(discover(suite / "notebooks", ["03"]), {})
    run_dir, results = run_report(jobs, RunOptions(out=suite / "reports", jobs=1, progress=False))
    assert _status(results) == {"03_figs": "ok"}
    assert sorted(results[0].outputs) == ["figures/03_line.png", "figures/03_line.svg"]
    index = (run_dir / "index.html").read_text()
    assert 'src="figures/03_line.png"' in index and "03_empty" not in index
    page = (run_dir / "03_figs.html").read_text()
    assert "Note: no figure: no incidents in the period" in page
    from bs4 import BeautifulSoup

    assert len(BeautifulSoup(page, "html.parser").select(".jp-RenderedImage img")) == 1  # nor shown


# -- the index ----------------------------------------------------------------------------
def _boundary_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "boundaries"
    folder.mkdir()
    (folder / "adm1.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (folder / "metadata.json").write_text(json.dumps({"source": {
        "name": "Test boundaries", "producer": "A survey office", "valid_on": "2019-06-03",
        "licence": "CC BY-IGO", "url": "https://example.org/boundaries"}}))
    return folder


@pytest.mark.slow
@pytest.mark.notebook
def test_index_says_what_was_run_failures_first_and_labels_sweeps(suite):
    from bs4 import BeautifulSoup

    bounds = _boundary_folder(suite)
    _nb(suite / "notebooks" / "03_reads.ipynb", 'output_dir: str = "o"  # out',
        f"from iraq_atlas.files import record_read\nrecord_read({str(bounds / 'adm1.geojson')!r})\n"
        "raise RuntimeError('this one fails')")
    run_dir, results = _run(suite, sweep=("label", ["x", "y"]))
    soup = BeautifulSoup((run_dir / "index.html").read_text(), "html.parser")
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("#notebooks tbody tr")]
    assert [r[2] for r in rows] == ["failed", "ok", "ok", "ok", "ok"]        # failures first
    assert rows[0][0].startswith("03_reads.ipynb")
    assert [r[1] for r in rows[1:]] == ["label = x", "label = y", "label = x", "label = y"]
    tables = [li.get_text() for li in soup.select("#tables li")]
    assert "01_rows.csv (01_alpha.ipynb · label = x)" in tables and "01_rows.csv (01_alpha.ipynb · label = y)" in tables
    boundary = soup.select_one("#boundaries li").get_text()
    assert "adm1.geojson" in boundary and "Test boundaries, A survey office, valid on 2019-06-03, CC BY-IGO" in boundary
    sources = {tr.select("td")[0].get_text(): tr.select("td")[1].get_text() for tr in soup.select("#sources tbody tr")}
    assert sources == {suite.as_posix(): "1"}                             # data.csv, read by 01_alpha
    versions = soup.select_one("#versions").get_text()
    assert "pandas " in versions and "nbconvert " in versions and "Python " in versions
    params = [tr.get_text(" ") for tr in soup.select("#parameters tbody tr")]
    assert any("02_beta.ipynb · label = y" in p and 'label = "y"' in p for p in params)
    search = json.loads(soup.select_one("#search-data").string)
    assert {e["href"] for e in search} == {r.html for r in results}
    alpha_x = next(e for e in search if e["href"] == "01_alpha__label-x.html")
    assert alpha_x["title"] == "01_alpha" and alpha_x["section"] == "label = x"


# -- one PDF ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.browser
def test_pdf_holds_the_index_and_every_page(suite, capsys):
    from iraq_atlas.cli import main

    if publish.find_chromium() is None:
        pytest.skip("no chromium on PATH")
    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--jobs", "1", "--quiet", "--pdf"])
    assert code == 0
    run = (suite / "reports" / "latest").resolve()
    pdf = run / "report.pdf"
    assert f"pdf: {pdf}" in capsys.readouterr().out
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages >= 3                       # the index, then a page per notebook, each starting a page
    assert not [p.name for p in run.iterdir() if p.name.startswith(".pdf-")]


def test_pdf_without_chromium_says_so_before_running_anything(suite, capsys, monkeypatch):
    import shutil

    from iraq_atlas.cli import main

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    code = main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "reports"),
                 "--quiet", "--pdf"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--pdf prints the report with headless Chromium, and none is installed" in err
    assert "apt-get install chromium" in err
    assert not (suite / "reports").exists()


def test_a_kernel_stopped_by_two_threads_at_once_is_shut_down_once():
    """A job's thread and the closing pool may stop the same kernel together: one shutdown, never two at once
    (two at once destroy its ZeroMQ context twice, which aborts the process)."""
    import asyncio
    import threading

    from iraq_atlas.runner.execute import stop_kernel

    class SlowKernel:
        has_kernel = True

        def __init__(self):
            self.calls, self.inside, self.most = 0, 0, 0

        async def shutdown_kernel(self, now=False):
            self.calls += 1
            self.inside += 1
            self.most = max(self.most, self.inside)
            await asyncio.sleep(0.2)
            self.inside -= 1
            self.has_kernel = False

    km = SlowKernel()
    start = threading.Barrier(3)

    def stop():
        start.wait()
        stop_kernel(km, now=True)

    threads = [threading.Thread(target=stop) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert (km.calls, km.most) == (1, 1)
    stop_kernel(km)  # later calls do nothing
    assert km.calls == 1

    class NotStarted:
        has_kernel = False
    idle = NotStarted()
    stop_kernel(idle)  # nothing to stop yet; a later stop after it starts still shuts it down
    idle.has_kernel, idle.calls = True, 0

    async def shutdown(now=False):
        idle.calls += 1
    idle.shutdown_kernel = shutdown
    stop_kernel(idle)
    assert idle.calls == 1
