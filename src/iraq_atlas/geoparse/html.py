"""The text as HTML with its mentions highlighted (every piece of text escaped)."""

from __future__ import annotations

import re

import pandas as pd

from iraq_atlas.html import escape

__all__ = ["highlight_html"]

_STYLE = ("<style>.ia-geoparse{white-space:pre-wrap;line-height:1.6;font-family:serif}"
          ".ia-geoparse mark{padding:0 2px;border-radius:3px}.ia-place{background:#b3e5fc}"
          ".ia-candidate{background:#eeeeee;outline:1px dashed #999}.ia-foreign{background:#e1bee7}"
          ".ia-date{background:#fff59d}.ia-casualty{background:#ffcdd2}.ia-event{background:#c8e6c9}</style>")


def _title(r: pd.Series) -> str:
    parts = [str(r["kind"])]
    if r.get("place_id"):
        parts.append(str(r["place_id"]))
    if r.get("date_start"):
        parts.append(f"{r['date_start']}..{r['date_end']}")
    if r.get("kind") == "casualty" and pd.notna(r.get("value")) and r.get("value") != "":
        parts.append(f"{r.get('casualty', '')} ≥{r['value']} ({r.get('qualifier', '')})")
    if r.get("sub_event_type"):
        parts.append(str(r["sub_event_type"]))
    if r.get("rule"):
        parts.append(str(r["rule"]))
    return " · ".join(parts)


def highlight_html(text: str, mentions: pd.DataFrame) -> str:
    """The text as HTML with each mention wrapped in ``<mark class="ia-KIND" title=…>``.

    All text and titles are escaped. Overlapping mentions: the earlier (then longer) wins.

    Parameters
    ----------
    text : str
        The text the mentions' spans point into.
    mentions : DataFrame
        Mentions with ``kind``, ``start`` and ``end`` (and optionally
        ``place_id``, ``date_start``/``date_end``, ``value``, ``sub_event_type``,
        ``rule`` for the tooltip), as from :func:`parse_text`.

    Returns
    -------
    str
        A ``<style>`` block followed by a ``<div class="ia-geoparse">``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([dict(kind="place", start=3, end=10, place_id="capital_baghdad")])
    >>> html = highlight_html("<b>Baghdad", m)
    >>> html[html.index("<div"):]
    '<div class="ia-geoparse">&lt;b&gt;<mark class="ia-place" title="place · capital_baghdad">Baghdad</mark></div>'
    """
    spans = []
    if mentions is not None and len(mentions):
        ms = mentions.sort_values(["start", "end"], ascending=[True, False])
        last = -1
        for _, r in ms.iterrows():
            s, e = int(r["start"]), int(r["end"])
            if s < last or e <= s or e > len(text):
                continue
            spans.append((s, e, r))
            last = e
    out = [_STYLE, '<div class="ia-geoparse">']
    pos = 0
    for s, e, r in spans:
        out.append(escape(text[pos:s]))
        kind = re.sub(r"[^a-z]", "", str(r["kind"]))
        out.append(f'<mark class="ia-{kind}" title="{escape(_title(r))}">{escape(text[s:e])}</mark>')
        pos = e
    out.append(escape(text[pos:]))
    out.append("</div>")
    return "".join(out)
