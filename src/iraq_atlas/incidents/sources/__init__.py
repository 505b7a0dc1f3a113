"""Incident sources: one module per input format, registered by name.

A source is any object (usually a module) with

* ``name`` – the format's name (``--format-in NAME``);
* ``description`` – one line for the documentation and ``--help``;
* ``kinds`` – the file kinds it reads (``csv``, ``parquet``, ``excel``, ``geojson``,
  told apart by the file name's ending);
* ``sniff(header: set[str]) -> bool`` – whether a file with these columns is
  of this format;
* ``read(path, **options)`` – the file as schema-shaped text rows (the
  curated/ACLED column names, ``_row``, ``dataset`` and ``_country``) and a
  problems table (``_row``, ``column``, ``reason``); a reader that drops other
  countries' rows while reading returns those as a third table (``_row``,
  ``event_id_cnty``, ``reason``);
* optionally ``require_source_url`` – every row must cite an http(s) URL.

:func:`detect_format` asks the sources in registry order. Adding a format is
one new module listed in ``_MODULES`` (or :func:`register` at run time).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from iraq_atlas.errors import DataError, ParameterError, Problem

if TYPE_CHECKING:
    import pandas as pd


@runtime_checkable
class Source(Protocol):
    """What a source module provides (see the module documentation).

    A structural type: any object with these attributes is a source, and
    ``isinstance(obj, Source)`` checks that they are there.

    Attributes
    ----------
    name : str
        The format's name (``--format-in NAME``).
    description : str
        One line for the documentation and ``--help``.
    kinds : tuple of str
        The file kinds it reads (``csv``, ``parquet``, ``excel``, ``geojson``).

    Examples
    --------
    >>> isinstance(get_source("ucdp"), Source), get_source("ucdp").kinds
    (True, ('csv',))
    >>> isinstance(object(), Source)
    False
    """

    name: str
    description: str
    kinds: tuple[str, ...]

    def sniff(self, header: set[str]) -> bool:
        """Whether a file with these columns is of this format.

        Parameters
        ----------
        header : set of str
            The file's column names (see :func:`read_header`).

        Returns
        -------
        bool

        Examples
        --------
        >>> get_source("ucdp").sniff({"id", "type_of_violence", "where_prec", "best"})
        True
        """
        ...

    def read(self, path: Path, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The file as schema-shaped text rows and a problems table.

        Parameters
        ----------
        path : Path
            The file.
        **options
            The format's reader options (none for most formats).

        Returns
        -------
        tuple of pandas.DataFrame
            ``(frame, problems)``, and for a reader that drops other countries'
            rows while reading, those rows as a third table.

        Examples
        --------
        >>> from iraq_atlas.files import data_path
        >>> frame, problems = get_source("curated").read(data_path("incidents", "incidents.csv"))
        >>> frame["dataset"].unique().tolist(), len(problems)
        (['curated'], 0)
        """
        ...


_MODULES = ("curated", "acled", "ucdp", "generic", "geojson")


class _Registry(dict):
    """Name → source, the built-in modules first; they are imported on first use.

    Listing the choices of a parameter or an option (:data:`FORMATS`) then needs no
    pandas, which keeps ``iraq-atlas params`` and a warm report instant.
    """

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            mine = dict(self)
            dict.clear(self)
            for mod in _MODULES:
                src = importlib.import_module(f"{__name__}.{mod}")
                if src.name != mod:
                    raise RuntimeError(f"source module {mod!r} names itself {src.name!r}")
                dict.__setitem__(self, src.name, src)
            dict.update(self, mine)

    def _loading(name):  # noqa: N805 - a helper that wraps the dict's methods
        method = getattr(dict, name)

        def wrapped(self, *args, **kwargs):
            self._load()
            return method(self, *args, **kwargs)

        wrapped.__name__ = name
        return wrapped

    for _name in ("__getitem__", "__setitem__", "__delitem__", "__contains__", "__iter__", "__len__", "__repr__",
                  "keys", "values", "items", "get", "pop", "copy"):
        locals()[_name] = _loading(_name)
    del _name, _loading


SOURCES: dict[str, Source] = _Registry()


def register(source: Source) -> Source:
    """Add a source to the registry (after the others; a source of the same name is replaced).

    Parameters
    ----------
    source : Source
        An object (usually a module) with ``name``, ``description``, ``sniff``
        and ``read``, and optionally ``kinds`` (``("csv",)`` when absent).

    Returns
    -------
    Source
        ``source`` itself.

    Raises
    ------
    TypeError
        When ``source`` lacks one of the required attributes.

    Examples
    --------
    A source for tables with a ``my_id`` column; it is registered last, so
    :func:`detect_format` asks it after the built-in formats. Removing its
    entry from :data:`SOURCES` unregisters it again:

    >>> import tempfile, pathlib, types
    >>> mine = types.SimpleNamespace(name="mine", description="my table", kinds=("csv",),
    ...                              sniff=lambda h: "my_id" in h, read=lambda p, **o: ...)
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "mine.csv").write_text("my_id,when\\nA1,2021-03-07\\n")
    >>> try:
    ...     register(mine).name, formats()[-1], detect_format(d / "mine.csv")
    ... finally:
    ...     del SOURCES["mine"]
    ('mine', 'mine', 'mine')
    >>> "mine" in formats()
    False
    """
    for attr in ("name", "description", "sniff", "read"):
        if not hasattr(source, attr):
            raise TypeError(f"a source needs {attr!r}; {source!r} has none")
    SOURCES[source.name] = source
    return source


