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
