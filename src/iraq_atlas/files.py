"""Files: where the curated data lives, reading CSVs with errors that point at a cell, atomic writes.

Curated tables sit in ``geodata/`` at the top of the project (or inside the
installed wheel). Every loader in the package reads through :func:`read_csv`
so that a bad value is reported with its file, row and column.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from iraq_atlas import settings
from iraq_atlas.errors import DataError, Problem

if TYPE_CHECKING:  # pandas is imported where a table is read: the runner's workers only write files
    import pandas as pd



def record_read(path: str | os.PathLike) -> None:
    """Note that an input file was read (no-op unless $IRAQ_ATLAS_TRACE_READS is set).

    Parameters
    ----------
    path : str or os.PathLike
        The file read.
    """
    trace = settings.trace_file()
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(str(Path(path).resolve()) + "\n")


def record_probe(path: str | os.PathLike) -> None:
    """Note that a path was looked for, whether or not it exists (no-op unless tracing).

    What a notebook did not find decides what it computes as much as what it read: the
    report runner keys a probed path by its state (absent, a folder's listing, a file's
    content), so a file that appears later makes the notebook run again.

    Parameters
    ----------
    path : str or os.PathLike
        The file or folder looked for.
    """
    record_read(path)


def geodata_dir() -> Path:
    """The folder of curated inputs: $IRAQ_ATLAS_GEODATA, the wheel's copy, or the source tree's."""
    env = settings.geodata_override()
    if env:
        return env
    packaged = Path(__file__).resolve().parent / "geodata"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "geodata"


def data_path(*parts: str) -> Path:
    """Path of one curated file, e.g. ``data_path("places", "places.csv")``."""
    return geodata_dir().joinpath(*parts)


def read_csv(path: str | os.PathLike, required: Iterable[str] = (), **kwargs) -> pd.DataFrame:
    """Read a CSV as strings (no guessing), check required columns, keep data row numbers.

    The returned frame has a ``_row`` column: the 1-based data row (line 2 of the
    file is row 1), used in every later error message. A row with fewer fields than
    the header gets empty texts in the missing cells and a row with more keeps the
    header's number of fields: :func:`field_count_problems` reports both, and the
    caller rejects them.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV file.
    required : iterable of str
        Columns the file must have.
    **kwargs
        Passed on to :func:`pandas.read_csv`.

    Returns
    -------
    pandas.DataFrame
        Stripped text columns plus ``_row``.

    Raises
    ------
    DataError
        The file is missing, empty, not a CSV (an Excel workbook), not UTF-8 (the
        message names the encoding it looks like), cannot be parsed, or lacks a
        required column.
    """
    path = Path(path)
    check_csv_file(path)
    record_read(path)
    import pandas as pd

    options = dict(dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    options.update(kwargs)
    try:
        try:
            df = pd.read_csv(path, **options)
        except pd.errors.ParserError as exc:
            if "fields in line" not in str(exc):
                raise
            # a row with more fields than the header: keep the row (cut to the header's width)
            # so rows keep their numbers; field_count_problems names it and the caller rejects it
            width = len(pd.read_csv(path, nrows=0, **options).columns)
            options.pop("low_memory", None)
            df = pd.read_csv(path, engine="python", on_bad_lines=lambda bad: bad[:width], **options)
    except UnicodeDecodeError as exc:
        raise DataError([Problem(path.name, None, None, _not_utf8(path, exc))]) from None
    except pd.errors.EmptyDataError:
        raise DataError([Problem(path.name, None, None, "no header row: the file holds no CSV data")]) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataError([Problem(path.name, None, None, f"cannot parse CSV: {exc}")]) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError([Problem(path.name, None, c, "required column is missing") for c in missing])
    df = df.apply(lambda s: s.fillna("").astype(str).str.strip())
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: done once, while importing
    os.umask(mask)
    return mask


#: The process's umask when the library was imported; reading it later would briefly change it for every thread.
UMASK = _read_umask()
#: Permissions of a file written by :func:`write_atomic`: what the umask gives a new file.
FILE_MODE = 0o666 & ~UMASK

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_csv_file(path: str | os.PathLike) -> Path:
    """Refuse, with one clear reason, a file that cannot be a CSV table.

    Checks what the first bytes show: missing, a folder, empty (0 bytes), an Excel
    workbook (.xlsx is a zip archive, .xls an OLE file), text that is not UTF-8
    (named with the encoding it looks like), or a header naming one column twice
    (readers would rename or drop a copy, and which one holds the data cannot be
    guessed).

    Parameters
    ----------
    path : path-like
        The file to check.

    Returns
    -------
    pathlib.Path
        ``path``, when it may be read as CSV.

    Raises
    ------
    DataError
        Naming the file and the reason.
    """
    path = Path(path)

    def refuse(reason: str) -> DataError:
        return DataError([Problem(path.name if path.exists() else str(path), None, None, reason)])

    if not path.exists():
        raise refuse("file not found")
    if path.is_dir():
        raise refuse("is a folder, not a CSV file")
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        raise refuse("the file is empty (0 bytes): no header row, no data")
    if head.startswith(_ZIP_MAGIC):
        raise refuse("this is an Excel workbook (.xlsx) or another zip archive, not CSV: "
                     "save the sheet as CSV (UTF-8) and read that")
    if head.startswith(_OLE_MAGIC):
        raise refuse("this is an old Excel workbook (.xls), not CSV: save the sheet as CSV (UTF-8) and read that")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("the file is UTF-16 text, not UTF-8: save it as CSV (UTF-8) and read that")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the 64 KB read
            raise refuse(_not_utf8(path, exc)) from None
    header = next(csv.reader(io.StringIO(head.decode("utf-8-sig", errors="replace"))), [])
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(header, 1):
        seen.setdefault(name.strip(), []).append(i)
    twice = [(n, at) for n, at in seen.items() if len(at) > 1 and n]
    if twice:
        raise DataError([Problem(path.name, None, n, f"the header names this column {len(at)} times (columns "
                                 f"{', '.join(map(str, at))}): rename or remove the copies") for n, at in twice])
    return path


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """The reason given for a file that is not UTF-8: where, and which encoding it looks like."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        line = None
    except UnicodeDecodeError as whole:
        line = data[: whole.start].count(b"\n") + 1
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
        guess = best.encoding if best is not None else None
    except ImportError:  # charset-normalizer is optional: say only that it is not UTF-8
        pass
    where = f" (first bad byte on line {line})" if line else ""
    looks = f"; its encoding may be {guess} (charset-normalizer's guess)" if guess and guess.replace("-", "_").lower() not in ("utf_8", "ascii") else ""
    return f"not UTF-8 text{where}{looks}: save it as CSV (UTF-8) and read that"