def get_source(name: str) -> Source:
    """The registered source of this name; ParameterError listing the names otherwise.

    Parameters
    ----------
    name : str
        A registered format name (see :func:`formats`).

    Returns
    -------
    Source
        The source (for the built-in formats, its module).

    Raises
    ------
    ParameterError
        When no source of that name is registered.

    Examples
    --------
    >>> get_source("acled").name
    'acled'
    >>> get_source("xls")
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: format must be one of ('auto', 'curated', 'acled', 'ucdp', 'generic', 'geojson'), not 'xls'
    """
    try:
        return SOURCES[name]
    except KeyError:
        raise ParameterError(f"format must be one of {('auto',) + formats()}, not {name!r}") from None


def formats() -> tuple[str, ...]:
    """The registered format names, in registry (detection) order.

    Returns
    -------
    tuple of str
        One name per registered source.

    Examples
    --------
    >>> formats()[:3]
    ('curated', 'acled', 'ucdp')
    """
    return tuple(SOURCES)


def describe() -> pd.DataFrame:
    """One row per registered source: name, file kinds, description (for docs and ``--help``).

    Returns
    -------
    pandas.DataFrame
        Columns ``format``, ``files`` (the kinds, comma-separated) and ``description``.

    Examples
    --------
    >>> list(describe().columns)
    ['format', 'files', 'description']
    """
    import pandas as pd

    return pd.DataFrame({"format": list(SOURCES), "files": [", ".join(getattr(s, "kinds", ("csv",)))
                                                          for s in SOURCES.values()],
                         "description": [s.description for s in SOURCES.values()]})


def read_header(path: str | os.PathLike) -> set[str]:
    """The column names a source's ``sniff`` sees: a CSV's or Parquet's columns, an Excel sheet's
    first row, a GeoJSON document's top-level keys.

    Parameters
    ----------
    path : path-like
        The file; its kind (CSV, Parquet, Excel, GeoJSON) is told by the name's ending.

    Returns
    -------
    set of str
        The column names (for GeoJSON, the document's keys).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "events.csv").write_text("Date,Lat,Lon,Type\\n2021-03-07,33.3152,44.3661,Protests\\n")
    >>> sorted(read_header(d / "events.csv"))
    ['Date', 'Lat', 'Lon', 'Type']
    >>> _ = (d / "events.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    >>> sorted(read_header(d / "events.geojson"))
    ['features', 'type']
    """
    from iraq_atlas.incidents.sources._common import file_kind

    kind = file_kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return set(pq.read_schema(path).names)
    if kind == "excel":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            first = next(wb.worksheets[0].iter_rows(values_only=True, max_row=1), ())
        finally:
            wb.close()
        return {str(v).strip() for v in first if v is not None}
    if kind == "geojson":
        import json

        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return set(doc) if isinstance(doc, dict) else set()
    import pandas as pd

    return set(pd.read_csv(path, nrows=0, dtype=str).columns)


def detect_format(path: str | os.PathLike) -> str:
    """The first registered source that reads this kind of file and recognises its header.

    Parameters
    ----------
    path : path-like
        The file (CSV, Parquet, Excel or GeoJSON, told by the name's ending).

    Returns
    -------
    str
        The format's name.

    Raises
    ------
    DataError
        (a ValueError) naming the file, when no source recognises it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ged.csv").write_text("id,type_of_violence,where_prec,best\\n244657,1,1,5\\n")
    >>> detect_format(d / "ged.csv")
    'ucdp'
    >>> _ = (d / "events.csv").write_text("Date,Lat,Lon,Type\\n2021-03-07,33.3152,44.3661,Protests\\n")
    >>> detect_format(d / "events.csv")
    'generic'
    >>> _ = (d / "other.csv").write_text("my_id,when\\nA1,2021-03-07\\n")
    >>> try:
    ...     detect_format(d / "other.csv")
    ... except DataError as exc:
    ...     print(exc.problems[0].reason)
    cannot tell the format from its columns; pass format 'curated', 'acled', 'ucdp', 'generic', 'geojson' (generic takes a column mapping)
    """
    from iraq_atlas.incidents.sources._common import file_kind

    kind = file_kind(path)
    header = read_header(path)
    for src in SOURCES.values():
        if kind in getattr(src, "kinds", ("csv",)) and src.sniff(header):
            return src.name
    names = ", ".join(repr(n) for n in SOURCES)
    raise DataError([Problem(str(path), None, None, f"cannot tell the format from its columns; pass format "
                                                    f"{names} (generic takes a column mapping)")])


def no_options(name: str, options: dict) -> None:
    """ParameterError when a format that takes no options is given some.

    Options whose value is None count as not given.

    Parameters
    ----------
    name : str
        The format's name, for the message.
    options : dict
        The options the reader was called with.

    Returns
    -------
    None

    Raises
    ------
    ParameterError
        Naming the options given.

    Examples
    --------
    >>> no_options("acled", {"columns": None})
    >>> no_options("acled", {"columns": {"date": "Date"}})
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: format 'acled' takes no options (columns); column mappings are for the generic and geojson formats
    """
    given = {k: v for k, v in options.items() if v is not None}
    if given:
        raise ParameterError(f"format {name!r} takes no options ({', '.join(given)}); "
                             "column mappings are for the generic and geojson formats")


#: The built-in formats, in registry order (each source module's ``name`` is its module's name).
FORMATS: tuple[str, ...] = _MODULES

__all__ = ["Source", "SOURCES", "FORMATS", "register", "get_source", "formats", "describe", "read_header",
           "detect_format", "no_options"]
