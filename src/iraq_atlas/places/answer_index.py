"""The geocoder's answers for every known spelling, kept on disk so ``iraq-atlas geocode`` starts at once.

Building the default :class:`~iraq_atlas.places.geocoding.Geocoder` reads the
gazetteer's tables and takes a second or more; most names a user types are
spelt as in the gazetteer or differ from such a spelling only in case,
diacritics, articles or punctuation. When the default geocoder is built it
writes (atomically) a JSON file into the cache folder
(:func:`iraq_atlas.settings.cache_dir`) holding, for every gazetteer spelling as
written, every normalised key and every variant key, the fields the command line
prints. The file's first line is a header with a fingerprint of what the answers
depend on: the index format, the package version, and the name, size and
modification time of every gazetteer input and of the code that resolves names.

:func:`lookup` answers names from that file with the standard library only (no
pandas, no geopandas), and :func:`render` prints them exactly as the full path
does. A name the file does not answer (a fuzzy match, a governorate or kind hint,
an unknown name), a file whose fingerprint differs, or a file that cannot be read
means the caller uses the full geocoder, which writes a fresh file.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iraq_atlas import settings
from iraq_atlas.places.names import loose_from_normalised, normalise

if TYPE_CHECKING:
    from iraq_atlas.places.geocoding import Geocoder

#: Version of the file layout; part of the fingerprint.
FORMAT_VERSION = 1
#: Name of the file in the cache folder.
FILE_NAME = "geocode-index.json"
#: At most this many answers of names the full geocoder resolved for the command line are kept.
MAX_LEARNED = 5000
#: The columns ``iraq-atlas geocode`` prints, in order.
CLI_COLUMNS = ["query", "place_id", "name", "lat", "lon", "governorate_iso", "confidence", "status",
               "precision_m", "point_note"]
_FLOAT_COLUMNS = frozenset({"lat", "lon", "confidence", "precision_m"})
#: A query containing one of these may carry a governorate or kind hint (see
#: :func:`~iraq_atlas.places.geocoding.parse_query`); only the full geocoder answers it.
MAY_HINT = re.compile(r"[,(،]|provin|govern|muhaf|distr|qada|qadha|kaza|nahi|محافظ|قضاء|ناحي", re.I)
# control characters, surrogates and other text the printers may escape differently: full path
_UNUSUAL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NUMBER_WITH_DECIMAL = re.compile(r"^\s*[+-]?[0-9]+\.[0-9]*$")
_log = logging.getLogger(__name__)


def index_path() -> Path:
    """Where the answer index is kept: ``geocode-index.json`` in the cache folder.

    Returns
    -------
    pathlib.Path
        The file (it may not exist).

    Examples
    --------
    >>> index_path().name
    'geocode-index.json'
    """
    return settings.cache_dir() / FILE_NAME


def _inputs() -> list[Path]:
    """Files the default geocoder's answers depend on: gazetteer tables, boundary files, resolving code."""
    from iraq_atlas.files import data_path

    places = data_path("places")
    found = sorted(places.iterdir()) if places.is_dir() else [places]
    found += [data_path("boundaries", "adm2.geojson"), data_path("boundaries", "adm3.geojson")]
    code = Path(__file__).resolve().parent
    found += sorted(code.glob("*.py")) + [code.parent / "vocab.py", code.parent / "files.py"]
    return found


