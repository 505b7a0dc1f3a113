"""Safe text and atomic files for the HTML pages the suite writes (maps, notebook pages, the index).

Kept free of heavy imports: the report runner's worker processes load it at start-up.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from pathlib import Path


def escape(text) -> str:
    """HTML-escape any value for use in markup we write ourselves (quotes and backticks too)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return html.escape(str(text), quote=True).replace("`", "&#96;")


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write text to a file via a temporary file and rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
