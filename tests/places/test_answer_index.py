"""The persisted answer index gives ``iraq-atlas geocode`` the full geocoder's output, byte for byte.

In-process: every gazetteer spelling, and variants of them that Hypothesis generates
(case, spacing, articles, punctuation, diacritics), are answered from the index and
printed as CSV, JSON and a table; the text must equal what the full path
(:class:`~iraq_atlas.places.geocoding.Geocoder` and pandas) prints for the same names.
Subprocesses: the command's output is the same with and without the index, the index
is not used once a gazetteer file changes or when it is corrupt (and is then rebuilt),
a name it does not hold goes to the full geocoder, and answering from the index
imports neither pandas nor geopandas.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iraq_atlas.cli import _print_table
from iraq_atlas.files import geodata_dir
from iraq_atlas.places import answer_index
from iraq_atlas.places.answer_index import CLI_COLUMNS, load_index, lookup, render, write_index
from iraq_atlas.places.geocoding import Geocoder

FORMATS = ("csv", "json", "table")
SRC = Path(answer_index.__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder()


@pytest.fixture(scope="module")
def index(geocoder, tmp_path_factory) -> dict:
    path = write_index(geocoder, tmp_path_factory.mktemp("index") / "geocode-index.json")
    loaded = load_index(path)
    assert loaded is not None
    return loaded


def full_output(geocoder: Geocoder, names: list[str], fmt: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        _print_table(geocoder.geocode_names(names)[CLI_COLUMNS], fmt)
    return buf.getvalue()


def assert_same(geocoder: Geocoder, index: dict, names: list[str]) -> None:
    rows = lookup(names, index)
    assert rows is not None, names
    for fmt in FORMATS:
        fast = render(rows, fmt)
        assert fast is not None
        assert fast == full_output(geocoder, names, fmt), (fmt, names)


@pytest.mark.slow
def test_every_spelling_is_answered_as_the_geocoder_answers_it(geocoder, index):
    spellings = sorted(index["spellings"])
    assert len(spellings) > 3000
    # one batch (the table's widths and decimals depend on every row) and small batches
    assert_same(geocoder, index, spellings)
    for lo in range(0, len(spellings), 97):
        assert_same(geocoder, index, spellings[lo:lo + 7])


def test_normalised_and_variant_keys_are_answered(geocoder, index):
    names = ["BAGHDAD", "  baghdad ", "AL-FALLUJA", "Baghdadd", "Fallujah", "fallujah.", "al Fallūjah", "HEET", "بغداد"]
    assert_same(geocoder, index, names)
    rows = lookup(names, index)
    assert [r[1] for r in rows[:4]] == ["capital_baghdad", "capital_baghdad", "gn_99454", "capital_baghdad"]


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


@st.composite
def variants(draw, spellings: list[str]) -> str:
    s = draw(st.sampled_from(spellings))
    change = draw(st.sampled_from(["upper", "lower", "title", "article", "space", "punct", "marks", "typo", "same"]))
    if change == "upper":
        return s.upper()
    if change == "lower":
        return s.lower()
    if change == "title":
        return s.title()
    if change == "article":
        return draw(st.sampled_from(["al-", "Al ", "el-", "the ", "ال"])) + s
    if change == "space":
        return draw(st.sampled_from([" ", "  ", "\u00a0"])) + s.replace(" ", "  ") + " "
    if change == "punct":
        return s + draw(st.sampled_from([".", "!", "'", "-", "?"]))
    if change == "marks":
        return _strip_marks(s)
    if change == "typo" and len(s) > 3:
        i = draw(st.integers(1, len(s) - 2))
        return s[:i] + s[i + 1:]
    return s


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.slow
def test_generated_variants_print_as_the_full_path(geocoder, index, data):
    spellings = sorted(index["spellings"])
    names = data.draw(st.lists(variants(spellings), min_size=1, max_size=5))
    answered = [n for n in names if lookup([n], index) is not None]
    if answered:
        assert_same(geocoder, index, answered)
    for name in set(names) - set(answered):  # what the index leaves out: a hint, a fuzzy or an unknown name
        if not answer_index.MAY_HINT.search(name):
            res = geocoder.geocode_names([name]).iloc[0]
            assert res.match == "fuzzy" or res.status == "unresolved", name


def test_names_the_index_does_not_hold_are_left_to_the_geocoder(index):
    assert lookup(["Baghdaxd"], index) is None          # fuzzy
    assert lookup(["Hit, Anbar"], index) is None        # governorate hint
    assert lookup(["Qqqzzzx"], index) is None           # unknown
    assert lookup(["Baghdad", "Qqqzzzx"], index) is None  # one miss: the whole batch goes
    assert lookup(["Bagh\ndad"], index) is None         # control characters


def test_answers_the_full_geocoder_gave_are_remembered(geocoder, tmp_path):
    path = write_index(geocoder, tmp_path / "i.json")
    names = ["Baghdaxd", "Falluxjah", "Hit, Anbar", "Kadimiya", "Anbar province", "Qqqzzzx"]
    assert lookup(names[:-1], load_index(path)) is None
    answers = geocoder.geocode_names(names)[CLI_COLUMNS].astype(object).values.tolist()
    assert answer_index.remember(answers, path) == path
    index = load_index(path)
    assert lookup(["Qqqzzzx"], index) is None  # unresolved: asked again next time
    assert_same(geocoder, index, names[:-1])
    assert [r[7] for r in lookup(names[:-1], index)] == ["fuzzy", "fuzzy", "matched", "fuzzy", "matched"]
    assert answer_index.remember(answers, path) is None  # nothing new


def test_a_stale_or_corrupt_file_is_not_loaded(geocoder, tmp_path, monkeypatch):
    path = write_index(geocoder, tmp_path / "i.json")
    assert load_index(path) is not None
    monkeypatch.setattr(answer_index, "fingerprint", lambda: "another")
    assert load_index(path) is None
    monkeypatch.undo()
    for bad in (b"", b"\xff\xfe", b'{"format": 1}\n', path.read_bytes()[:-10], b"[1]\n{}"):
        path.write_bytes(bad)
        assert load_index(path) is None


# -- the command, in fresh processes ------------------------------------------------------------
DRIVER = ("import sys\nfrom iraq_atlas.cli import main\nrc = main(sys.argv[1:])\n"
          "sys.stderr.write('\\nMODULES ' + ' '.join(m for m in ('pandas', 'geopandas') if m in sys.modules))\n"
          "sys.exit(rc)\n")


def run_cli(cache: Path, *args: str, geodata: Path | None = None) -> tuple[str, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "IRAQ_ATLAS_CACHE": str(cache), "IRAQ_ATLAS_OFFLINE": "1"}
    env.pop("IRAQ_ATLAS_GEODATA", None)
    if geodata is not None:
        env["IRAQ_ATLAS_GEODATA"] = str(geodata)
    proc = subprocess.run([sys.executable, "-c", DRIVER, "geocode", *args], env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    modules = set(proc.stderr.rpartition("MODULES")[2].split())
    return proc.stdout, modules


NAMES = ["Baghdad", "Heet", "Damascus", "Kadhimi's house", "Barwana sub-district", "AL-FALLUJA", "بغداد"]


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A cache folder whose index the first (full) run wrote, and that run's output per format."""
    cache = tmp_path_factory.mktemp("cli-cache")
    out, modules = run_cli(cache, *NAMES, "--format", "csv")
    assert "pandas" in modules and (cache / answer_index.FILE_NAME).is_file()
    return cache, {"csv": out}


