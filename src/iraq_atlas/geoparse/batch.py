"""Reading article files (with guards) and parsing many at once into one table."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

import pandas as pd
from tqdm import tqdm

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.geoparse.clean import clean_text
from iraq_atlas.geoparse.dates import as_published
from iraq_atlas.geoparse.drafts import DRAFT_COLUMNS, draft_frame, draft_records
from iraq_atlas.geoparse.mentions import MENTION_COLUMNS, mention_frame, mention_records
from iraq_atlas.geoparse.places import place_table

__all__ = ["CLI_COLUMNS", "Batch", "expand_paths", "file_labels", "read_article", "parse_files", "parse_batch", "cli_table"]

CLI_COLUMNS = ["file", "kind", "text", "start", "end", "place_id", "lat", "lon",
               "date_start", "date_end", "confidence"]
PathsLike = str | os.PathLike | Iterable[str | os.PathLike]


def expand_paths(paths: PathsLike) -> list[Path]:
    """Files named by ``paths``: files as given, folders as their ``*.txt`` files (sorted).

    A string may hold several paths separated by commas.

    Parameters
    ----------
    paths : str, path or iterable of them
        Files and folders; a string may list several, separated by commas.

    Returns
    -------
    list of Path
        The files, in the order given; a folder's ``*.txt`` files sorted by name.

    Raises
    ------
    DataError
        Naming every path that does not exist.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.txt", "a.txt", "notes.md"):
    ...         _ = (pathlib.Path(d) / name).write_text("Clashes in Basra.", encoding="utf-8")
    ...     [f.name for f in expand_paths(d)]
    ['a.txt', 'b.txt']
    >>> expand_paths([])
    []
    """
    if isinstance(paths, (str, os.PathLike)):
        parts = [p for p in str(paths).split(",") if p.strip()] if isinstance(paths, str) else [paths]
    else:
        parts = list(paths)
    files: list[Path] = []
    problems = []
    for p in parts:
        p = Path(str(p).strip())
        if p.is_dir():
            files.extend(sorted(p.glob("*.txt")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), None, None, "no such file or folder"))
    if problems:
        raise DataError(problems)
    return files


def file_labels(paths: Iterable[str | os.PathLike]) -> dict[str, str]:
    """Short names for article files, as a page shows them: each path relative to the folder holding them all.

    A report page says which article a mention comes from without printing where
    the files lie on the machine that ran it: one file is its name, several are
    their paths below the deepest folder they share.

    Parameters
    ----------
    paths : iterable of path-like
        The files (as :func:`expand_paths` gives them).

    Returns
    -------
    dict
        ``str(path)`` → its label.

    Examples
    --------
    >>> file_labels(["/data/news/a.txt", "/data/news/2021/b.txt"])
    {'/data/news/a.txt': 'a.txt', '/data/news/2021/b.txt': '2021/b.txt'}
    >>> file_labels(["/data/news/a.txt"])
    {'/data/news/a.txt': 'a.txt'}
    """
    files = [Path(p) for p in paths]
    if not files:
        return {}
    absolute = [p.absolute() for p in files]
    root = Path(os.path.commonpath([p.parent for p in absolute]))
    return {str(p): a.relative_to(root).as_posix() for p, a in zip(files, absolute)}


_MAX_BAD_SHARE = 0.001  # undecodable bytes tolerated (replaced) in an otherwise UTF-8 text


def read_article(path: str | os.PathLike) -> str:
    """An article's text: UTF-8 (a BOM is fine); binary and UTF-16 files are refused.

    A few stray undecodable bytes are replaced; a file that is mostly not UTF-8,
    holds NUL bytes or starts with a UTF-16 byte-order mark raises instead of
    being parsed as noise.

    Parameters
    ----------
    path : str or path
        The article file.

    Returns
    -------
    str
        The decoded text (a leading BOM removed).

    Raises
    ------
    DataError
        Naming the file and saying what it looks like.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "a.txt"
    ...     _ = p.write_bytes("\ufeffClashes in Basra.".encode("utf-8"))
    ...     read_article(p)
    'Clashes in Basra.'
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataError([Problem(str(p), None, None, f"cannot be read: {exc.strerror or exc}")]) from exc
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError([Problem(str(p), None, None, "is UTF-16 text; save it as UTF-8")])
    if b"\x00" in raw[:65536]:
        odd = raw[1:4096:2].count(0) > 0.3 * len(raw[1:4096:2]) or raw[0:4096:2].count(0) > 0.3 * len(raw[0:4096:2])
        what = "looks like UTF-16 text without a byte-order mark; save it as UTF-8" if odd else \
            "is a binary file (NUL bytes), not text"
        raise DataError([Problem(str(p), None, None, what)])
    text = raw.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - raw.decode("utf-8-sig", errors="ignore").count("\ufffd")
    if bad > max(3, _MAX_BAD_SHARE * len(raw)):
        raise DataError([Problem(str(p), None, None, f"is not UTF-8 text ({bad} undecodable bytes)")])
    return text


