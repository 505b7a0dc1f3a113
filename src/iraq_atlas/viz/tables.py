"""Tables for readers: the one function every notebook shows a table with.

:func:`show_table` keeps whole numbers whole (a column of seats with a gap is not ``71.0``),
dates as dates, numbers with thousands separators, web addresses as links (``http`` and
``https`` only, text and address escaped), and no index column. Headers carry both the
column's own name and a reader's header (``km_to_pm_residence`` → "Km to PM residence (km)"):
the notebook pages of a report's ``--no-input`` edition, written for readers, show the
second, the pages with code the first.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import pandas as pd

from iraq_atlas.html import escape, note_html
from iraq_atlas.vocab import READER_UNITS, READER_WORDS

TABLE_CLASS = "ia-table"
_STYLE = (f"<style>.{TABLE_CLASS}{{border-collapse:collapse;font-size:.9em}}"
          f".{TABLE_CLASS} th,.{TABLE_CLASS} td{{padding:.2rem .5rem;border-bottom:1px solid #ddd;"
          f"text-align:left;vertical-align:top}}.{TABLE_CLASS} td.num{{text-align:right;"
          f"font-variant-numeric:tabular-nums}}.{TABLE_CLASS} a{{overflow-wrap:anywhere}}"
          f".{TABLE_CLASS} .ia-reader{{display:none}}.ia-table-note{{color:#555;font-size:.85em}}</style>")


def reader_header(name: Any, headers: Mapping[str, str] | None = None) -> str:
    """A reader's header for a column: words spelled out, first letter capital, unit in brackets.

    Parameters
    ----------
    name : object
        The column's name (snake_case, usually).
    headers : mapping, optional
        Headers given by the caller, used as they are.

    Returns
    -------
    str
        The header.

    Examples
    --------
    >>> reader_header("km_to_pm_residence")
    'Km to PM residence'
    >>> reader_header("precision_m"), reader_header("iso_3166_2"), reader_header("source_url")
    ('Precision (m)', 'ISO 3166 2', 'Source URL')
    >>> reader_header("seats", {"seats": "Seats won"})
    'Seats won'
    """
    if headers and name in headers:
        return str(headers[name])
    text = str(name)
    if not text or " " in text or text != text.lower():
        return text  # already written for readers
    words = [w for w in text.split("_") if w]
    unit = ""
    if len(words) > 1 and words[-1] in READER_UNITS:
        unit = f" ({READER_UNITS[words.pop()]})"
    spelled = [READER_WORDS.get(w, w) for w in words]
    if not spelled:
        return text
    first = spelled[0]
    spelled[0] = first[:1].upper() + first[1:]
    return " ".join(spelled) + unit


def safe_link(value: Any) -> str:
    """An ``<a>`` for an ``http``/``https`` address; any other value as escaped text.

    Parameters
    ----------
    value : object
        A cell of a link column.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> safe_link("https://example.org/a?b=1&c=2")
    '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">example.org/a?b=1&amp;c=2</a>'
    >>> safe_link("javascript:alert(1)")
    'javascript:alert(1)'
    """
    text = "" if _missing(value) else str(value).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return escape(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return escape(text)
    shown = text.split("://", 1)[1]
    return f'<a href="{escape(text)}" target="_blank" rel="noopener noreferrer">{escape(shown)}</a>'


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_whole(series: pd.Series) -> bool:
    values = series.dropna()
    return bool(len(values)) and bool(((values % 1) == 0).all())


def _formatter(name: Any, series: pd.Series, decimals: int, links: set):
    """A function formatting one cell of ``series`` as HTML, and whether the column is numeric."""
    plain_int = "year" in str(name).lower()
    if name in links:
        return safe_link, False
    if pd.api.types.is_bool_dtype(series):
        return (lambda v: "" if _missing(v) else ("yes" if v else "no")), False
    if pd.api.types.is_datetime64_any_dtype(series):
        times = series.dropna()
        with_time = bool(len(times)) and bool((times != times.dt.normalize()).any())
        pattern = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
        return (lambda v: "" if _missing(v) else escape(v.strftime(pattern))), False
    if pd.api.types.is_numeric_dtype(series):
        if pd.api.types.is_integer_dtype(series) or _is_whole(series.astype("float64")):
            fmt = "{:d}" if plain_int else "{:,d}"
            return (lambda v: "" if _missing(v) else fmt.format(int(v))), True
        return (lambda v: "" if _missing(v) else ("" if math.isinf(v) else f"{v:,.{decimals}f}")), True

    def cell(v):
        if _missing(v):
            return ""
        if isinstance(v, (dt.datetime, pd.Timestamp)):
            return escape(v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d"))
        if isinstance(v, dt.date):
            return escape(v.isoformat())
        if isinstance(v, float) and v.is_integer():
            return escape(f"{int(v):d}" if plain_int else f"{int(v):,d}")
        if isinstance(v, (list, tuple)):
            return escape(", ".join(map(str, v)))
        return escape(v)

    return cell, False


def _with_meaningful_index(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its index as first column(s) when the index means something, else without it.

    Row numbers (an unnamed index of integers, a filtered frame's leftover labels) mean
    nothing to a reader; a named index, or labels such as "accepted", "rejected", do.
    """
    index = df.index
    if all(name is None for name in index.names) and (
            isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index)):
        return df.reset_index(drop=True)
    frame = df.reset_index()
    if index.nlevels == 1 and index.name is None and "index" in frame.columns and "index" not in df.columns:
        frame = frame.rename(columns={"index": ""})
    return frame