@pytest.mark.parametrize("fmt", FORMATS)
def test_fast_and_full_path_print_the_same(built_cache, tmp_path, fmt):
    cache, _ = built_cache
    fast, modules = run_cli(cache, *NAMES, "--format", fmt)
    assert modules == set()  # answered from the index: neither pandas nor geopandas imported
    full, modules = run_cli(tmp_path / "empty-cache", *NAMES, "--format", fmt)
    assert "pandas" in modules
    assert fast == full
    assert fast.count("capital_baghdad") == 2


def test_a_fuzzy_name_goes_to_the_geocoder_once(built_cache):
    cache, _ = built_cache
    out, modules = run_cli(cache, "Baghdad", "Falluxjah", "--format", "csv")
    assert "pandas" in modules
    assert out.splitlines()[2].split(",")[7] == "fuzzy"
    again, modules = run_cli(cache, "Baghdad", "Falluxjah", "--format", "csv")
    assert modules == set() and again == out  # the full path remembered its answer


@pytest.mark.slow
def test_a_changed_gazetteer_file_makes_the_index_stale(tmp_path):
    geodata = tmp_path / "geodata"
    for part in ("places", "boundaries"):
        shutil.copytree(geodata_dir() / part, geodata / part)
    cache = tmp_path / "cache"
    before, modules = run_cli(cache, "Baghdad", "--format", "csv", geodata=geodata)
    assert "pandas" in modules and "33.333,44.383" in before
    _, modules = run_cli(cache, "Baghdad", "--format", "csv", geodata=geodata)
    assert modules == set()
    csv_path = geodata / "places" / "places.csv"
    text = csv_path.read_text(encoding="utf-8")
    assert ",33.333,44.383," in text
    csv_path.write_text(text.replace(",33.333,44.383,", ",33.341,44.383,"), encoding="utf-8")
    after, modules = run_cli(cache, "Baghdad", "--format", "csv", geodata=geodata)
    assert "pandas" in modules
    assert "33.341,44.383" in after and "33.333" not in after
    again, modules = run_cli(cache, "Baghdad", "--format", "csv", geodata=geodata)
    assert modules == set() and again == after  # the full path wrote a fresh index


@pytest.mark.slow
def test_a_corrupt_index_is_ignored_and_rebuilt(built_cache, tmp_path):
    cache, outputs = built_cache
    mine = tmp_path / "cache"
    mine.mkdir()
    good = (cache / answer_index.FILE_NAME).read_bytes()
    head, _, body = good.partition(b"\n")
    (mine / answer_index.FILE_NAME).write_bytes(head + b"\n" + body[: len(body) // 2])
    out, modules = run_cli(mine, *NAMES, "--format", "csv")
    assert "pandas" in modules and out == outputs["csv"]
    assert json.loads((mine / answer_index.FILE_NAME).read_bytes().partition(b"\n")[2])["rows"]
    out, modules = run_cli(mine, *NAMES, "--format", "csv")
    assert modules == set() and out == outputs["csv"]