def fingerprint() -> str:
    """A key of everything the default geocoder's answers depend on (cheap: file metadata only).

    The index format, the package version, and the path, size and modification time
    (nanoseconds) of each input file and of the modules that resolve names.

    Returns
    -------
    str
        Text that differs whenever an input differs.

    Examples
    --------
    >>> fingerprint() == fingerprint()
    True
    """
    import hashlib

    import iraq_atlas

    parts = [f"format {FORMAT_VERSION}", f"version {iraq_atlas.__version__}"]
    for path in _inputs():
        try:
            st = path.stat()
            parts.append(f"{path}\t{st.st_size}\t{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}\tmissing")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _plain(value: Any) -> Any:
    """A table cell as JSON: text, a finite float, or None for a missing value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):  # pandas' NA
        return None
    return None if math.isnan(f) else f


def write_index(geocoder: Geocoder, path: Path | None = None) -> Path | None:
    """Write the answers of a default geocoder for every spelling and key it holds.

    Parameters
    ----------
    geocoder : Geocoder
        Built over the default gazetteer (the fingerprint describes that one).
    path : pathlib.Path, optional
        Default :func:`index_path`.

    Returns
    -------
    pathlib.Path or None
        The file written, or None when the cache folder cannot be written (logged).

    Examples
    --------
    >>> from iraq_atlas.places.geocoding import Geocoder
    >>> p = write_index(Geocoder())
    >>> load_index(p)["spellings"]["Baghdad"] == load_index(p)["keys"]["baghdad"]
    True
    """
    path = index_path() if path is None else path
    fields = CLI_COLUMNS[1:]
    rows: list[list] = []
    seen: dict[tuple, int] = {}

    def add(table) -> list[int]:
        out = []
        for rec in zip(*(table[c].tolist() for c in fields)):
            row = tuple(_plain(v) for v in rec)
            at = seen.get(row)
            if at is None:
                at = seen[row] = len(rows)
                rows.append(list(row))
            out.append(at)
        return out

    pre = add(geocoder._pre_table)
    keys = {k: pre[i] for i, k in enumerate(geocoder._pre_pos) if "\x1f" not in k}
    spellings = {s: pre[int(i)] for s, i in zip(geocoder._raw_pos, geocoder._raw_row)}
    loose_keys = list(geocoder._pre_loose)
    loose = dict(zip(loose_keys, add(geocoder._frame([geocoder._pre_loose[k] for k in loose_keys]))))
    header = {"format": FORMAT_VERSION, "fingerprint": fingerprint()}
    body = {"columns": fields, "rows": rows, "spellings": spellings, "keys": keys, "loose": loose, "learned": {}}
    return _write(path, header, body)


def _write(path: Path, header: dict, body: dict) -> Path | None:
    from iraq_atlas.files import write_atomic

    text = json.dumps(header) + "\n" + json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return write_atomic(path, text)
    except OSError as exc:
        _log.info("geocoder answer index not written to %s (%s)", path, exc.strerror or exc)
        return None


def load_index(path: Path | None = None) -> dict | None:
    """The answer index if it exists, is readable and matches the current fingerprint; else None.

    Parameters
    ----------
    path : pathlib.Path, optional
        Default :func:`index_path`.

    Returns
    -------
    dict or None
        ``rows`` (answer fields), and ``spellings``, ``keys``, ``loose`` mapping to row numbers.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> load_index(pathlib.Path(tempfile.mkdtemp()) / "absent.json") is None
    True
    """
    path = index_path() if path is None else path
    try:
        with open(path, "rb") as fh:
            head = json.loads(fh.readline())
            if not isinstance(head, dict) or head.get("format") != FORMAT_VERSION \
                    or head.get("fingerprint") != fingerprint():
                return None
            body = json.loads(fh.read())
        rows = body["rows"]
        if body["columns"] != CLI_COLUMNS[1:] or not all(
                isinstance(body[k], dict) for k in ("spellings", "keys", "loose", "learned")) \
                or not all(isinstance(r, list) and len(r) == len(CLI_COLUMNS) - 1 for r in rows):
            raise ValueError("not an answer index")
        return body
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # JSON and Unicode errors are ValueErrors
        _log.info("geocoder answer index %s ignored (%s)", path, type(exc).__name__)
        return None


def lookup(names: list[str], index: dict) -> list[list] | None:
    """Answer rows (:data:`CLI_COLUMNS`) for every name, or None if any name needs the full geocoder.

    The order of look-ups is the geocoder's: the spelling as written (or a name the
    full geocoder answered before, see :func:`remember`), then its normalised key,
    then its variant key. A name that may carry a hint, holds
    control characters, or is not in the index is not answered here.

    Parameters
    ----------
    names : list of str
        Names as typed.
    index : dict
        From :func:`load_index`.

    Returns
    -------
    list of list or None
        One row per name, its query first.

    Examples
    --------
    >>> lookup(["Baghdad"], {"rows": [["x"] * 9], "spellings": {"Baghdad": 0}, "keys": {}, "loose": {}})[0][:2]
    ['Baghdad', 'x']
    """
    rows, spellings, keys, loose = index["rows"], index["spellings"], index["keys"], index["loose"]
    learned = index.get("learned", {})
    out = []
    for name in names:
        if not isinstance(name, str) or _UNUSUAL.search(name):
            return None
        at = spellings.get(name)
        if at is None:
            at = learned.get(name)
        if at is None:
            if MAY_HINT.search(name):
                return None
            key = normalise(name)
            if not key:
                return None
            at = keys.get(key)
            if at is None:
                at = loose.get(loose_from_normalised(key))
                if at is None:
                    return None
        if not isinstance(at, int) or not 0 <= at < len(rows):
            return None
        out.append([name, *rows[at]])
    return out


def remember(answers: list[list], path: Path | None = None) -> Path | None:
    """Add what the full geocoder answered for names the index lacked (fuzzy, hinted) to the index.

    Only answers that name a place, a foreign place or an ambiguity are kept (an
    unresolved name is asked again); the file keeps its fingerprint, so the answers go
    when an input changes. At most :data:`MAX_LEARNED` are kept, the newest.

    Parameters
    ----------
    answers : list of list
        Rows of :data:`CLI_COLUMNS` from the full geocoder over the default gazetteer, without online look-ups.
    path : pathlib.Path, optional
        Default :func:`index_path`.

    Returns
    -------
    pathlib.Path or None
        The file rewritten, or None when nothing was added (or it cannot be written).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> remember([["Bagdat", "p1", "Baghdad", 33.3, 44.4, "IQ-BG", 0.8, "fuzzy", 5000.0, None]],
    ...          pathlib.Path(tempfile.mkdtemp()) / "absent.json") is None
    True
    """
    path = index_path() if path is None else path
    index = load_index(path)
    if index is None:
        return None
    rows, learned = index["rows"], index["learned"]
    known = {tuple(r): i for i, r in enumerate(rows)}
    status = CLI_COLUMNS.index("status")
    added = False
    for query, *fields in answers:
        fields = [_plain(v) for v in fields]
        if fields[status - 1] == "unresolved" or not isinstance(query, str) or _UNUSUAL.search(query) \
                or query in index["spellings"] or query in learned:
            continue
        at = known.get(tuple(fields))
        if at is None:
            at = known[tuple(fields)] = len(rows)
            rows.append(fields)
        learned[query] = at
        added = True
    if not added:
        return None
    for old in list(learned)[: max(len(learned) - MAX_LEARNED, 0)]:
        del learned[old]
    return _write(path, {"format": FORMAT_VERSION, "fingerprint": fingerprint()}, index)


def _table_floats(values: list) -> list[str] | None:
    """pandas' ``to_string(index=False)`` of a float column (6 decimals, zeros trimmed alike); None for exponents."""
    if any(v is not None and (abs(v) > 1e6 or 0 < abs(v) < 1e-6) for v in values):
        return None
    cells = ["NaN" if v is None else f"{v:.6f}" for v in values]
    is_num = [_NUMBER_WITH_DECIMAL.match(c) is not None for c in cells]
    if not any(is_num):
        return cells
    while all(c.endswith("0") for c, n in zip(cells, is_num) if n):
        cells = [c[:-1] if n else c for c, n in zip(cells, is_num)]
    return [c + "0" if n and c.endswith(".") else c for c, n in zip(cells, is_num)]


