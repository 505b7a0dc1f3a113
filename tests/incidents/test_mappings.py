"""parse_mapping: a column or event-type mapping as text pairs, a YAML/JSON file, or a dict."""

from __future__ import annotations

import json

import pytest

from iraq_atlas.errors import ParameterError
from iraq_atlas.incidents import parse_mapping
from iraq_atlas.incidents.mappings import mapping_file


# -- text ---------------------------------------------------------------------------------
def test_text_pairs_are_stripped_and_kept_in_order():
    got = parse_mapping(" date = Date ,latitude=Lat,, event_type=Type ", "--columns")
    assert got == {"date": "Date", "latitude": "Lat", "event_type": "Type"}
    assert list(got) == ["date", "latitude", "event_type"]


def test_a_value_may_hold_an_equals_sign_and_a_bar():
    got = parse_mapping("Airstrike=Explosions/Remote violence|Air/drone strike,a=b=c", "--event-types")
    assert got == {"Airstrike": "Explosions/Remote violence|Air/drone strike", "a": "b=c"}


@pytest.mark.parametrize("value", [None, "", "   "])
def test_nothing_given_is_no_mapping(value):
    assert parse_mapping(value, "columns") is None


@pytest.mark.parametrize("value,words", [
    ("date", "columns: expected NAME=VALUE pairs separated by commas, or a .yaml, .yml or .json file of them, "
             "not 'date'"),
    ("date=Date,latitude", "not 'latitude'"),
    ("=Date", "not '=Date'"),
    ("date=", "not 'date='"),
    ("columns.txt", "not 'columns.txt'"),
    (",,", "columns: no NAME=VALUE pair in ',,'"),
    ("date=A,date=B", "columns: 'date' is given twice"),
])
def test_malformed_text_is_refused_naming_the_parameter(value, words):
    with pytest.raises(ParameterError) as err:
        parse_mapping(value, "columns")
    assert words in str(err.value)


# -- files ---------------------------------------------------------------------------------
def test_a_yaml_file_is_read_and_numbers_become_text(tmp_path):
    path = tmp_path / "cols.yaml"
    path.write_text("date: Date\nlatitude: ' Lat '\nfatalities: 2021\n", encoding="utf-8")
    assert parse_mapping(str(path), "--columns") == {"date": "Date", "latitude": "Lat", "fatalities": "2021"}


def test_a_json_file_is_read_with_list_values(tmp_path):
    path = tmp_path / "types.JSON"
    path.write_text(json.dumps({"Airstrike": ["Explosions/Remote violence", "Air/drone strike"]}), encoding="utf-8")
    assert parse_mapping(path, "event_type_map") == {"Airstrike": ["Explosions/Remote violence", "Air/drone strike"]}


def test_a_relative_file_is_read_from_base_or_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "cols.yml").write_text("date: When\n", encoding="utf-8")
    assert parse_mapping("cols.yml", "columns", base=tmp_path / "maps") == {"date": "When"}
    monkeypatch.chdir(tmp_path)
    assert parse_mapping("maps/cols.yml", "columns") == {"date": "When"}
    assert mapping_file("maps/cols.yml") == tmp_path / "maps" / "cols.yml"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_mapping("~/maps/cols.yml", "columns") == {"date": "When"}


def test_reading_a_file_is_recorded_as_an_input(tmp_path, monkeypatch):
    trace = tmp_path / "reads.txt"
    monkeypatch.setenv("IRAQ_ATLAS_TRACE_READS", str(trace))
    path = tmp_path / "cols.yaml"
    path.write_text("date: Date\n", encoding="utf-8")
    parse_mapping(str(path), "columns")
    assert trace.read_text(encoding="utf-8").splitlines() == [str(path.resolve())]


@pytest.mark.parametrize("name,text,words", [
    ("list.yaml", "- date\n- Date\n", "columns: expected a mapping of NAME: VALUE in list.yaml, found a list"),
    ("empty.yaml", "", "found nothing"),
    ("bad.yaml", "date: Date\nlatitude: [Lat\n", "columns: bad.yaml at line 3, column 1:"),
    ("bad.json", '{"date": "Date"', "columns: bad.json at line 1, column 16: expected ',' or '}'"),
    ("null.yaml", "date:\n", "columns: 'date' has no value in null.yaml"),
    ("bool.yaml", "date: yes\n", "'date' has True in bool.yaml; give a name as text (quote it in YAML"),
    ("nested.yaml", "date: {a: b}\n", "'date' has {'a': 'b'} in nested.yaml"),
])
def test_a_file_that_holds_no_usable_mapping_is_refused(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        parse_mapping(str(path), "columns")
    assert words in str(err.value)


def test_a_missing_file_a_folder_and_other_bytes_are_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"^columns: .*gone\.yaml not found$"):
        parse_mapping(str(tmp_path / "gone.yaml"), "columns")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ParameterError, match=r"dir\.yaml is a folder, not a \.yaml, \.yml or \.json file"):
        parse_mapping(str(tmp_path / "dir.yaml"), "columns")
    (tmp_path / "latin.yaml").write_bytes("date: Dat\xe9\n".encode("latin-1"))
    with pytest.raises(ParameterError, match=r"latin\.yaml is not UTF-8 text \(byte 9\)"):
        parse_mapping(str(tmp_path / "latin.yaml"), "columns")


# -- dicts and other values ------------------------------------------------------------------
def test_a_dict_is_checked_like_a_file_and_copied():
    given = {"date": " Date ", "fatalities": 3}
    got = parse_mapping(given, "columns")
    assert got == {"date": "Date", "fatalities": "3"} and given == {"date": " Date ", "fatalities": 3}
    with pytest.raises(ParameterError, match="columns: 'date' has no value"):
        parse_mapping({"date": None}, "columns")
    with pytest.raises(ParameterError, match="an empty name or value"):
        parse_mapping({"date": " "}, "columns")


@pytest.mark.parametrize("value", [3, ["date=Date"], ("date", "Date")])
def test_any_other_value_is_refused_naming_its_type(value):
    with pytest.raises(ParameterError) as err:
        parse_mapping(value, "columns")
    assert str(err.value).startswith(f"columns: expected NAME=VALUE pairs, a .yaml, .yml or .json file, or a dict, "
                                     f"not {type(value).__name__}")
