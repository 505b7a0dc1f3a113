"""Generated hostile inputs for every import path: ACLED-, UCDP- and curated-shaped CSV files.

Random bad cells, encodings, line endings, truncation and hostile text (template
syntax, ``</script>``, quotes, formulas). For every file: the library raises only
its own errors (DataError / ParameterError) or returns tables that add up to the
rows of the file, every rejection names row, column and reason, text comes back
as written, and nothing in the data runs. The command line exits 0 or 2, never
with a traceback. Examples are derandomised, so every run tries the same files.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from iraq_atlas.cli import main  # noqa: E402
from iraq_atlas.errors import DataError, ParameterError  # noqa: E402
from iraq_atlas.incidents import load  # noqa: E402
from iraq_atlas.incidents.schema import CURATED_COLUMNS  # noqa: E402
from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS  # noqa: E402

UCDP_COLUMNS = ["id", "year", "type_of_violence", "side_a", "side_b", "source_office", "source_headline",
                "where_prec", "where_description", "adm_1", "adm_2", "latitude", "longitude", "country",
                "country_id", "date_prec", "date_start", "date_end", "best", "high", "low"]

ACLED = dict.fromkeys(ACLED_COLUMNS, "")
ACLED.update(event_id_cnty="IRQ{n}", event_date="2021-11-07", year="2021", time_precision="1", iso="368",
             country="Iraq", admin1="Baghdad", location="Baghdad", latitude="33.3333", longitude="44.3833",
             geo_precision="1", source="Test", notes="note {n}", fatalities="{n}", event_type="Battles",
             sub_event_type="Armed clash", actor1="Actor A")
UCDP = dict.fromkeys(UCDP_COLUMNS, "")
UCDP.update(id="40000{n}", year="2021", type_of_violence="1", side_a="Government of Iraq", side_b="IS",
            source_office="Office", source_headline="headline {n}", where_prec="1", where_description="Baghdad",
            adm_1="Baghdad governorate", latitude="33.3", longitude="44.39", country="Iraq", country_id="645",
            date_prec="1", date_start="2021-11-05", date_end="2021-11-05", best="{n}", high="{n}", low="0")
CURATED = dict.fromkeys(CURATED_COLUMNS, "")
CURATED.update(event_id_cnty="IRQX{n}", event_date="2021-11-07", time_precision="1", event_type="Battles",
               sub_event_type="Armed clash", actor1="Actor A", admin1="IQ-BG", location="Baghdad",
               latitude="33.31", longitude="44.39", geo_precision="1", source="Test", notes="note {n}",
               fatalities="{n}", place_id="", source_url="https://example.org/{n}")
SHAPES = {"acled": (ACLED_COLUMNS, ACLED), "ucdp": (UCDP_COLUMNS, UCDP), "curated": (CURATED_COLUMNS, CURATED)}

CANARY = "fuzz-canary-was-written"
HOSTILE = ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "</script><script>alert(1)</script>",
           '"quoted, with comma"', "it's", "=HYPERLINK(\"http://x\")", "${7*7}", "<!--", "\\u2028\u2028",
           "\u202eevil", "بغداد", "{{ __import__('pathlib').Path('" + CANARY + "').touch() }}",
           "__import__('os').system('touch " + CANARY + "')", "line\nbreak", "tab\there", "  padded  "]
BAD = ["", "inf", "Infinity", "-inf", "NaN", "1e20", "9007199254740993", "-1", "2.5", "two", "0x10",
       "2021-13-45", "07/11/2021", "1", "3", "7", "33.3", "44.4", "29.37", "47.98", "Iraq", "Syria", "IQ-ZZ"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1256", "latin-1", "utf-16"]


@st.composite
def csv_files(draw):
    shape = draw(st.sampled_from(sorted(SHAPES)))
    header, template = SHAPES[shape]
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(1, n + 1):
        row = {k: v.format(n=i) for k, v in template.items()}
        for col in draw(st.lists(st.sampled_from(header), max_size=4, unique=True)):
            row[col] = draw(st.sampled_from(BAD + HOSTILE))
        rows.append(row)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writeheader()
    w.writerows(rows)
    text = buf.getvalue()
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 2)) == 0:  # truncated somewhere after the header
        cut = draw(st.integers(len(text.splitlines()[0]) + 1, len(data)))
        data = data[:cut]
    return shape, data


def _file(shape: str, n: int = 3, encoding: str = "utf-8", cut: int | None = None, **cells) -> tuple[str, bytes]:
    """One file of ``shape`` with ``n`` rows, ``cells`` set on every row, encoded and cut as asked."""
    header, template = SHAPES[shape]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows([{**{k: v.format(n=i) for k, v in template.items()}, **cells} for i in range(1, n + 1)])
    data = buf.getvalue().encode(encoding)
    return shape, data if cut is None else data[:cut]


# always tried, besides the generated ones: each encoding, a cut inside the last row, hostile text
EXAMPLES = [_file("acled", encoding="utf-16"), _file("ucdp", encoding="cp1256", side_b="بغداد"),
            _file("curated", encoding="latin-1", notes="café"), _file("acled", encoding="utf-8-sig"),
            _file("acled", cut=-12), _file("ucdp", cut=-5), _file("curated", cut=-30),
            _file("acled", notes=HOSTILE[0], actor1=HOSTILE[2], location=HOSTILE[11]),
            _file("curated", notes=HOSTILE[12], fatalities="1e20"), _file("ucdp", best="Infinity")]


def _data_rows(data: bytes) -> int | None:
    """Rows a reader must account for: non-blank CSV records after the header (None: not UTF-8)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    except csv.Error:
        return None
    return max(len(records) - 1, 0)


FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _with_examples(test):
    for case in EXAMPLES:
        test = example(case=case)(test)
    return test


@FUZZ
@_with_examples
@given(case=csv_files())
@pytest.mark.slow
def test_generated_files_load_or_fail_cleanly(tmp_path_factory, case):
    shape, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"{shape}.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        _load_both(path, shape, data)
    assert not (folder / CANARY).exists(), "text from the data ran"


def _load_both(path: Path, shape: str, data: bytes) -> None:
    for fmt in (shape, "auto"):
        try:
            res = load.load_incidents(path, fmt)
        except (DataError, ParameterError) as exc:
            assert str(exc).strip()
            continue
        except ValueError as exc:  # only the format guess may say it cannot tell
            assert fmt == "auto" and "cannot tell the format" in str(exc), repr(exc)
            continue
        rows = _data_rows(data)
        event(f"{fmt}: loaded, {'some' if len(res.rejected) else 'no'} rows rejected")
        assert rows is not None, "a file that is not UTF-8 CSV was read"
        assert len(res.accepted) + len(res.rejected) + len(res.excluded) == rows
        assert res.rejected["row"].is_unique and res.rejected["row"].between(1, rows).all()
        for rec in res.rejected.itertuples():
            assert isinstance(rec.row, int) and rec.column and rec.reason, rec
        texts = {str(v) for col in ("notes", "actor1", "location", "source") for v in res.accepted[col]}
        for text in texts:
            assert "49" not in text or "49" in data.decode("utf-8-sig", errors="replace"), text


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@_with_examples
@given(case=csv_files())
def test_generated_files_through_the_command_line(tmp_path_factory, case):
    shape, data = case
    folder = tmp_path_factory.mktemp("fuzzcli")
    path = folder / f"{shape}.csv"
    path.write_bytes(data)
    out, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errors):
        code = main(["incidents", "--source", str(path), "--format", "json", "--rejected", str(folder / "r.csv")])
    err = errors.getvalue().strip().splitlines()
    assert code in (0, 2)
    if code == 2:
        assert err[0].startswith("iraq-atlas: error: ")
    else:
        assert err[-1].startswith("accepted ")
        a, r, e = (int(part.split()[1]) for part in err[-1].split(", ")[:3])
        assert a + r + e == _data_rows(data)