def _json_float(v: float | None) -> str | None:
    """pandas' ``to_json`` of a float (10 decimals, trailing zeros trimmed); None where it would use an exponent."""
    if v is None:
        return "null"
    if v != 0 and not 1e-9 <= abs(v) < 1e15:
        return None
    text = f"{v:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def render(rows: list[list], fmt: str) -> str | None:
    """The text ``iraq-atlas geocode --format fmt`` prints for these rows, as pandas prints it.

    Parameters
    ----------
    rows : list of list
        From :func:`lookup`.
    fmt : {"csv", "json", "table"}
        Output format.

    Returns
    -------
    str or None
        The output, or None when a value would be printed in exponent notation
        (then the caller prints through pandas).

    Examples
    --------
    >>> row = ["Hit", "p1", "Hīt", 33.5, 42.25, "IQ-AN", 1.0, "matched", 2000.0, None]
    >>> print(render([row], "csv"), end="")
    query,place_id,name,lat,lon,governorate_iso,confidence,status,precision_m,point_note
    Hit,p1,Hīt,33.5,42.25,IQ-AN,1.0,matched,2000.0,
    """
    import io

    if any(isinstance(v, str) and _UNUSUAL.search(v) for r in rows for v in r):
        return None
    if fmt == "csv":
        import csv

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CLI_COLUMNS)
        writer.writerows([["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r] for r in rows])
        return buf.getvalue()
    if fmt == "json":
        records = []
        for r in rows:
            items = []
            for c, v in zip(CLI_COLUMNS, r):
                if c in _FLOAT_COLUMNS:
                    text = _json_float(v)
                    if text is None:
                        return None
                else:
                    text = "null" if v is None else json.dumps(v, ensure_ascii=False).replace("/", "\\/")
                items.append(f'"{c}":{text}')
            records.append("{" + ",".join(items) + "}")
        return "[" + ",".join(records) + "]\n"
    columns = []
    for i, c in enumerate(CLI_COLUMNS):
        values = [r[i] for r in rows]
        if c in _FLOAT_COLUMNS:  # pandas gives the label of a number column a leading space
            cells, label = _table_floats(values), " " + c
            if cells is None:
                return None
        else:
            cells, label = ["NaN" if v is None else v for v in values], c
        width = max(len(label), *(len(v) for v in cells))
        columns.append([label.rjust(width)] + [v.rjust(width) for v in cells])
    return "\n".join(" ".join(line) for line in zip(*columns)) + "\n"


def fast_answer(names: list[str], fmt: str) -> str | None:
    """The output of ``iraq-atlas geocode`` from the answer index, or None when the full geocoder must answer.

    Parameters
    ----------
    names : list of str
        Names as typed.
    fmt : {"csv", "json", "table"}
        Output format.

    Returns
    -------
    str or None
        What to print, or None (index missing, stale or unreadable, or a name it does not answer).

    Examples
    --------
    >>> from iraq_atlas.places.geocoding import Geocoder
    >>> fast_answer(["Baghdad"], "csv") is None  # a new cache folder holds no index: the full geocoder answers
    True
    >>> _ = write_index(Geocoder())
    >>> print(fast_answer(["Baghdad"], "csv"), end="")
    query,place_id,name,lat,lon,governorate_iso,confidence,status,precision_m,point_note
    Baghdad,capital_baghdad,Baghdad,33.333,44.383,IQ-BG,1.0,matched,5000.0,
    """
    index = load_index()
    if index is None:
        return None
    rows = lookup(names, index)
    return None if rows is None else render(rows, fmt)
