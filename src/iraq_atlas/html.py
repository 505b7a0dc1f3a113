"""Safe text for the HTML pages the suite writes (maps, notebook pages, the index, highlighted articles).

Kept free of heavy imports: the report runner's worker processes load it at start-up.
"""

from __future__ import annotations

import html
import math


def escape(text) -> str:
    """HTML-escape any value for use in markup we write ourselves (quotes and backticks too)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return html.escape(str(text), quote=True).replace("`", "&#96;")


NOTE_CLASS = "ia-note"
_NOTE_STYLE = ("margin:.2rem 0;padding:.25rem .6rem;border-left:3px solid #f9a825;background:#fffde7;"
               "color:#5d4037;font-size:.9em")


def note_html(message) -> str:
    """One short, styled note line for a page (a library notice, a figure left out and why).

    Parameters
    ----------
    message : object
        The note's text (escaped here).

    Returns
    -------
    str
        A ``<p class="ia-note">``.

    Examples
    --------
    >>> note_html("no incidents <in> the period")
    '<p class="ia-note" style="margin:.2rem 0;padding:.25rem .6rem;border-left:3px solid #f9a825;background:#fffde7;color:#5d4037;font-size:.9em">Note: no incidents &lt;in&gt; the period</p>'
    """
    return f'<p class="{NOTE_CLASS}" style="{_NOTE_STYLE}">Note: {escape(message)}</p>'
