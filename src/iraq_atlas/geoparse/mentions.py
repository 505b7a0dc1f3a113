"""One table of mentions for a text: places, candidates, foreign places, dates, casualties, events."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.arrays import ArrowStringArray, IntegerArray

from iraq_atlas.geoparse.casualties import casualty_mentions
from iraq_atlas.geoparse.clean import CleanText, clean_text, sentence_of
from iraq_atlas.geoparse.dates import as_published, date_mentions
from iraq_atlas.geoparse.events import event_mentions
from iraq_atlas.geoparse.places import Spans, place_mentions

__all__ = ["KINDS", "MENTION_COLUMNS", "parse_text"]

KINDS = ("place", "candidate", "foreign", "date", "casualty", "event")
MENTION_COLUMNS = ["source", "kind", "text", "start", "end", "place_id", "confidence", "rule",
                   "date_start", "date_end", "precision", "value", "qualifier", "casualty",
                   "event_type", "sub_event_type", "sentence", "paragraph"]


def _mentions_clean(clean: str, pub: date) -> list[dict]:
    dates = date_mentions(clean, pub)
    taken = Spans()
    for d in dates:
        taken.add(d["start"], d["end"])
    places = place_mentions(clean, taken)
    return places + dates + casualty_mentions(clean) + event_mentions(clean)


def parse_text(text: str, published: date | datetime | str, source: str = "") -> pd.DataFrame:
    """All mentions in ``text`` (spans index the original text), sorted by start.

    Parameters
    ----------
    text : str
        The article (headline first is fine). Boilerplate is ignored.
    published : date, datetime or str
        Publication date (aware datetimes are converted to Asia/Baghdad); relative
        dates resolve against it.
    source : str, optional
        Written to the ``source`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``MENTION_COLUMNS``; ``kind`` is one of ``KINDS``.

    Examples
    --------
    >>> m = parse_text("A drone hit Baghdad on Friday.", "2021-11-07")
    >>> m[["kind", "text"]].values.tolist()
    [['event', 'drone hit'], ['place', 'Baghdad'], ['date', 'on Friday']]
    """
    pub = as_published(published)
    with _no_cycle_collection():  # cleaning and the table too, not only the parse
        return mention_frame(mention_records(text, pub, source, clean_text(text)))


_STR_COLUMNS = ("source", "kind", "text", "place_id", "rule", "date_start", "date_end", "precision", "qualifier",
                "casualty", "event_type", "sub_event_type")
_ORDER = {k: i for i, k in enumerate(KINDS)}


def mention_records(text: str, pub: date, source: str, ct: CleanText) -> list[dict]:
    """The mentions of ``text`` as plain dicts with every column of ``MENTION_COLUMNS``, sorted.

    Text columns hold ``""`` when empty and ``value`` is an int or None, as in the
    table :func:`parse_text` makes of them (see :func:`mention_frame`); many texts'
    records can be joined and made into one table at the end.

    Parameters
    ----------
    text : str
        The original text.
    pub : datetime.date
        Publication date.
    source : str
        Written to ``source``.
    ct : CleanText
        ``clean_text(text)``.

    Returns
    -------
    list of dict
        Sorted by start, then kind in the order of ``KINDS``.

    Examples
    --------
    >>> t = "Clashes in Basra."
    >>> [(r["kind"], r["text"]) for r in mention_records(t, date(2021, 11, 7), "", clean_text(t))]
    [('event', 'Clashes'), ('place', 'Basra')]
    """
    with _no_cycle_collection():
        return _records(text, pub, source, ct)


@contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while a text is parsed.

    Parsing makes many small objects (tokens, matches, mentions) and no reference cycles:
    reference counting frees them all, and the collector, run every few hundred new
    objects, would only walk them again and again (a sixth of the parse time). It runs
    again afterwards if it ran before.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _records(text: str, pub: date, source: str, ct: CleanText) -> list[dict]:
    sents = ct.sentences
    starts = [a for a, _, _ in sents]
    base = dict.fromkeys(MENTION_COLUMNS, "")
    base["value"] = None
    rows = []
    span = ct.span
    for m in _mentions_clean(ct.text, pub):
        s, e = span(m["start"], m["end"])
        # the clean span may start on an inserted space; trim to real characters
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        sent = sentence_of(sents, starts, m["start"])
        row = {**base, **m, "source": source, "text": text[s:e], "start": s, "end": e, "sentence": sent,
               "paragraph": sents[sent][2] if sents else 0}
        for col in _STR_COLUMNS:
            v = row[col]
            if v.__class__ is not str:
                row[col] = "" if v is None else str(v)
        v = row["value"]
        row["value"] = None if v is None or v == "" else int(v)
        row["confidence"] = float(row["confidence"])
        rows.append(row)
    rows.sort(key=lambda r: (r["start"], _ORDER[r["kind"]]))
    return rows


@lru_cache(maxsize=1)
def _text_dtype():
    """The dtype pandas gives text (str stored by pyarrow since pandas 3)."""
    return pd.Series(["a"]).dtype


def mention_frame(records: list[dict], columns: list[str] = MENTION_COLUMNS) -> pd.DataFrame:
    """The table of :func:`mention_records` (of one text or many joined), built once.

    Parameters
    ----------
    records : list of dict
        Records with at least ``MENTION_COLUMNS``.
    columns : list of str
        Columns to keep, in this order (text columns other than ``MENTION_COLUMNS``
        ones, such as ``file``, are kept as text).

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end``, ``sentence``, ``paragraph`` int64, ``confidence`` float,
        ``value`` Int64, the rest text.

    Examples
    --------
    >>> mention_frame([]).shape
    (0, 18)
    """
    data = {}
    text = _text_dtype()
    arrow_text = isinstance(text, pd.StringDtype) and text.storage == "pyarrow"
    # the records turned into columns in one step (a list of values per column)
    values = zip(*map(itemgetter(*columns), records)) if records and len(columns) > 1 else \
        ([[r[c] for r in records] for c in columns])
    for col, vals in zip(columns, values):
        if col in ("start", "end", "sentence", "paragraph"):
            data[col] = np.array(vals, dtype=np.int64)
        elif col == "confidence":
            data[col] = np.array(vals, dtype=np.float64)
        elif col == "value":  # an int or None in every record
            data[col] = IntegerArray(np.array([0 if v is None else v for v in vals], dtype=np.int64),
                                     np.array([v is None for v in vals], dtype=bool))
        elif not vals:
            data[col] = pd.array(vals, dtype="str")
        elif arrow_text:  # built from a pyarrow array at once, not converted from Python objects by pandas
            data[col] = ArrowStringArray(pa.array(vals, type=pa.large_string()), dtype=text)
        else:  # pandas makes its text dtype of an object array of str
            data[col] = np.array(vals, dtype=object)
    return pd.DataFrame(data, copy=False)  # the columns in the order of ``data``
