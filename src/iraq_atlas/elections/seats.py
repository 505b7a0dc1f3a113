"""Seat allocation by the highest-averages rule Iraq's election law uses.

Each governorate is one constituency; a list's votes are divided by 1.7, 3, 5,
7, … and the general seats go to the largest quotients (a modified
Sainte-Laguë method; see geodata/elections/README.md for the legal source).
Quota seats are filled outside this count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iraq_atlas.errors import DataError, Problem


def sainte_lague(votes: pd.Series, seats: int, first_divisor: float = 1.7) -> pd.Series:
    """Seats per list from their votes by the (modified) Sainte-Laguë method.

    Parameters
    ----------
    votes : pandas.Series
        Valid votes per list, indexed by list.
    seats : int
        Seats to allocate.
    first_divisor : float, default 1.7
        The first divisor (1 gives the pure Sainte-Laguë method); later divisors are 3, 5, 7, …

    Returns
    -------
    pandas.Series
        Seats won per list (same index), as integers. A tie for the last seat raises DataError.

    Examples
    --------
    >>> sainte_lague(pd.Series({"A": 53000, "B": 24000, "C": 23000}), 7, first_divisor=1).tolist()
    [3, 2, 2]
    """
    if seats < 0:
        raise ValueError("seats must be zero or more")
    v = votes.astype(float).to_numpy()
    if (np.isnan(v) | (v < 0)).any():
        raise DataError([Problem("votes", None, None, "every list needs a known, non-negative vote count")])
    divisors = np.concatenate([[first_divisor], 3 + 2 * np.arange(max(seats - 1, 0))])
    quotients = v[:, None] / divisors[None, :]
    flat = quotients.ravel()
    order = np.argsort(-flat, kind="stable")
    if seats and seats < len(flat) and np.isclose(flat[order[seats - 1]], flat[order[seats]]):
        raise DataError([Problem("votes", None, None, f"a tie for seat {seats}: the rule needs a lot drawn")])
    won = np.bincount(order[:seats] // len(divisors), minlength=len(v))
    return pd.Series(won, index=votes.index, dtype=int)
