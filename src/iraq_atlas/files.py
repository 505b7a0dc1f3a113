"""Files: where the curated data lives, reading CSVs with errors that point at a cell, atomic writes.

Curated tables sit in ``geodata/`` at the top of the project (or inside the
installed wheel). Every loader in the package reads through :func:`read_csv`
so that a bad value is reported with its file, row and column.
"""

from __future__ import annotations

import gc
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
    file is row 1), used in every later error message.
    """
    path = Path(path)
    if not path.exists():
        raise DataError([Problem(str(path), None, None, "file not found")])
    record_read(path)
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8", **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError([Problem(str(path), None, None, f"cannot parse CSV: {exc}")]) from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError([Problem(path.name, None, c, "required column is missing") for c in missing])
    df = df.apply(lambda s: s.str.strip())
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def to_number(df: pd.DataFrame, column: str, file: str, *, integer: bool = False,
              required: bool = False, minimum: float | None = None,
              maximum: float | None = None, problems: list[Problem]) -> pd.Series:
    """Parse a text column to numbers, recording a Problem for every cell that is not a valid one.

    Bad cells become NaN in the result; the caller raises once with every problem found.
    """
    raw = df[column].fillna("").astype(str)
    import pandas as pd

    num = pd.to_numeric(raw.where(raw != "", None), errors="coerce").astype(float)
    rows = df["_row"].to_numpy()

    def flag(mask: pd.Series, reason) -> None:
        for i in mask.to_numpy().nonzero()[0]:
            problems.append(Problem(file, int(rows[i]), column, reason(raw.iloc[i]) if callable(reason) else reason))

    flag((raw != "") & num.isna(), lambda v: f"not a number: {v!r}")
    if required:
        flag(raw == "", "value is missing")
    if integer:
        flag(num.notna() & (num != num.round()), "not a whole number")
    if minimum is not None:
        flag(num.notna() & (num < minimum), f"must be ≥ {minimum}")
    if maximum is not None:
        flag(num.notna() & (num > maximum), f"must be ≤ {maximum}")
    return num


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

    The file gets the permissions the user's umask gives a new file.

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
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
