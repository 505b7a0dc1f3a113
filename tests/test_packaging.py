"""pyproject.toml and environment.yml list the same runtime dependencies; the CLI entry point exists."""

import pytest
import re
import tomllib
from pathlib import Path

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
            "from iraq_atlas import elections, geoparse, incidents\n"
            "from iraq_atlas.analysis import merge, timeline\n"
            "from iraq_atlas.places import boundaries, gazetteer, geocoding, spatial\n"
            "from iraq_atlas.viz import charts, maps\n"
            "from iraq_atlas.runner.report import output_folders\n"
            "print(sorted(m for m in ('nbformat', 'jsonschema', 'nbconvert', 'papermill') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["iraq_atlas.elections", "iraq_atlas.incidents", "iraq_atlas.places.boundaries",
                                    "iraq_atlas.places.geocoding", "iraq_atlas.analysis.merge",
                                    "iraq_atlas.analysis.timeline", "iraq_atlas.geoparse"])
def test_data_modules_do_not_load_drawing_libraries(module):
    """Layers point one way: data and analysis modules never import matplotlib, folium or the viz package."""
    import subprocess
    import sys

    code = (f"import sys, {module}\n"
            "print(sorted(m for m in ('matplotlib', 'folium', 'branca', 'iraq_atlas.viz') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
