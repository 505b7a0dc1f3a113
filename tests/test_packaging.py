"""pyproject.toml and environment.yml list the same runtime dependencies; the CLI entry point exists;
an installed wheel carries and runs the notebooks."""

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names of PyPI distributions whose names differ
CONDA_NAME = {"dask[distributed]": "dask"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;]", req, maxsplit=1)[0].strip().lower()


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = {CONDA_NAME.get(_name(d), _name(d)) for d in py["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip |= {_name(x) for x in d["pip"] if not x.startswith("-e")}
        else:
            conda.add(_name(d))
    conda -= {"python", "pip", "distributed"}
    listed = conda | pip
    assert deps - listed == set(), f"in pyproject but not environment.yml: {deps - listed}"
    assert listed - deps == set(), f"in environment.yml but not pyproject: {listed - deps}"


def test_console_script_declared_and_importable():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = py["project"]["scripts"]["iraq-atlas"]
    mod, func = target.split(":")
    module = __import__(mod, fromlist=[func])
    assert callable(getattr(module, func))


def test_notebooks_committed_clean_and_parameterised():
    import nbformat

    nbs = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert nbs, "no notebooks"
    for path in nbs:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), path.name
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"


def test_every_tracked_notebook_is_committed_without_outputs():
    """Whatever git tracks (not only notebooks/): no outputs, no execution counts; the
    pre-commit hook that keeps it so is nbstripout over notebooks/."""
    import shutil

    import nbformat

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert len(tracked) >= 6
    for name in tracked:
        nb = nbformat.read(ROOT / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs for c in code), f"{name} has outputs"
        assert all(c.execution_count is None for c in code), f"{name} has execution counts"
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {(r["repo"], h["id"]) for r in config["repos"] for h in r["hooks"]}
    assert ("https://github.com/kynan/nbstripout", "nbstripout") in hooks


def _lab_command(*overrides: str) -> str:
    out = subprocess.run(["make", "-n", "lab", *overrides], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return next(line for line in out.splitlines() if "jupyter lab" in line)


def test_make_lab_allows_root_only_when_run_as_root():
    import shutil

    if shutil.which("make") is None:
        pytest.skip("no make")
    assert "--allow-root" in _lab_command("LAB_UID=0")
    assert "--allow-root" not in _lab_command("LAB_UID=1000")
    assert ("--allow-root" in _lab_command()) == (os.getuid() == 0)  # decided by `id -u`
    assert "--notebook-dir=notebooks" in _lab_command()


def test_plain_papermill_sees_every_declared_parameter():
    """`papermill -p NAME VALUE` must work without our runner: its own inspection reads each parameter."""
    import nbformat
    from papermill.translators import PythonTranslator

    from iraq_atlas.runner.params import read_params

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        seen = {p.name for p in PythonTranslator.inspect(cell)}
        declared = set(read_params(path).params)
        assert declared and declared <= seen, f"{path.name}: papermill cannot read {sorted(declared - seen)}"


def test_notebook_imports_stay_light():
    """What the notebooks import must not pull in nbformat/jsonschema (about a second per kernel):
    only the runner needs them, when it reads or converts a notebook."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from iraq_atlas.places import boundaries, gazetteer, geocoding, spatial\n"
            "from iraq_atlas.viz import charts, maps\n"
            "from iraq_atlas.viz.timeline import timeline_chart\n"
            "from iraq_atlas import elections, geoparse, incidents\n"
            "from iraq_atlas import analysis\n"
            "from iraq_atlas.analysis import timeline\n"
            "from iraq_atlas.files import data_path\n"
            "from iraq_atlas.runner.plan import output_folders\n"
            "print(sorted(m for m in ('nbformat', 'jsonschema', 'nbconvert', 'papermill') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _clean_env() -> dict:
    """This process's environment without anything pointing Python at the source tree."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.mark.slow
@pytest.mark.notebook
def test_installed_wheel_runs_its_own_notebooks(tmp_path):
    """Built and installed (not cloned), the package ships its notebooks and runs them from an empty folder."""
    import sysconfig

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(ROOT)], check=True, env=_clean_env(), cwd=tmp_path)
    wheel = next(dist.glob("iraq_atlas-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "iraq_atlas/notebooks/01_places.ipynb" in names and "iraq_atlas/runner/report.py" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    site = subprocess.run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # the heavy dependencies come from this environment, after the wheel's own files
    Path(site, "zz_shared_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "--no-deps", "-q", str(wheel)],
                   check=True, env=_clean_env())
    where = subprocess.run([str(vpy), "-c", "import iraq_atlas; print(iraq_atlas.__file__)"], check=True,
                           capture_output=True, text=True, env=_clean_env()).stdout
    assert where.startswith(site), where
    empty = tmp_path / "empty"
    empty.mkdir()
    # nbconvert's templates are data files of the shared environment, not of the fresh one
    env = {**_clean_env(), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    done = subprocess.run([str(venv / "bin" / "iraq-atlas"), "report", "--notebooks", "01", "--out", "X",
                           "--quiet", "--jobs", "1"], cwd=empty, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    index = empty / "X" / "latest" / "index.html"
    assert index.is_file() and "01_places" in index.read_text()
    assert (empty / "X" / "latest" / "tables" / "01_gazetteer.csv").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["X"]


def test_a_run_that_would_execute_nothing_exits_2(tmp_path, capsys):
    from iraq_atlas.cli import main

    (tmp_path / "none").mkdir()
    assert main(["report", "--notebooks-dir", str(tmp_path / "none"), "--out", str(tmp_path / "r")]) == 2
    assert "nothing to run" in capsys.readouterr().err
    assert main(["report", "--notebooks-dir", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_notebooks_run_from_the_package_by_default():
    from iraq_atlas.runner.plan import default_notebooks_dir

    assert (default_notebooks_dir() / "01_places.ipynb").is_file()
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert py["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["notebooks"] == "iraq_atlas/notebooks"


@pytest.mark.parametrize("module", ["iraq_atlas.places", "iraq_atlas.places.schema", "iraq_atlas.runner",
                                    "iraq_atlas.elections", "iraq_atlas.incidents", "iraq_atlas.places.boundaries",
                                    "iraq_atlas.places.geocoding", "iraq_atlas.analysis",
                                    "iraq_atlas.analysis.timeline", "iraq_atlas.geoparse"])
def test_data_modules_do_not_load_drawing_libraries(module):
    """Layers point one way: data and analysis modules never import matplotlib, folium or the viz package."""
    import subprocess
    import sys

    code = (f"import sys, {module}\n"
            "print(sorted(m for m in ('matplotlib', 'folium', 'branca', 'iraq_atlas.viz') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_resolves_and_is_documented():
    """Every name of the curated API exists where it is said to live and carries a docstring."""
    import iraq_atlas

    for name in iraq_atlas.__all__:
        if name == "__version__":
            continue
        obj = getattr(iraq_atlas, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    with pytest.raises(AttributeError):
        iraq_atlas.no_such_name  # noqa: B018


def test_importing_the_package_imports_nothing_heavy():
    code = ("import sys, iraq_atlas\n"
            "print(sorted(m for m in ('pandas', 'geopandas', 'matplotlib', 'folium') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


HEAVY = ("pandas", "geopandas", "shapely", "matplotlib", "folium", "nbclient", "papermill", "nbformat",
         "nbconvert", "jupyter_client", "numpy")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_building_the_command_line_imports_nothing_heavy():
    """`import iraq_atlas.cli` and the whole parser (every sub-command) load no data or notebook library."""
    assert _loaded_after("import iraq_atlas.cli\nfrom iraq_atlas.cli import build_parser\nbuild_parser()") == []


def test_help_and_params_commands_import_nothing_heavy():
    """`--help` and `params` print without pandas or nbformat (the notebook's JSON is read directly)."""
    help_run = ("from iraq_atlas.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert _loaded_after(help_run) == []
    for nb in ("01", "02", "03", "04", "05", "06"):  # choices from the source registry and the milestone tables
        assert _loaded_after(f"from iraq_atlas.cli import main\nmain(['params', '{nb}', '--format', 'json'])") == [], nb


def test_a_permutation_worker_imports_only_numpy_and_scipy():
    """A worker process of `permutation_p` imports its module alone: no pandas, geopandas or plotting library."""
    assert _loaded_after("import iraq_atlas.analysis.permutations") == ["numpy"]


def test_the_analysis_package_still_offers_its_names():
    code = ("import iraq_atlas.analysis as a\nfrom iraq_atlas.analysis import baghdad_focus, window_counts\n"
            "assert set(a.__all__) <= set(dir(a))\nprint(a.DEFAULT_BANDS_KM)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("(")
