"""Milestone effects: incidents after versus before a political milestone, with honest uncertainty.

For a milestone on day M and N days, the *before* window is [M − N, M − 1] and
the *after* window [M, M + N − 1] (the rules of
:func:`iraq_atlas.analysis.windows.milestone_windows`; an incident counts in a
window only when all its possible dates fall inside it). Per governorate (or
cell, or the whole country) and milestone:

* ``rate_ratio`` = after / before (both windows have N days).
* Confidence interval and p-value: exact, conditional on the total. Given
  a + b incidents, the after count a is binomial with probability
  RR / (1 + RR) (equal windows), so the Clopper–Pearson interval of that
  probability, p ↦ p / (1 − p), is the interval of RR; the p-value is the exact
  two-sided binomial test of RR = 1.
* Over-dispersion: the daily counts of the two windows are tested against
  Poisson variation (Pearson statistic, χ² with 2N − 2 degrees of freedom). When
  that test rejects at ``alpha`` and both windows have incidents, a
  negative-binomial model replaces the exact interval (dispersion by maximum
  likelihood, Wald interval on the log rate ratio); ``method`` says which.
* Placebo: the same before/after pair placed at ``placebo`` random days of the
  same group's daily series (not overlapping the real windows); ``placebo_p``
  is the share of placebo dates whose |log rate ratio| (with 0.5 added to each
  count) is at least the milestone's.
* ``verdict``: "higher after" or "lower after" only when the interval excludes 1
  *and* the placebo p-value is below ``alpha`` (or no placebo dates were
  possible and only the interval is used); otherwise "no detectable change";
  "no incidents" when both windows are empty.

These are associations in time, not effects in the causal sense: see
:data:`EFFECTS_CAPTION`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from iraq_atlas.errors import ParameterError

EFFECTS_CAPTION = ("Before/after counts around a date show timing, not cause: other events, seasons, "
                   "reporting and media attention change at the same time. A ratio away from 1 is not "
                   "evidence that the milestone changed violence, and 'no detectable change' is not "
                   "evidence that it did not.")
EFFECT_COLUMNS = ["milestone_id", "milestone_date", "group", "name", "governorate_iso", "window_days",
                  "before", "after", "imprecise", "rate_ratio", "ci_low", "ci_high", "p_value", "method",
                  "dispersion_p", "placebo_p", "placebo_dates", "verdict"]


# -- exact Poisson intervals ------------------------------------------------------------------
def poisson_ci(count, conf: float = 0.95) -> pd.DataFrame:
    """Exact (Garwood) confidence interval of a Poisson mean from observed counts.

    Examples
    --------
    >>> poisson_ci([0, 1, 10]).round(3).values.tolist()
    [[0.0, 0.0, 3.689], [1.0, 0.025, 5.572], [10.0, 4.795, 18.39]]
    """
    k = np.asarray(count, dtype=float)
    a = 1 - conf
    lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    hi = stats.chi2.ppf(1 - a / 2, 2 * (k + 1)) / 2
    return pd.DataFrame({"count": k, "ci_low": lo, "ci_high": hi})


def rate_ratio_exact(after, before, t_after: float = 1.0, t_before: float = 1.0,
                     conf: float = 0.95) -> pd.DataFrame:
    """Rate ratio (after/before) with the exact conditional (binomial) interval and p-value.

    Parameters
    ----------
    after, before : array-like of int
        Counts in the two windows.
    t_after, t_before : float
        Lengths (exposures) of the windows.
    conf : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``p_value`` (NaN where both are 0;
        the ratio and upper bound are infinite when ``before`` is 0).

    Examples
    --------
    >>> rate_ratio_exact([20], [10]).round(3).values.tolist()
    [[2.0, 0.894, 4.785, 0.099]]
    """
    a = np.atleast_1d(np.asarray(after, dtype=float))
    b = np.atleast_1d(np.asarray(before, dtype=float))
    n = a + b
    alpha = 1 - conf
    scale = t_before / t_after
    with np.errstate(divide="ignore", invalid="ignore"):
        p_lo = np.where(a > 0, stats.beta.ppf(alpha / 2, a, b + 1), 0.0)
        p_hi = np.where(b > 0, stats.beta.ppf(1 - alpha / 2, a + 1, b), 1.0)
        rr = np.where(b > 0, a / b * scale, np.inf)
        lo = p_lo / (1 - p_lo) * scale
        hi = np.where(p_hi < 1, p_hi / (1 - p_hi) * scale, np.inf)
    p0 = t_after / (t_after + t_before)
    pv = np.array([stats.binomtest(int(x), int(m), p0).pvalue if m > 0 else np.nan for x, m in zip(a, n)])
    empty = n == 0
    return pd.DataFrame({"rate_ratio": np.where(empty, np.nan, rr), "ci_low": np.where(empty, np.nan, lo),
                         "ci_high": np.where(empty, np.nan, hi), "p_value": pv})


# -- over-dispersion ---------------------------------------------------------------------------
def dispersion_test(before_days: np.ndarray, after_days: np.ndarray) -> float:
    """P-value of the Pearson test of Poisson variation of daily counts in the two windows (1 when undefined).

    Examples
    --------
    >>> dispersion_test(np.array([0, 0, 9, 0, 0]), np.array([1, 1, 1, 1, 1])) < 0.05
    True
    """
    stat, df = 0.0, 0
    for y in (np.asarray(before_days, float), np.asarray(after_days, float)):
        if len(y) == 0:
            continue
        m = y.mean()
        df += len(y) - 1
        if m > 0:
            stat += ((y - m) ** 2 / m).sum()
    if df <= 0 or stat == 0:
        return 1.0
    return float(stats.chi2.sf(stat, df))


def rate_ratio_negbin(before_days: np.ndarray, after_days: np.ndarray, conf: float = 0.95) -> dict:
    """Negative-binomial rate ratio of daily counts: ML dispersion, Wald interval on the log ratio.

    With one mean per window the maximum-likelihood means are the window
    means; the dispersion α (variance = μ + α μ²) is fitted by maximum
    likelihood, and Var(log RR) = (1/μa + α)/Na + (1/μb + α)/Nb.

    Examples
    --------
    >>> r = rate_ratio_negbin(np.array([0, 0, 6, 0, 1, 0, 5]), np.array([3, 0, 9, 0, 7, 1, 8]))
    >>> bool(r["rate_ratio"] > 1 and r["ci_low"] < r["rate_ratio"] < r["ci_high"])
    True
    """
    yb, ya = np.asarray(before_days, float), np.asarray(after_days, float)
    mb, ma = yb.mean(), ya.mean()
    if mb <= 0 or ma <= 0:
        raise ValueError("negative-binomial rate ratio needs incidents in both windows")
    y = np.concatenate([yb, ya])
    mu = np.concatenate([np.full(len(yb), mb), np.full(len(ya), ma)])

    def nll(log_a: float) -> float:
        r = 1.0 / np.exp(log_a)
        return -stats.nbinom.logpmf(y, r, r / (r + mu)).sum()

    fit = optimize.minimize_scalar(nll, bounds=(-12.0, 5.0), method="bounded")
    disp = float(np.exp(fit.x))
    se = np.sqrt((1 / ma + disp) / len(ya) + (1 / mb + disp) / len(yb))
    rr = ma / mb
    zq = stats.norm.ppf(0.5 + conf / 2)
    return {"rate_ratio": rr, "ci_low": rr * np.exp(-zq * se), "ci_high": rr * np.exp(zq * se),
            "p_value": float(2 * stats.norm.sf(abs(np.log(rr)) / se)), "nb_dispersion": disp}


# -- placebo dates -------------------------------------------------------------------------------
def placebo_test(daily: np.ndarray, milestone_index: int, window_days: int, n: int = 999,
                 seed: int | None = 12345) -> tuple[float, int]:
    """Placebo p-value of the milestone's |log rate ratio| against random dates of the same daily series.

    A placebo date d is admissible when both its windows lie inside the series
    and do not overlap the milestone's (|d − M| ≥ 2N). Up to ``n`` admissible
    dates are drawn without replacement. Returns (p, number of dates used);
    p is NaN when no date is admissible.

    Examples
    --------
    >>> daily = np.zeros(400); daily[200:214] = 3
    >>> p, used = placebo_test(daily, 200, 14, n=200)
    >>> p < 0.05, used
    (True, 200)
    """
    c = np.concatenate([[0.0], np.cumsum(np.asarray(daily, float))])
    N, T = int(window_days), len(daily)
    cand = np.arange(N, T - N + 1)
    cand = cand[np.abs(cand - milestone_index) >= 2 * N]
    if len(cand) == 0:
        return float("nan"), 0
    rng = np.random.default_rng(seed)
    pick = rng.choice(cand, size=min(int(n), len(cand)), replace=False)

    def stat(m):
        after = c[m + N] - c[m]
        before = c[m] - c[m - N]
        return np.abs(np.log((after + 0.5) / (before + 0.5)))

    obs = stat(np.asarray([milestone_index]))[0]
    null = stat(pick)
    return float((1 + (null >= obs - 1e-12).sum()) / (len(pick) + 1)), int(len(pick))


# -- the table ------------------------------------------------------------------------------------
def _groups(incidents: pd.DataFrame, by: str) -> tuple[pd.Series, pd.DataFrame]:
    """Group id of each incident ('' when it has none) and the table of groups (group, name, governorate_iso)."""
    from iraq_atlas.analysis.hotspots import assign_cells, cell_grid, parse_cell

    if by == "all":
        groups = pd.DataFrame({"group": ["IQ"], "name": ["Iraq"], "governorate_iso": [""]})
        return pd.Series("IQ", index=incidents.index), groups
    spec = parse_cell(by)
    where = assign_cells(incidents, spec.label)
    grid = cell_grid(spec.label, where.loc[where["cell"] != "", "cell"].unique() if spec.kind == "h3" else ())
    if spec.kind == "adm1":
        iso = dict(zip(grid["cell"], grid["governorate_iso"]))
        ids = where["cell"].map(iso).fillna("")
        groups = pd.DataFrame({"group": grid["governorate_iso"], "name": grid["name"],
                               "governorate_iso": grid["governorate_iso"]}).sort_values("group")
        return ids, groups.reset_index(drop=True)
    if spec.kind == "h3":  # only hexagons with incidents: the rest would be rows of zeros
        grid = grid[grid["cell"].isin(where["cell"])]
    groups = pd.DataFrame({"group": grid["cell"], "name": grid["name"], "governorate_iso": grid["governorate_iso"]})
    return where["cell"], groups.reset_index(drop=True)


def milestone_effects(incidents: pd.DataFrame, milestones: pd.DataFrame, milestone_ids: Sequence[str] | str,
                      window_days: int = 14, *, by: str = "adm1", start=None, end=None, placebo: int = 999,
                      alpha: float = 0.05, seed: int | None = 12345) -> pd.DataFrame:
    """Rate ratio after/before each milestone per group, exact or negative-binomial interval, placebo test.

    Parameters
    ----------
    incidents : DataFrame
        Accepted incidents (``event_date``, ``time_precision``, geometry or
        latitude/longitude, ``geo_precision``, ``admin1``).
    milestones : DataFrame
        From :func:`iraq_atlas.analysis.timeline.load_milestones`.
    milestone_ids : str or list of str
        Milestones to centre the windows on.
    window_days : int
        N, the length of each window in days.
    by : str
        ``"adm1"`` (governorates), ``"adm2"``, ``"adm3"``, ``"h3:R"`` (hexagons with
        incidents) or ``"all"`` (Iraq as a whole).
    start, end : date-like, optional
        The daily series for the placebo dates (default: the first and last
        incident, widened to include the milestone windows).
    placebo : int
        Number of placebo dates (0: no placebo test).
    alpha : float
        Level of the dispersion test, the interval (1 − alpha) and the verdict.

    Returns
    -------
    DataFrame
        :data:`EFFECT_COLUMNS`, one row per milestone and group, zero groups included.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> from iraq_atlas.analysis.timeline import load_milestones
    >>> eff = milestone_effects(load_incidents().accepted, load_milestones(), "ed_2021", 14, placebo=99)
    >>> len(eff), set(eff["verdict"]) <= {"higher after", "lower after", "no detectable change", "no incidents"}
    (18, True)
    """
    from iraq_atlas.analysis.windows import baghdad_day, milestone_windows, window_membership

    if isinstance(milestone_ids, str):
        milestone_ids = [milestone_ids]
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"parameter 'alpha': must be between 0 and 1, not {alpha}")
    if int(placebo) < 0:
        raise ParameterError(f"parameter 'placebo': must be 0 or more, not {placebo}")
    if by != "all" and by not in ("adm1", "adm2", "adm3") and not str(by).startswith("h3:"):
        raise ParameterError(f"parameter 'by': {by!r} is not one of all, adm1, adm2, adm3, h3:R")
    windows = milestone_windows(milestones, list(milestone_ids), int(window_days))
    N = int(window_days)
    inc = incidents if "time_precision" in incidents.columns else incidents.assign(time_precision=1)
    gid, groups = _groups(inc, by)
    mem = window_membership(inc, windows)
    mem["group"] = gid.reindex(mem["row"]).to_numpy() if len(mem) else []
    days = baghdad_day(inc["event_date"]).set_axis(inc.index) if len(inc) else pd.Series([], dtype="datetime64[ns]")
    lo = min([d for d in [pd.Timestamp(start) if start else None, days.min() if len(days) else None]
              + list(windows["start"]) if d is not None and pd.notna(d)])
    hi = max([d for d in [pd.Timestamp(end) if end else None, days.max() if len(days) else None]
              + list(windows["end"]) if d is not None and pd.notna(d)])
    span = pd.date_range(lo, hi, freq="D")
    # daily series per group, by recorded day, incidents with a group only
    has = (gid != "").to_numpy()
    gi = pd.Index(groups["group"]).get_indexer(gid[has])
    di = span.get_indexer(days[has])
    ok = (gi >= 0) & (di >= 0)
    daily = np.zeros((len(groups), len(span)))
    np.add.at(daily, (gi[ok], di[ok]), 1)
    rows = []
    conf = 1 - float(alpha)
    for mid in milestone_ids:
        w = windows[windows["milestone_id"] == mid].set_index("window")
        mday = w.loc["after", "start"]
        m_idx = int(span.get_loc(mday))
        sub = mem[mem["milestone_id"] == mid]
        cnt = sub[sub["status"] == "in"].groupby(["group", "window"]).size()
        imp = sub[sub["status"] == "imprecise"].groupby("group").size()
        for g_i, g in enumerate(groups.itertuples(index=False)):
            a = int(cnt.get((g.group, "after"), 0))
            b = int(cnt.get((g.group, "before"), 0))
            yb, ya = daily[g_i, m_idx - N:m_idx], daily[g_i, m_idx:m_idx + N]
            disp_p = dispersion_test(yb, ya)
            row = {"milestone_id": mid, "milestone_date": mday, "group": g.group, "name": g.name,
                   "governorate_iso": g.governorate_iso, "window_days": N, "before": b, "after": a,
                   "imprecise": int(imp.get(g.group, 0)), "dispersion_p": disp_p}
            if disp_p < alpha and a > 0 and b > 0 and yb.mean() > 0 and ya.mean() > 0:
                row.update({k: v for k, v in rate_ratio_negbin(yb, ya, conf).items() if k != "nb_dispersion"})
                row["method"] = "negative binomial (over-dispersed)"
            else:
                ex = rate_ratio_exact([a], [b], N, N, conf).iloc[0]
                row.update(ex.to_dict())
                row["method"] = "exact conditional (Poisson)"
            if placebo and a + b > 0:
                pp, used = placebo_test(daily[g_i], m_idx, N, int(placebo), seed)
            else:
                pp, used = float("nan"), 0
            row["placebo_p"], row["placebo_dates"] = pp, used
            row["verdict"] = _verdict(a, b, row["ci_low"], row["ci_high"], pp, used, alpha)
            rows.append(row)
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    out.attrs["caption"] = EFFECTS_CAPTION
    out.attrs["by"] = by
    return out


def _verdict(a: int, b: int, lo: float, hi: float, placebo_p: float, used: int, alpha: float) -> str:
    if a + b == 0:
        return "no incidents"
    excludes_one = (lo > 1) or (hi < 1)
    placebo_ok = used == 0 or (np.isfinite(placebo_p) and placebo_p < alpha)
    if excludes_one and placebo_ok:
        return "higher after" if lo > 1 else "lower after"
    return "no detectable change"


def effect_table(effects: pd.DataFrame) -> pd.DataFrame:
    """The CLI's table: dates as YYYY-MM-DD, numbers rounded to 4 decimals.

    Parameters
    ----------
    effects : pandas.DataFrame
        From :func:`milestone_effects`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``milestone_date`` as text and the ratio, interval and p-value columns
        (those present) rounded; the other columns as they were.

    Examples
    --------
    >>> t = effect_table(pd.DataFrame({"milestone_date": [pd.Timestamp("2021-10-10")], "rate_ratio": [1 / 3]}))
    >>> t.values.tolist()
    [['2021-10-10', 0.3333]]
    """
    out = pd.DataFrame(effects).copy()
    if "milestone_date" in out:
        out["milestone_date"] = pd.to_datetime(out["milestone_date"]).dt.strftime("%Y-%m-%d")
    for c in ("rate_ratio", "ci_low", "ci_high", "p_value", "dispersion_p", "placebo_p"):
        if c in out:
            out[c] = out[c].astype(float).round(4)
    return out


__all__ = ["poisson_ci", "rate_ratio_exact", "rate_ratio_negbin", "dispersion_test", "placebo_test",
           "milestone_effects", "effect_table", "EFFECTS_CAPTION", "EFFECT_COLUMNS"]
