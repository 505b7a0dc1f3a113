"""Notebook 01 under papermill (a boundary path, and the embedded default), and the CLI's params listing."""

import re

import nbformat
import pandas as pd
import pytest

from conftest import run_notebook


def _outputs_text(nb) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.notebook
@pytest.mark.slow
def test_places_notebook_with_real_boundaries(tmp_path, geodata_dir):
    nb_path = run_notebook("01_places.ipynb", tmp_path, boundaries_path=str(geodata_dir),
                           names_to_geocode=["Green Zone", "Kadimiya", "Atlantis"])
    nb = nbformat.read(nb_path, as_version=4)
    text = _outputs_text(nb)
    assert "governorate boundaries: path" in text
    table = pd.read_csv(tmp_path / "tables" / "01_gazetteer.csv")
    assert len(table) >= 40 and table.source_url.str.startswith("http").all()
    page = (tmp_path / "maps" / "01_baghdad.html").read_text()
    assert "L.map(" in page and "Green Zone outline" in page
    assert not re.search(r"<script[^>]+src=\"https?://", page)
    assert (tmp_path / "maps" / "01_iraq.html").exists()
    assert (tmp_path / "figures" / "01_places.png").stat().st_size > 20_000
    # the geocoding table shows every status the parameters call for
    assert "matched" in text and "fuzzy" in text and "unresolved" in text


@pytest.mark.notebook
@pytest.mark.slow
def test_places_notebook_embedded_boundaries(tmp_path):
    nb_path = run_notebook("01_places.ipynb", tmp_path, kinds=["zone", "residence", "embassy"])
    text = _outputs_text(nbformat.read(nb_path, as_version=4))
    assert "governorate boundaries: embedded" in text and "OCHA, CSO, ITOS" in text
    assert "tile-grid" not in text.lower()
    page = (tmp_path / "maps" / "01_baghdad.html").read_text()
    assert "Baghdad: sub-districts" in page and "Al-Mansour" in page
    assert "foreign" in text and "ambiguous" in text


def test_params_cli_lists_types_defaults_and_help(capsys):
    from iraq_atlas.cli import main

    assert main(["params", "01", "--format", "csv"]) == 0
    out = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    row = out.set_index("name").loc["zoom"]
    assert row.type == "int" and str(row.default) == "13" and "zoom" in row.help
    assert "output_dir" in set(out.name)


def test_report_cli_rejects_bad_parameter_before_running(tmp_path, capsys):
    from iraq_atlas.cli import main

    code = main(["report", "--notebooks", "01", "--out", str(tmp_path), "-p", "zoom", "high"])
    assert code == 2
    assert "01_places.ipynb: parameter 'zoom' must be a whole number" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
