"""One table of mentions for a text: places, candidates, foreign places, dates, casualties, events."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from iraq_atlas.geoparse.casualties import casualty_mentions
from iraq_atlas.geoparse.clean import clean_text, sentence_of, sentence_spans
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
    ct = clean_text(text)
    sents = sentence_spans(ct.text)
    starts = [a for a, _, _ in sents]
    rows = []
    for m in _mentions_clean(ct.text, pub):
        s, e = ct.span(m["start"], m["end"])
        # the clean span may start on an inserted space; trim to real characters
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        sent = sentence_of(sents, starts, m["start"])
        para = sents[sent][2] if sents else 0
        rows.append({**dict.fromkeys(MENTION_COLUMNS), **m, "source": source, "text": text[s:e],
                     "start": s, "end": e, "sentence": sent, "paragraph": para})
    df = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for col in ("place_id", "date_start", "date_end", "precision", "qualifier", "casualty", "event_type",
                "sub_event_type", "rule", "source"):
        df[col] = df[col].fillna("").astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("Int64")
    df["confidence"] = df["confidence"].astype(float)
    for col in ("start", "end", "sentence", "paragraph"):
        df[col] = df[col].astype(int)
    order = {k: i for i, k in enumerate(KINDS)}
    return df.sort_values(["start", "kind"], key=lambda s: s.map(order) if s.name == "kind" else s,
                          kind="stable").reset_index(drop=True)