def field_count_problems(path: str | os.PathLike, header_len: int | None = None) -> pd.DataFrame:
    """Data rows whose number of fields differs from the header's, as problems to reject.

    A truncated export ends in a short row, and a reader that fills missing cells
    would turn its cut ``25`` into ``2``: such rows must be rejected, never repaired.
    The file is streamed (Arrow counts first; when it finds a bad row, or cannot
    read the file, Python's :mod:`csv` module names each one). Blank lines are not
    rows, as for the readers.

    Parameters
    ----------
    path : path-like
        The CSV file (UTF-8).
    header_len : int, optional
        The number of fields every row must have (default: the header's).

    Returns
    -------
    pandas.DataFrame
        Columns ``_row`` (1-based data row), ``column`` (the first missing column of
        a short row, the last column of a long one) and ``reason``, e.g. ``"row has
        20 fields, the header has 31"``; no rows when every row fits.
    """
    import pandas as pd

    path = Path(path)
    if header_len is None and _arrow_rows_fit(path):
        return pd.DataFrame({"_row": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                             "reason": pd.Series(dtype=str)})
    rows: list[int] = []
    columns: list[str] = []
    reasons: list[str] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None) or []
        width = len(header) if header_len is None else header_len
        number = 0
        try:
            for record in reader:
                if not record:
                    continue  # a blank line is not a row
                number += 1
                n = len(record)
                if n != width:
                    rows.append(number)
                    columns.append(header[n] if n < width and n < len(header) else (header[-1] if header else ""))
                    reasons.append(f"row has {n} field{'s' if n != 1 else ''}, the header has {width}")
        except csv.Error as exc:  # an unterminated quote: the rest of the file is one cell
            rows.append(number + 1)
            columns.append(header[-1] if header else "")
            reasons.append(f"cannot split the row into fields: {exc}")
    return pd.DataFrame({"_row": pd.Series(rows, dtype="int64"), "column": pd.Series(columns, dtype=str),
                         "reason": pd.Series(reasons, dtype=str)})


