"""Mappings a user writes for their own table: its columns, or its event type values.

The same value works everywhere a mapping is asked for (``--columns`` and
``--event-types`` on the command line, ``columns`` and ``event_type_map`` in
notebooks 03, 04 and 06): ``NAME=VALUE`` pairs separated by commas, a YAML or
JSON file holding the same pairs, or (from Python) a dict. What the names may
be is for the reader to check (:func:`iraq_atlas.incidents.sources.generic.target_column`,
:func:`iraq_atlas.incidents.sources.generic.parse_event_types`).

This module imports neither pandas nor YAML until a file is read, so the report
runner checks a mapping before any kernel starts at no cost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from iraq_atlas.errors import ParameterError

#: The endings of a file that holds a mapping (any case); any other text is read as pairs.
MAPPING_SUFFIXES = (".yaml", ".yml", ".json")


def mapping_file(value: Any, base: str | os.PathLike | None = None) -> Path | None:
    """The file a mapping value names, resolved like other user paths; None for pairs or a dict.

    A path object, or a text ending in ``.yaml``, ``.yml`` or ``.json``, names a
    file: ``~`` is the home folder and a relative path is read from ``base``
    (the current folder when None). Whether the file exists is not checked.

    Parameters
    ----------
    value : str, path-like, dict or None
        What was given for the mapping.
    base : path-like, optional
        The folder a relative path is read from.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> mapping_file("cols.yaml", "/data").as_posix(), mapping_file("date=Date")
    ('/data/cols.yaml', None)
    """
    if isinstance(value, os.PathLike):
        text = os.fspath(value)
    elif isinstance(value, str) and value.strip().lower().endswith(MAPPING_SUFFIXES):
        text = value.strip()
    else:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(base if base is not None else Path.cwd()) / path
    return path


def parse_mapping(value: Any, what: str, *, base: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """A mapping given as ``a=b,c=d`` text, a JSON object, a YAML/JSON file of it, or a dict, read into a dict.

    Names and values are stripped of surrounding spaces; a value may hold ``=``
    (only the first one splits a pair) but not a comma. In a file, a value may
    also be a list (``[Explosions/Remote violence, Air/drone strike]`` for an
    event type and its sub-type); numbers become text. Text that starts with ``{``
    is read as a JSON object, which holds any name (a comma in a column name too);
    the report runner passes a mapping written in a parameter file to a notebook so. Reading a file is
    recorded as an input (the report runner re-runs a notebook when it changes).

    Parameters
    ----------
    value : str, path-like, dict or None
        The pairs, a JSON object, a file (see :func:`mapping_file`) or a dict; None or blank
        text for no mapping.
    what : str
        What the mapping is for (``--columns``, ``columns``), named in every error.
    base : path-like, optional
        The folder a relative file path is read from (default: the current folder).

    Returns
    -------
    dict or None
        Name → value, in the order given; None when no mapping was given.

    Raises
    ------
    ParameterError
        Text that is not ``NAME=VALUE`` pairs (or names one twice), a file that
        does not exist, cannot be read or does not hold a mapping, a value that
        is empty or itself a mapping, or a value of any other type. The message
        starts with ``what``.

    Examples
    --------
    >>> parse_mapping("date=Date, latitude=Lat", "--columns")
    {'date': 'Date', 'latitude': 'Lat'}
    >>> parse_mapping('{"date": "Date", "notes": "Summary, in English"}', "columns")
    {'date': 'Date', 'notes': 'Summary, in English'}
    >>> parse_mapping("", "--columns") is None
    True
    >>> parse_mapping("date", "--columns")
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: --columns: expected NAME=VALUE pairs separated by commas, or a .yaml, .yml or .json file of them, not 'date'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    path = mapping_file(value, base)
    if path is not None:
        return _checked(_read_file(path, what), what, f" in {path.name}")
    if isinstance(value, dict):
        return _checked(value, what, "")
    if not isinstance(value, str):
        raise ParameterError(f"{what}: expected NAME=VALUE pairs, a .yaml, .yml or .json file, or a dict, "
                             f"not {type(value).__name__} {value!r}")
    if value.lstrip().startswith("{"):
        import json

        try:
            data = json.loads(value)
        except ValueError as exc:
            raise ParameterError(f"{what}: not a JSON object ({exc})") from None
        if not isinstance(data, dict):
            raise ParameterError(f"{what}: not a JSON object: {value!r}")
        return _checked(data, what, "")
    out: dict[str, Any] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ParameterError(f"{what}: expected NAME=VALUE pairs separated by commas, or a "
                                 f"{', '.join(MAPPING_SUFFIXES[:-1])} or {MAPPING_SUFFIXES[-1]} file of them, "
                                 f"not {part.strip()!r}")
        if key.strip() in out:
            raise ParameterError(f"{what}: {key.strip()!r} is given twice")
        out[key.strip()] = val.strip()
    if not out:
        raise ParameterError(f"{what}: no NAME=VALUE pair in {value!r}")
    return out


def _read_file(path: Path, what: str) -> Any:
    """The YAML (or JSON, which YAML reads too) document in ``path``, or ParameterError naming it."""
    if not path.exists():
        raise ParameterError(f"{what}: {path} not found")
    if path.is_dir():
        raise ParameterError(f"{what}: {path} is a folder, not a .yaml, .yml or .json file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ParameterError(f"{what}: {path} cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{what}: {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    from iraq_atlas.files import record_read

    record_read(path)
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        why = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise ParameterError(f"{what}: {path.name}{where}: {why}") from None


def _checked(data: Any, what: str, where: str) -> dict[str, Any]:
    """A mapping read from a file or given as a dict: text names, each with a text or list value."""
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        raise ParameterError(f"{what}: expected a mapping of NAME: VALUE{where}, found {kind}")
    out: dict[str, Any] = {}
    for key, val in data.items():
        name = str(key).strip()
        if isinstance(val, bool) or val is None or isinstance(val, dict) or \
                not isinstance(val, (str, int, float, list, tuple)):
            shown = "no value" if val is None else f"{val!r}"
            raise ParameterError(f"{what}: {name!r} has {shown}{where}; give a name as text "
                                 "(quote it in YAML when it reads as true, false, null or a mapping)")
        if isinstance(val, (int, float)):
            val = str(val)
        if isinstance(val, str):
            val = val.strip()
        if not name or val in ("", [], ()):
            raise ParameterError(f"{what}: an empty name or value{where}: {key!r}: {val!r}")
        out[name] = val
    return out