def table_html(df: pd.DataFrame, *, links: Iterable[str] | None = None,
               headers: Mapping[str, str] | None = None, decimals: int = 2,
               max_rows: int | None = 200, caption: str = "") -> str:
    """The HTML :func:`show_table` displays: one ``<table>``, every value escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        The table. A named index, or an index of labels, becomes the first column; row
        numbers (an unnamed index of integers) are not shown.
    links : iterable of str, optional
        Columns holding web addresses (default: every column whose name ends in ``url``).
    headers : mapping, optional
        Reader headers for some columns (others come from :func:`reader_header`).
    decimals : int
        Decimals of numbers that are not whole.
    max_rows : int or None
        Rows shown (None: all); a line under the table says how many there are.
    caption : str
        A caption (text).

    Returns
    -------
    str
        HTML: a ``<style>``, the ``<table class="ia-table">`` and, when rows were left out, a note.

    Examples
    --------
    >>> html = table_html(pd.DataFrame({"year": [2018.0, 2021.0], "seats": [71.0, None]}))
    >>> "2018</td>" in html and "2018.0" not in html and "71</td>" in html
    True
    """
    frame = _with_meaningful_index(df)
    link_cols = set(links) if links is not None else {c for c in frame.columns if str(c).lower().endswith("url")}
    total = len(frame)
    shown = frame if max_rows is None else frame.head(max_rows)
    cols = list(frame.columns)
    formats = [_formatter(c, frame[c], decimals, link_cols) for c in cols]
    head = "".join(f'<th><span class="ia-code">{escape(c)}</span>'
                   f'<span class="ia-reader">{escape(reader_header(c, headers))}</span></th>' for c in cols)
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = "".join(f'<td class="num">{fmt(v)}</td>' if numeric else f"<td>{fmt(v)}</td>"
                        for (fmt, numeric), v in zip(formats, row))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    note = ""
    if len(shown) < total:
        note = f'<p class="ia-table-note">First {len(shown):,} of {total:,} rows.</p>'
    elif total == 0:
        note = '<p class="ia-table-note">No rows.</p>'
    return (f'{_STYLE}<table class="{TABLE_CLASS}">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{note}')


class ReaderTable:
    """A table as :func:`show_table` displays it: HTML in a notebook, aligned text elsewhere."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_table(df: pd.DataFrame, *, links: Iterable[str] | None = None,
               headers: Mapping[str, str] | None = None, decimals: int = 2,
               max_rows: int | None = 200, caption: str = "") -> None:
    """Display a table for readers (see the module's notes); the one table function of the notebooks.

    In a notebook the table is displayed as :func:`table_html`; elsewhere its text is printed.
    Nothing is returned, so a call ending a cell shows the table once.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    links, headers, decimals, max_rows, caption
        As for :func:`table_html`.

    Returns
    -------
    None

    Examples
    --------
    >>> show_table(pd.DataFrame({"governorate": ["Baghdad"], "seats": [69]}))
    governorate  seats
        Baghdad     69
    """
    html = table_html(df, links=links, headers=headers, decimals=decimals, max_rows=max_rows, caption=caption)
    part = df if max_rows is None else df.head(max_rows)
    shown = _with_meaningful_index(part)
    table = ReaderTable(html, shown.to_string(index=False))
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: the text
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(table.text)
    else:
        display(table)


class _Note:
    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return note_html(self.text)

    def __repr__(self) -> str:
        return f"Note: {self.text}"


def show_note(text: str) -> None:
    """Display one short, styled note line (in a notebook), or print it.

    Parameters
    ----------
    text : str
        The note.

    Returns
    -------
    None

    Examples
    --------
    >>> show_note("no dated mentions in the text: no timeline drawn")
    Note: no dated mentions in the text: no timeline drawn
    """
    note = _Note(text)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(repr(note))
    else:
        display(note)