@dataclass
class Batch:
    """What parsing many files gives: one mentions table, one drafts table and the files that failed.

    Parameters
    ----------
    mentions : DataFrame
        Mentions of all files, ``file`` column first.
    drafts : DataFrame
        Draft incidents of all files, ``file`` column first.
    problems : list of Problem
        Files that could not be read, each named with the reason.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (pathlib.Path(d) / "a.txt").write_text("Clashes in Basra on Friday.", encoding="utf-8")
    ...     b = parse_batch(d, "2021-11-07", progress=False)
    >>> b.mentions.kind.tolist()
    ['event', 'place', 'date']
    >>> b.drafts[["location", "event_date"]].values.tolist()
    [['Basra', '2021-11-05']]
    >>> b.problems
    []
    """

    mentions: pd.DataFrame
    drafts: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def parse_batch(paths: PathsLike, published: date | datetime | str, *, drafts: bool = True,
                progress: bool = True) -> Batch:
    """Parse many files into one mentions table and one drafts table, with a progress bar.

    A file that cannot be read (missing, binary, UTF-16) is reported in
    ``problems`` by name and the others go on.

    Parameters
    ----------
    paths : str, path or iterable of them
        Files or folders (a folder means its ``*.txt`` files).
    published : date, datetime or str
        Publication date used for every file.
    drafts : bool
        Also build draft incidents.
    progress : bool
        Show a tqdm bar (on stderr).

    Returns
    -------
    Batch
        The mentions and drafts tables (``file`` column first) and the unreadable files.

    Examples
    --------
    >>> b = parse_batch([], "2021-11-07", progress=False)
    >>> (len(b.mentions), len(b.drafts), b.problems)
    (0, 0, [])
    """
    pub = as_published(published)
    recs: list[dict] = []
    drecs: list[dict] = []
    problems = []
    files = expand_paths(paths)
    # every file's mentions and drafts are kept as records; each table is built once, at the end
    for f in tqdm(files, desc="geoparse", unit="file", disable=not progress):
        try:
            text = read_article(f)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        ct = clean_text(text)
        m = mention_records(text, pub, f.name, ct)
        if drafts:
            d = draft_records(text, pub, f.name, m, ct)
            for r in d:
                r["file"] = str(f)
            drecs.extend(d)
        for r in m:
            r["file"] = str(f)
        recs.extend(m)
    mentions = mention_frame(recs, ["file"] + MENTION_COLUMNS)
    dr = draft_frame(drecs, ["file"] + DRAFT_COLUMNS)
    return Batch(mentions, dr, problems)


def parse_files(paths: PathsLike, published: date | datetime | str, *, progress: bool = False) -> pd.DataFrame:
    """Mentions of each file (a folder means its ``*.txt`` files); ``file`` column first.

    Parameters
    ----------
    paths : str, path or iterable of them
        Files or folders (a folder means its ``*.txt`` files).
    published : date, datetime or str
        Publication date used for every file.
    progress : bool
        Show a tqdm bar (on stderr).

    Returns
    -------
    DataFrame
        One row per mention: ``file`` then the columns of :func:`parse_text`.

    Raises
    ------
    DataError
        When a path is missing or a file cannot be read as text (all such files named).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (pathlib.Path(d) / "a.txt").write_text("Clashes in Basra on Friday.", encoding="utf-8")
    ...     m = parse_files(d, "2021-11-07")
    >>> (m.columns[0], m.kind.tolist(), m.text.tolist())
    ('file', ['event', 'place', 'date'], ['Clashes', 'Basra', 'on Friday'])
    >>> m[["place_id", "date_start"]].values.tolist()[1:]
    [['capital_basra', ''], ['', '2021-11-05']]
    """
    b = parse_batch(paths, published, drafts=False, progress=progress)
    if b.problems:
        raise DataError(b.problems)
    return b.mentions


def cli_table(paths: PathsLike, published: date | datetime | str) -> pd.DataFrame:
    """The CLI's table: file,kind,text,start,end,place_id,lat,lon,date_start,date_end,confidence.

    Files that cannot be read are named on stderr and skipped; when none can be
    read, DataError names them all.

    Parameters
    ----------
    paths : str, path or iterable of them
        Files or folders (a folder means its ``*.txt`` files).
    published : date, datetime or str
        Publication date used for every file.

    Returns
    -------
    DataFrame
        The columns of ``CLI_COLUMNS``; ``lat``/``lon`` from the gazetteer for places.

    Raises
    ------
    DataError
        When none of the files can be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (pathlib.Path(d) / "a.txt").write_text("Clashes in Basra.", encoding="utf-8")
    ...     t = cli_table(d, "2021-11-07")
    >>> list(t.columns) == CLI_COLUMNS
    True
    >>> t[t.kind == "place"][["text", "start", "end", "place_id", "lat", "lon"]].values.tolist()
    [['Basra', 11, 16, 'capital_basra', 30.5, 47.817]]
    """
    b = parse_batch(paths, published, drafts=False, progress=False)
    if b.problems and b.mentions.file.nunique() == 0:
        raise DataError(b.problems)
    for p in b.problems:
        print(f"skipped: {p}", file=sys.stderr)
    df = b.mentions
    places = place_table()
    lat = df["place_id"].map(places["lat"]) if len(df) else pd.Series(dtype=float)
    lon = df["place_id"].map(places["lon"]) if len(df) else pd.Series(dtype=float)
    out = df.assign(lat=pd.to_numeric(lat, errors="coerce"), lon=pd.to_numeric(lon, errors="coerce"))
    return out[CLI_COLUMNS].reset_index(drop=True)
