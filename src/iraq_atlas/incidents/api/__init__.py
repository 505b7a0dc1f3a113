"""Clients for the ACLED and UCDP web APIs, dated snapshots of what they return.

* :mod:`~iraq_atlas.incidents.api.http` – one ``requests`` session with bounded
  retries, exponential back-off, ``Retry-After`` and one overall deadline;
* :mod:`~iraq_atlas.incidents.api.credentials` – credentials from environment
  variables or a private (mode 0600) configuration file;
* :mod:`~iraq_atlas.incidents.api.acled` – ACLED events (OAuth password grant);
* :mod:`~iraq_atlas.incidents.api.ucdp` – UCDP GED and GED Candidate events;
* :mod:`~iraq_atlas.incidents.api.snapshots` – Parquet / CSV snapshots carrying
  their query and retrieval time.

Every service failure raises :class:`~iraq_atlas.errors.ServiceError`; a bad
argument raises :class:`~iraq_atlas.errors.ParameterError`.
"""

from __future__ import annotations

import re
from datetime import date

from iraq_atlas.errors import ParameterError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str | date, name: str = "date") -> date:
    """A calendar day written strictly as YYYY-MM-DD.

    Parameters
    ----------
    text : str or datetime.date
        The day; a ``date`` is returned unchanged.
    name : str
        What the value is, for the error message (``"--start"``).

    Returns
    -------
    datetime.date

    Raises
    ------
    ParameterError
        When the text is not ten characters ``YYYY-MM-DD`` naming a real day.

    Examples
    --------
    >>> parse_day("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    if isinstance(text, date):
        return text
    value = str(text).strip()
    if not _DAY.fullmatch(value):
        raise ParameterError(f"{name}: expected a date written YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{name}: {text!r} is not a calendar day") from None


def parse_window(start: str | date, end: str | date) -> tuple[date, date]:
    """Both ends of a date window, checked: strict YYYY-MM-DD and start ≤ end.

    Parameters
    ----------
    start, end : str or datetime.date
        The first and last day (YYYY-MM-DD).

    Returns
    -------
    tuple of datetime.date
        ``(start, end)``.

    Raises
    ------
    ParameterError
        A malformed date, or start after end.

    Examples
    --------
    >>> parse_window("2024-01-01", "2024-01-31")
    (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31))
    """
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first > last:
        raise ParameterError(f"start {first.isoformat()} is after end {last.isoformat()}")
    return first, last
