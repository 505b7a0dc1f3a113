"""Planning a run: the column and event-type mappings of notebooks 03, 04 and 06 are checked before any kernel."""

from __future__ import annotations

import pytest

from conftest import NOTEBOOKS
from iraq_atlas.errors import ParameterError
from iraq_atlas.runner.plan import plan

INCIDENT_NOTEBOOKS = ("03_incidents.ipynb", "04_elections_vs_incidents.ipynb", "06_hotspots_and_trends.ipynb")


@pytest.fixture
def table(tmp_path, monkeypatch):
    """A user's own table in the working folder (its columns are not the schema's)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("When,Y,X,Kind\n2021-11-07,33.311,44.39,Protests\n", encoding="utf-8")
    return tmp_path / "mine.csv"


@pytest.fixture
def no_kernels(monkeypatch):
    """Executing a notebook fails the test: every refusal below must come from planning."""
    from iraq_atlas.runner import execute

    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was executed")

    monkeypatch.setattr(execute, "execute_all", refuse)


@pytest.mark.parametrize("name", INCIDENT_NOTEBOOKS)
@pytest.mark.parametrize("overrides,words", [
    ({"columns": "date"}, "parameter 'columns' (-p): expected NAME=VALUE pairs separated by commas"),
    ({"columns": "date=When,Datum=When"}, "parameter 'columns' (-p): unknown schema column 'Datum'; use any of "
                                          "event_id_cnty, event_date,"),
    ({"columns": "maps/cols.yaml"}, "parameter 'columns' (-p): maps/cols.yaml not found (looked for "),
    ({"event_type_map": "maps/types.json"}, "parameter 'event_type_map' (-p): maps/types.json not found"),
    ({"event_type_map": "Demo=Marches"}, "parameter 'event_type_map' (-p): 'Demo' → 'Marches' is not an ACLED "
                                         "event type"),
    ({"event_type_map": "Demo=Protests|Sit-in"}, "'Demo' → 'Sit-in' is not an ACLED sub-type of 'Protests'"),
    ({"columns": "date=When", "incidents_path": ""}, "parameter 'columns' (-p): a mapping is for your own table, "
                                                     "and incidents_path is empty"),
    ({"columns": "date=When", "incidents_format": "acled"}, "incidents_format acled takes no mapping"),
])
def test_a_bad_mapping_is_refused_before_any_kernel(table, no_kernels, name, overrides, words):
    with pytest.raises(ParameterError) as err:
        plan([NOTEBOOKS / name], {"incidents_path": str(table), **overrides})
    assert str(err.value).startswith(f"{name}: parameter ")
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_a_bad_mapping_in_a_sweep_is_refused_before_any_kernel(table, no_kernels):
    with pytest.raises(ParameterError, match=r"parameter 'columns' \(--sweep\): unknown schema column 'Datum'"):
        plan([NOTEBOOKS / "03_incidents.ipynb"], {"incidents_path": str(table)},
             ("columns", ["date=When", "Datum=When"]))


def test_a_good_mapping_is_kept_and_its_file_made_absolute(table, no_kernels):
    folder = table.parent / "maps"
    folder.mkdir()
    (folder / "cols.yaml").write_text("date: When\nlat: Y\nlon: X\ntype: Kind\n", encoding="utf-8")
    types = "Demo=Protests|Peaceful protest"
    jobs = plan([NOTEBOOKS / n for n in INCIDENT_NOTEBOOKS],
                {"incidents_path": "mine.csv", "columns": "maps/cols.yaml", "event_type_map": types})
    assert [j.params["columns"] for j in jobs] == [str(folder / "cols.yaml")] * 3
    assert [j.params["event_type_map"] for j in jobs] == [types] * 3
    # from a parameter file, a relative path is read from the file's folder
    jobs = plan([NOTEBOOKS / "03_incidents.ipynb"], {"incidents_path": "../mine.csv", "columns": "cols.yaml"},
                bases={"incidents_path": (folder, "params.yaml"), "columns": (folder, "params.yaml")})
    assert jobs[0].params["columns"] == str(folder / "cols.yaml")
    with pytest.raises(ParameterError, match=r"parameter 'columns' \(params.yaml\): cols.yaml not found \(looked "
                                             r"for .*[/\\]cols.yaml\)"):
        plan([NOTEBOOKS / "03_incidents.ipynb"], {"incidents_path": str(table), "columns": "cols.yaml"},
             bases={"columns": (table.parent, "params.yaml")})


def test_a_mapping_file_naming_an_unknown_column_is_refused(table, no_kernels):
    (table.parent / "cols.json").write_text('{"date": "When", "Datum": "When"}', encoding="utf-8")
    with pytest.raises(ParameterError, match=r"^03_incidents.ipynb: parameter 'columns' \(-p\): unknown schema "
                                             r"column 'Datum'"):
        plan([NOTEBOOKS / "03_incidents.ipynb"], {"incidents_path": str(table), "columns": "cols.json"})


def test_a_mapping_written_as_yaml_in_a_parameter_file_reaches_the_notebook(table, tmp_path):
    """``columns:`` as a YAML mapping (as a parameter file naturally holds it) is planned as JSON text."""
    import yaml

    from iraq_atlas.incidents import parse_mapping
    (tmp_path / "params.yaml").write_text(
        "incidents_path: mine.csv\nincidents_format: generic\n"
        "columns:\n  date: When\n  latitude: Y\n  longitude: X\n  event_type: Kind\n"
        "event_type_map:\n  'Sit-in, peaceful': [Protests, Peaceful protest]\n", encoding="utf-8")
    given = yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))
    jobs = plan([NOTEBOOKS / "03_incidents.ipynb"], given)
    cols, types = jobs[0].params["columns"], jobs[0].params["event_type_map"]
    assert isinstance(cols, str) and parse_mapping(cols, "columns") == {
        "date": "When", "latitude": "Y", "longitude": "X", "event_type": "Kind"}
    assert parse_mapping(types, "event_type_map") == {"Sit-in, peaceful": ["Protests", "Peaceful protest"]}
