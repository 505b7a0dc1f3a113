"""Notebook parameters declared once, in the cell tagged ``parameters``, and checked before any kernel starts.

A parameter is a typed assignment with its help text in a trailing comment::

    start_date: str = "2021-09-26"  # first day, YYYY-MM-DD
    jobs: int = 2                   # parallel workers
    by: Literal["list", "bloc"] = "bloc"  # grouping

Supported types: str, int, float, bool, date, list[str], list[int], list[float]
and Literal[...] choices. A number is finite (``inf`` and ``nan`` are refused); a help
text ending in ``(between A and B)`` declares its bounds, both included, for a number
or for every element of a list of numbers. A help text ending in ``(one of: a, b, c)`` declares
choices too, in a form that papermill's own parameter inspection also reads (it
cannot parse ``Literal``): for a text parameter the value must be one of them,
for a number one of those numbers, for a list every element one of them. Help
texts avoid ``=`` for the same reason. A ``date`` parameter (``day: date =
"2021-10-10"``, with ``from datetime import date`` in the cell) holds an ISO
``YYYY-MM-DD`` text, which is what plain papermill passes too; a ``str``
parameter whose help text contains ``YYYY-MM-DD`` is a date as well (empty
allowed). A date given as a date object (YAML reads an unquoted ``2021-11-07``
as one) is that day.
Two parameter names take their choices from the library rather than from a list
typed into the notebook (:func:`library_choices`): ``incidents_format`` (the
incident source registry, with ``auto``) and ``milestone`` (the ids of the
milestone tables). A help text may show them, or a subset that narrows them;
a choice the library does not know is refused.
Values from the command line arrive as text and are converted with these
declared types, never guessed, and never pasted into code as text: papermill
receives Python objects.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import math
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iraq_atlas.errors import ParameterError

#: Parameters holding a mapping for a user's own incident table, as ``--columns`` and ``--event-types`` do.
MAPPING_PARAMS = ("columns", "event_type_map")

_ONE_OF = re.compile(r"\(one of:\s*([^)]*)\)\s*$")
_BETWEEN = re.compile(r"\(between\s+(\S+)\s+and\s+(\S+)\)\s*$")


@dataclass
class Parameter:
    """One declared parameter of a notebook: name, type, default, help and the values it accepts.

    Parameters
    ----------
    name : str
        The variable's name in the parameters cell.
    type : str
        ``str``, ``int``, ``float``, ``bool``, ``date``, ``list[str]``, ``list[int]``,
        ``list[float]`` or ``choice``.
    default : object
        The value the cell assigns.
    help : str
        The comment beside it.
    choices : tuple
        The values allowed (empty: any).
    bounds : tuple, optional
        ``(lowest, highest)``, both allowed.

    Examples
    --------
    >>> Parameter("start_date", "str", "2021-01-01", help="first day (YYYY-MM-DD)").is_date
    True
    """

    name: str
    type: str               # "str", "int", "float", "bool", "date", "list[str]", "list[int]", "list[float]", "choice"
    default: Any
    help: str = ""
    choices: tuple = ()
    bounds: tuple | None = None     # (lowest, highest) allowed, both included, from "(between A and B)"

    @property
    def is_path(self) -> bool:
        """A text naming a file or folder: ``*_path`` (one) or ``*_paths`` (comma-separated)."""
        return self.type == "str" and self.name.endswith(("_path", "_paths"))

    @property
    def is_date(self) -> bool:
        """True for a ``date`` parameter, or a ``str`` one whose help names ``YYYY-MM-DD``."""
        return self.type == "date" or (self.type == "str" and "YYYY-MM-DD" in self.help)


@dataclass
class NotebookParams:
    """The parameters one notebook declares, by name (:func:`read_params`).

    Parameters
    ----------
    notebook : str
        The notebook's file name.
    params : dict of str to Parameter
        In the order of the parameters cell.

    Examples
    --------
    >>> spec = NotebookParams("x.ipynb", {"n": Parameter("n", "int", 3)})
    >>> spec.params["n"].default
    3
    """

    notebook: str
    params: dict[str, Parameter] = field(default_factory=dict)


def parameters_cell(nb) -> str:
    """Source of the first code cell tagged ``parameters`` ('' if none).

    Parameters
    ----------
    nb : dict
        A notebook as its JSON mapping (an ``nbformat`` node is one too).

    Returns
    -------
    str
        The cell's source text.

    Examples
    --------
    >>> parameters_cell({"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...                             "source": ["zoom: int = 13\\n", "n: int = 2"]}]})
    'zoom: int = 13\\nn: int = 2'
    """
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in (cell.get("metadata") or {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return ""


def read_notebook_json(path: str | Path) -> dict:
    """A notebook file as its JSON mapping (nbformat 4), or ParameterError naming the file.

    Reading the JSON directly keeps ``nbformat`` and its schema validator (about a second
    to import) out of planning a run; older notebook formats go through ``nbformat``.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        The notebook: ``cells``, ``metadata``, ``nbformat`` …

    Raises
    ------
    ParameterError
        When the file cannot be read, is not UTF-8 or JSON (with the line and column),
        or holds no notebook.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "01_bad.ipynb"
    >>> _ = bad.write_text('{"cells": [,]}')
    >>> read_notebook_json(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: .../01_bad.ipynb: not a notebook: not JSON at line 1, column 12 (Expecting value)
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the notebook ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not a notebook: not UTF-8 text (byte {exc.start})") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{path}: not a notebook: not JSON at line {exc.lineno}, column {exc.colno} "
                             f"({exc.msg})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise ParameterError(f"{path}: not a notebook: the JSON holds no list of cells")
    if not isinstance(nb.get("nbformat"), int) or nb["nbformat"] < 4:
        import nbformat  # an old notebook format: converted

        try:
            return nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat's own errors are plain exceptions of several kinds
            raise ParameterError(f"{path}: not a notebook nbformat can read ({exc})") from None
    if not all(isinstance(c, dict) for c in nb.get("cells", [])):
        raise ParameterError(f"{path}: not a notebook: a cell is not a JSON object")
    return nb


def _comments(src: str) -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def _type_of(ann: ast.expr, where: str) -> tuple[str, tuple]:
    text = ast.unparse(ann)
    if text in ("str", "int", "float", "bool", "list[str]", "list[int]", "list[float]", "date"):
        return text, ()
    if text in ("datetime.date", "dt.date"):
        return "date", ()
    if isinstance(ann, ast.Subscript) and ast.unparse(ann.value) in ("Literal", "typing.Literal"):
        sl = ann.slice
        elts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        return "choice", tuple(ast.literal_eval(e) for e in elts)
    raise ParameterError(f"{where}: unsupported parameter type {text!r}")


def library_choices(name: str) -> tuple | None:
    """The choices the library knows for a parameter of this name (None for any other name).

    Parameters
    ----------
    name : str
        A parameter name.

    Returns
    -------
    tuple of str or None
        ``incidents_format``: ``auto`` and the built-in incident formats, in
        registry order; ``milestone``: every milestone id of the political and
        election milestone tables, by date.

    Examples
    --------
    >>> library_choices("incidents_format")[:4]
    ('auto', 'curated', 'acled', 'ucdp')
    >>> "ed_2025" in library_choices("milestone"), library_choices("years")
    (True, None)
    """
    if name == "incidents_format":
        from iraq_atlas.incidents.sources import FORMATS  # the built-in formats, read without loading them

        return ("auto", *FORMATS)
    if name == "milestone":
        return _milestone_ids()
    return None


def _milestone_ids() -> tuple[str, ...]:
    """Milestone ids of both tables in the order :func:`~iraq_atlas.analysis.timeline.load_milestones` sorts them.

    Read with the csv module: listing the choices must not load pandas (``iraq-atlas
    params`` and a warm report stay instant); the tables' checks run where they are loaded.
    """
    import csv

    from iraq_atlas.files import data_path

    rows = []
    for origin, folder in (("political", "incidents"), ("elections", "elections")):
        with open(data_path(folder, "milestones.csv"), encoding="utf-8-sig", newline="") as f:
            rows += [(r.get("date", ""), origin, r.get("milestone_id", "")) for r in csv.DictReader(f)]
    return tuple(mid for _, _, mid in sorted(rows, key=lambda r: (r[0], r[1])))


def _narrow(name: str, typ: str, choices: tuple, where: str) -> tuple[str, tuple]:
    """A parameter's type and choices once the library's own choices for its name are applied."""
    known = library_choices(name) if typ in ("str", "choice") else None
    if known is None:
        return typ, choices
    unknown = [c for c in choices if c not in known]
    if unknown:
        raise ParameterError(f"{where}: {name!r} lists {unknown}, which the library does not know; "
                             f"its choices are (one of: {', '.join(known)})")
    return "choice", tuple(choices) or known


def read_params(notebook: str | Path) -> NotebookParams:
    """Parse a notebook's parameters cell into declared parameters.

    Parameters
    ----------
    notebook : str or Path
        An ``.ipynb`` file; its first code cell tagged ``parameters`` is read.

    Returns
    -------
    NotebookParams
        Every variable the cell assigns, with its type, default and help (no parameters
        when the notebook has no such cell).

    Examples
    --------
    >>> from iraq_atlas.runner.plan import default_notebooks_dir
    >>> spec = read_params(default_notebooks_dir() / "02_elections.ipynb")
    >>> spec.params["grouping"].default, "output_dir" in spec.params
    ('bloc', True)
    """
    path = Path(notebook)
    src = parameters_cell(read_notebook_json(path))
    out = NotebookParams(path.name)
    if not src.strip():
        return out
    comments = _comments(src)
    for node in ast.parse(src).body:
        where = f"{path.name}, line {getattr(node, 'lineno', '?')} of the parameters cell"
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name = node.target.id
            typ, choices = _type_of(node.annotation, where)
            try:
                default = ast.literal_eval(node.value)
            except ValueError as exc:
                raise ParameterError(f"{where}: default of {name!r} must be a literal") from exc
            help_text = comments.get(node.lineno, "")
            bounds = _bounds(help_text, typ, where, name)
            listed = _ONE_OF.search(help_text)
            if listed and typ in ("str", "int", "float", "list[str]", "list[int]", "list[float]"):
                words = tuple(c.strip() for c in listed.group(1).split(",") if c.strip())
                if typ == "str":
                    typ, choices = "choice", words
                else:
                    element = Parameter(name, _ELEMENT.get(typ, typ), None)
                    choices = tuple(convert(element, w, path.name) for w in words)
            typ, choices = _narrow(name, typ, choices, where)
            if typ == "choice" and default not in choices:
                raise ParameterError(f"{where}: default {default!r} of {name!r} is not one of {list(choices)}")
            param = Parameter(name, typ, default, help_text, choices, bounds)
            if typ != "choice":
                try:
                    param.default = convert(param, default, path.name)
                except ParameterError as exc:
                    raise ParameterError(f"{where}: default of {name!r} does not fit its type: {exc}") from None
            out.params[name] = param
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)):
            continue  # `from typing import Literal`, docstrings
        else:
            raise ParameterError(f"{where}: parameters must be typed assignments like `name: int = 3`")
    return out


def _bounds(help_text: str, typ: str, where: str, name: str) -> tuple | None:
    """``(between A and B)`` at the end of a number's help text: (A, B); None without one."""
    found = _BETWEEN.search(help_text)
    if not found:
        return None
    if typ not in ("int", "float", "list[int]", "list[float]"):
        raise ParameterError(f"{where}: bounds (between …) are for numbers, and {name!r} is {typ}")
    try:
        low, high = float(found.group(1)), float(found.group(2))
    except ValueError:
        raise ParameterError(f"{where}: bounds of {name!r} are not numbers: {found.group(0)}") from None
    if not low <= high:
        raise ParameterError(f"{where}: bounds of {name!r} are empty: {found.group(0)}")
    return (low, high)


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_ELEMENT = {"list[str]": "str", "list[int]": "int", "list[float]": "float"}


def _as_list(value: Any, fail) -> list:
    """Text ``a, b`` or ``["a", "b"]``, or a list/tuple, as a list (elements unconverted)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise fail("is not a valid list") from None
        else:
            return [v.strip() for v in text.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise fail("must be a list (comma-separated)")


def convert(p: Parameter, value: Any, notebook: str) -> Any:
    """Convert a value (text from a CLI, or an object from YAML) to the declared type, or raise.

    Parameters
    ----------
    p : Parameter
        The declaration.
    value : object
        Text, a number, a list, a date.
    notebook : str
        Named in the error message.

    Returns
    -------
    object
        A bool, int, float, text (a date as ``YYYY-MM-DD`` text), or a list of these.

    Raises
    ------
    ParameterError
        When the value does not fit the type or its choices.
    """
    def fail(why: str) -> ParameterError:
        return ParameterError(f"{notebook}: parameter {p.name!r} {why} (got {value!r})")

    if p.type in _ELEMENT:
        element = Parameter(p.name, _ELEMENT[p.type], None, bounds=p.bounds)
        items = _as_list(value, fail)
        if p.type == "list[str]" and not all(isinstance(v, (str, int, float, dt.date)) and not isinstance(v, bool)
                                             and not isinstance(v, dt.datetime) for v in items):
            raise fail("must be a list of text values (comma-separated)")
        try:
            out = [convert(element, v, notebook) for v in items]
        except ParameterError as exc:
            if p.bounds and "between" in str(exc):
                raise fail(f"must be a list of numbers between {_num(p.bounds[0])} and {_num(p.bounds[1])}") from None
            kind = {"list[int]": "whole numbers", "list[float]": "numbers"}.get(p.type, "text values")
            raise fail(f"must be a list of {kind} (comma-separated)") from None
        bad = [v for v in out if p.choices and v not in p.choices]
        if bad:
            raise fail(f"has {bad} outside its choices {list(p.choices)}")
        return out
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise fail("must be true or false")
    if p.type == "int":
        if isinstance(value, bool):
            raise fail("must be a whole number")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise fail("must be a whole number") from None
        if not f.is_integer():
            raise fail("must be a whole number")
        return _in_choices(p, _in_bounds(p, int(f), fail), fail)
    if p.type == "float":
        if isinstance(value, bool):
            raise fail("must be a number")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise fail("must be a number") from None
        if not math.isfinite(f):
            raise fail("must be a finite number")
        return _in_choices(p, _in_bounds(p, f, fail), fail)
    if p.type == "choice":
        for c in p.choices:
            if value == c or str(value) == str(c):
                return c
        raise fail(f"must be one of {list(p.choices)}")
    if p.type == "str" and p.name in MAPPING_PARAMS and isinstance(value, dict):
        # a mapping written as a YAML mapping in a parameter file reaches the notebook as JSON text
        return json.dumps(value, ensure_ascii=False, default=str)
    if p.type in ("str", "date") and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()  # YAML reads an unquoted 2021-11-07 as a date: it is that day
    # str, date
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise fail("must be a date as YYYY-MM-DD" if p.type == "date" else "must be text")
    value = str(value)
    if p.is_date and (value or p.type == "date" and p.default != ""):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise fail("must be a date as YYYY-MM-DD") from None
    return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _in_bounds(p: Parameter, value, fail):
    if p.bounds and not p.bounds[0] <= value <= p.bounds[1]:
        raise fail(f"must be between {_num(p.bounds[0])} and {_num(p.bounds[1])}")
    return value


def _in_choices(p: Parameter, value, fail):
    if p.choices and value not in p.choices:
        raise fail(f"must be one of {list(p.choices)}")
    return value


def resolve(spec: NotebookParams, given: dict[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """Defaults overlaid with ``given`` values, all converted; unknown names raise when strict.

    Parameters
    ----------
    spec : NotebookParams
        A notebook's declarations (:func:`read_params`).
    given : dict
        Values by name, as typed on the command line or already converted.
    strict : bool
        Raise for a name the notebook does not declare (else it is ignored).

    Returns
    -------
    dict
        Every declared parameter, with its default or its given value converted to its type.

    Raises
    ------
    ParameterError
        An unknown name (when strict) or a value the parameter does not accept.

    Examples
    --------
    >>> spec = NotebookParams("x.ipynb", {"n": Parameter("n", "int", 3), "s": Parameter("s", "str", "a")})
    >>> resolve(spec, {"n": "5"})
    {'n': 5, 's': 'a'}
    >>> resolve(spec, {"m": 1})
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: x.ipynb: unknown parameter 'm' (it takes: n, s)
    """
    out = {name: p.default for name, p in spec.params.items()}
    for name, value in given.items():
        if name not in spec.params:
            if strict:
                known = ", ".join(sorted(spec.params)) or "none"
                raise ParameterError(f"{spec.notebook}: unknown parameter {name!r} (it takes: {known})")
            continue
        out[name] = convert(spec.params[name], value, spec.notebook)
    return out


def describe(spec: NotebookParams) -> list[dict[str, Any]]:
    """Rows for ``iraq-atlas params``: name, type, default, help.

    Parameters
    ----------
    spec : NotebookParams
        A notebook's declarations (:func:`read_params`).

    Returns
    -------
    list of dict
        One row per parameter.

    Examples
    --------
    >>> describe(NotebookParams("x.ipynb", {"n": Parameter("n", "int", 3, help="how many")}))
    [{'name': 'n', 'type': 'int', 'default': 3, 'help': 'how many'}]
    """
    rows = []
    for p in spec.params.values():
        typ = "one of " + "|".join(map(str, p.choices)) if p.type == "choice" else p.type
        if p.is_date:
            typ = "date (YYYY-MM-DD)"
        elif p.choices and p.type != "choice":
            typ = f"{p.type}, each one of " + "|".join(map(str, p.choices)) if p.type in _ELEMENT \
                else f"{p.type}, one of " + "|".join(map(str, p.choices))
        rows.append({"name": p.name, "type": typ, "default": p.default, "help": p.help})
    return rows