def _arrow_rows_fit(path: Path) -> bool:
    """True when Arrow reads every row of the file with the header's number of fields.

    Arrow refuses a file with any ragged row (no Python callback runs in its threads);
    False sends the caller to the csv module, which names each row.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        with open(path, "rb") as fh:
            first = fh.readline()
        name = next(csv.reader([first.decode("utf-8")]))[0]
        convert = pacsv.ConvertOptions(include_columns=[name], column_types={name: pa.string()})
        pacsv.read_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 20),
                       parse_options=pacsv.ParseOptions(newlines_in_values=True), convert_options=convert)
        return True
    except Exception:  # a ragged row, bad UTF-8, an odd header, no pyarrow: the csv module decides
        return False


def parse_to_schema(df: pd.DataFrame, schema, file: str, problems: list[Problem]) -> tuple[pd.DataFrame, set]:
    """Text cells to the types a pandera schema declares; a cell that cannot be parsed is a Problem (and NA).

    ``Int64`` and ``float64`` columns are parsed as numbers (``Int64`` cells must be
    whole), ``datetime64`` columns as ``YYYY-MM-DD`` dates; other columns stay text,
    an empty cell becoming None (so ``nullable=False`` rejects it). A column declared
    without a type (``dtype=None``) is left as it is.

    Parameters
    ----------
    df : pandas.DataFrame
        Text cells with a ``_row`` column (as :func:`read_csv` gives them).
    schema : pandera.pandas.DataFrameSchema
        The table's schema.
    file : str
        The file's name, for the problems.
    problems : list of Problem
        Receives one problem per cell that is not a number, a whole number or a date.

    Returns
    -------
    tuple of (pandas.DataFrame, set)
        The typed frame, and the ``(row, column)`` pairs already reported (their
        pandera failures are not reported a second time).

    Examples
    --------
    >>> import pandas as pd, pandera.pandas as pa
    >>> schema = pa.DataFrameSchema({"n": pa.Column("Int64", nullable=True)})
    >>> problems = []
    >>> typed, _ = parse_to_schema(pd.DataFrame({"_row": [1, 2, 3], "n": ["4", "", "x"]}), schema, "t.csv", problems)
    >>> typed["n"].tolist()[:2], [str(p) for p in problems]
    ([4, <NA>], ["t.csv, row 3, column 'n': not a number: 'x'"])
    """
    import pandas as pd

    out = df.copy()
    unparsed: set[tuple[int, str]] = set()
    for name, col in schema.columns.items():
        raw = df[name]
        kind = str(col.dtype)
        if col.dtype is None:
            continue
        blank = raw == ""
        if kind in ("Int64", "float64"):
            num = pd.to_numeric(raw.where(~blank, None), errors="coerce")
            bad = (~blank & num.isna()).to_numpy()
            frac = (num.notna() & (num != num.round())).to_numpy() if kind == "Int64" else bad & False
            for i in bad.nonzero()[0]:
                problems.append(Problem(file, int(df["_row"].iloc[i]), name, f"not a number: {raw.iloc[i]!r}"))
            for i in frac.nonzero()[0]:
                problems.append(Problem(file, int(df["_row"].iloc[i]), name, "not a whole number"))
            num = num.where(~frac)
            out[name] = num.astype("Int64") if kind == "Int64" else num.astype("float64")
            bad = bad | frac
        elif kind.startswith("datetime64"):
            day = pd.to_datetime(raw.where(~blank, None), format="%Y-%m-%d", errors="coerce")
            bad = (~blank & day.isna()).to_numpy()
            for i in bad.nonzero()[0]:
                problems.append(Problem(file, int(df["_row"].iloc[i]), name,
                                        f"not a date (YYYY-MM-DD): {raw.iloc[i]!r}"))
            out[name] = day.astype("datetime64[ns]")
        else:
            out[name] = raw.where(~blank, None).astype(object)
            bad = blank.to_numpy() & False
        unparsed |= {(int(r), name) for r in df["_row"].to_numpy()[bad]}
    return out, unparsed


def _format(reason: str, value) -> str:
    return reason.format(value=value.item() if hasattr(value, "item") else value)


def schema_problems(err, df: pd.DataFrame, schema, file: str, unparsed: set = frozenset()) -> list[Problem]:
    """pandera's failure cases as Problems: file, data row, column and the check's own reason.

    A check's reason is its ``error`` text, ``{value!r}`` replaced by the bad value. A
    repeated key (the schema's ``unique``, or a column's ``unique=True``) is reported
    once per repeated row. A table-wide check (the schema's ``checks``) is reported
    once per failing row, under the column named in its ``statistics["column"]``
    (``{value!r}``: that row's cell in it). The schema's ``metadata["hints"]`` may map
    a column to ``hint(value, row) -> str``, a text added to the reason of a bad value
    there (a likely correction).

    Parameters
    ----------
    err : pandera.errors.SchemaErrors
        The failure of ``schema.validate(df, lazy=True)``.
    df : pandas.DataFrame
        The frame validated, with its ``_row`` column.
    schema : pandera.pandas.DataFrameSchema
        The schema it was validated against.
    file : str
        The file's name, for the problems.
    unparsed : set, optional
        ``(row, column)`` pairs already reported by :func:`parse_to_schema`: skipped.

    Returns
    -------
    list of Problem
        In pandera's order of failure cases.

    Examples
    --------
    >>> import pandas as pd, pandera.pandas as pa
    >>> schema = pa.DataFrameSchema({"k": pa.Column(str, pa.Check.isin(["a"], error="unknown {value!r}"),
    ...                                             unique=True)})
    >>> df = pd.DataFrame({"_row": [1, 2, 3], "k": ["a", "a", "b"]})
    >>> try:
    ...     schema.validate(df, lazy=True)
    ... except pa.errors.SchemaErrors as err:
    ...     print("\\n".join(map(str, schema_problems(err, df, schema, "t.csv"))))
    t.csv, row 1, column 'k': duplicate value 'a'
    t.csv, row 2, column 'k': duplicate value 'a'
    t.csv, row 3, column 'k': unknown 'b'
    """
    import pandas as pd

    table_checks = {str(c.error or c.name): c for c in schema.checks}
    hints = (schema.metadata or {}).get("hints", {})
    problems = []
    done: set[tuple[int, str]] = set()
    rows = df["_row"].to_numpy()
    keys = list(schema.unique or [])
    for case in err.failure_cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            problems.append(Problem(file, None, case.column, str(case.check)))
            continue
        at = int(case.index)
        row = int(rows[at])
        if case.check == "multiple_fields_uniqueness":
            if (row, "unique") in done:
                continue
            done.add((row, "unique"))
            values = df.iloc[at]
            key = ", ".join(f"{k}={values[k]}" for k in keys)
            problems.append(Problem(file, row, keys[-1], f"duplicate row for {key}"))
            continue
        if case.check == "field_uniqueness":
            problems.append(Problem(file, row, case.column, f"duplicate value {_format('{value!r}', case.failure_case)}"))
            continue
        column = case.column
        if case.schema_context == "DataFrameSchema" and str(case.check) in table_checks:
            column = table_checks[str(case.check)].statistics.get("column", column)
            if (row, str(case.check)) in done:
                continue
            done.add((row, str(case.check)))
            value = df.iloc[at][column]
        else:
            value = case.failure_case
        if (row, column) in unparsed:
            continue  # already reported as a cell that is not a number or a date
        if case.check == "not_nullable":
            reason = "value is missing"
        else:
            reason = _format(str(case.check), value)
            if column in hints:
                reason += hints[column](value, df.iloc[at])
        problems.append(Problem(file, row, column, reason))
    return problems


def validate_table(raw: pd.DataFrame, schema, file: str, **context: pd.DataFrame) -> pd.DataFrame:
    """Parse text cells to a pandera schema's types and validate them: every problem at once, or the table.

    The schema's ``metadata`` may hold ``rules`` (functions ``rule(df, file,
    context)`` returning Problems, for what needs the whole table or another one;
    they run once every cell passes), ``context`` (the names of the tables the rules
    need) and ``hints`` (see :func:`schema_problems`).

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells with a ``_row`` column (as :func:`read_csv` gives them).
    schema : pandera.pandas.DataFrameSchema
        The table's schema.
    file : str
        The file's name, for the problems.
    **context : pandas.DataFrame
        The tables the rules need.

    Returns
    -------
    pandas.DataFrame
        Numbers and dates typed, text as in the file (an empty cell is ``""``),
        ``_row`` dropped, in file order.

    Raises
    ------
    DataError
        Every cell that cannot be parsed, breaks a check or repeats a key, and every
        broken rule, each naming file, row (where one row is to blame) and column.
    ParameterError
        A rule needs a table not given in ``context``.

    Examples
    --------
    >>> import pandas as pd, pandera.pandas as pa
    >>> schema = pa.DataFrameSchema({"n": pa.Column("Int64", pa.Check.ge(0, error="must be ≥ 0"))})
    >>> validate_table(pd.DataFrame({"_row": [1], "n": ["3"]}), schema, "t.csv")["n"].tolist()
    [3]
    >>> validate_table(pd.DataFrame({"_row": [1], "n": ["-3"]}), schema, "t.csv")
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.DataError: 1 problem(s) in input:
      t.csv, row 1, column 'n': must be ≥ 0
    """
    import pandera.pandas as pa

    from iraq_atlas.errors import ParameterError

    metadata = schema.metadata or {}
    problems: list[Problem] = []
    df, unparsed = parse_to_schema(raw, schema, file, problems)
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += schema_problems(err, df, schema, file, unparsed)
    if not problems:
        missing = [c for c in metadata.get("context", ()) if c not in context]
        if missing:
            raise ParameterError(f"{schema.name}: its rules need the loaded {', '.join(missing)} table(s)")
        for rule in metadata.get("rules", ()):
            problems += rule(df, file, context)
    if problems:
        raise DataError(problems)
    for name, col in schema.columns.items():
        kind = str(col.dtype)
        if col.dtype is not None and kind not in ("Int64", "float64") and not kind.startswith("datetime64"):
            df[name] = raw[name]  # text stays text: an empty cell is "", as in the file
    return df.drop(columns="_row").reset_index(drop=True)


def read_table(path: str | os.PathLike, schema, **context: pd.DataFrame) -> pd.DataFrame:
    """Read a CSV through a pandera schema: its columns required, cells typed and validated.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV file.
    schema : pandera.pandas.DataFrameSchema
        The table's schema (see :func:`validate_table`).
    **context : pandas.DataFrame
        The tables the schema's rules need.

    Returns
    -------
    pandas.DataFrame
        The schema's columns (and any other column of the file), typed, in file order.

    Raises
    ------
    DataError
        A missing column or any problem :func:`validate_table` finds, naming file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib, pandera.pandas as pa
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,n\\na,1\\nb,\\n")
    >>> schema = pa.DataFrameSchema({"id": pa.Column(str), "n": pa.Column("Int64", nullable=True)})
    >>> read_table(p, schema).values.tolist()
    [['a', 1], ['b', <NA>]]
    """
    path = Path(path)
    raw = read_csv(path, required=list(schema.columns))
    return validate_table(raw, schema, path.name, **context)


def split_list(value: str, sep: str = "|") -> list[str]:
    """Split a pipe-separated cell into its non-empty, stripped parts."""
    return [v.strip() for v in str(value or "").split(sep) if v.strip()]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load, then restore it as it was.

    Building a million shapely points (or other tracked objects) triggers a collection
    every few hundred allocations, and the full ones walk every object built so far:
    at 1M rows that more than doubles the cost of building the points. Reference counting
    still frees everything as usual; any cycle made meanwhile waits for the first
    collection after the load. A caller who disabled the collector keeps it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_atomic(path: str | os.PathLike, text: str | bytes) -> Path:
    """Write a file via a temporary file in the same folder and a rename: readers never see half a file.

    The file gets the permissions the user's umask gives a new file (:data:`FILE_MODE`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_atomic(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hello")
    >>> p.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
