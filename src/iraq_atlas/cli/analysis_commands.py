"""``iraq-atlas hotspots`` and ``iraq-atlas effects``: emerging hot spots and milestone effects.

Each command calls one library function (:func:`iraq_atlas.analysis.hotspots.emerging_hotspots`,
:func:`iraq_atlas.analysis.effects.milestone_effects`) and prints its table.
Bad values raise :class:`iraq_atlas.errors.ParameterError` (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from iraq_atlas.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd


def _print_table(df: pd.DataFrame, fmt: str) -> None:
    try:
        from iraq_atlas.cli import _print_table as shared
    except ImportError:  # pragma: no cover - the package always has it
        shared = None
    if shared is not None:
        shared(df, fmt)
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")


def _source_args(p: argparse.ArgumentParser) -> None:
    from iraq_atlas.cli.commands import add_source_args

    add_source_args(p)
    p.add_argument("--format", default="csv", help="output: csv, json or table")


def _check_format(args) -> None:
    if args.format not in ("csv", "json", "table"):
        raise ParameterError(f"--format: {args.format!r} is not one of csv, json, table")


def _load(args):
    """The accepted incidents of ``--source``; ``accepted N, rejected M, excluded K`` on stderr."""
    from iraq_atlas.cli.commands import load_mapped_source, report_counts

    loaded = load_mapped_source(args)
    report_counts(loaded)
    return loaded.accepted


def _positive_int(text: str, name: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: not a whole number: {text!r}") from None
    return value


def cmd_hotspots(args) -> int:
    """Print one row per cell: cell, name, governorate_iso, category, trend_z, trend_p, sen_slope, last_gi_z, events."""
    from iraq_atlas.analysis.hotspots import emerging_hotspots, hotspot_table, parse_cell, parse_step

    _check_format(args)
    parse_cell(args.cell)
    parse_step(args.step)
    window = _positive_int(args.time_window, "--time-window")
    order = _positive_int(args.order, "--order")
    try:
        alpha = float(args.alpha)
        distance = float(args.distance_km) if args.distance_km is not None else None
    except ValueError:
        raise ParameterError("--alpha and --distance-km take numbers") from None
    perms = _positive_int(args.permutations, "--permutations")
    jobs = _positive_int(args.jobs, "--jobs")
    if jobs == 0 or jobs < -1:
        raise ParameterError(f"--jobs: 1 or more processes, or -1 for every core, not {jobs}")
    seed = _positive_int(args.seed, "--seed")
    if seed < 0:
        raise ParameterError(f"--seed: 0 or more, not {seed}")
    incidents = _load(args)
    res = emerging_hotspots(incidents, args.cell, args.step, args.start, args.end,
                            neighbourhood=args.neighbourhood, order=order, distance_km=distance,
                            time_window=window, p_values="permutation" if perms > 0 else "analytical",
                            permutations=max(perms, 1), alpha=alpha, fdr=not args.no_fdr,
                            min_neighbourhood_events=_positive_int(args.min_events, "--min-events"),
                            seed=seed, n_jobs=jobs)
    print(f"neighbourhood: {res.attrs['neighbourhood']}; dropped: {res.attrs.get('dropped') or 'none'}",
          file=sys.stderr)
    _print_table(hotspot_table(res), args.format)
    return 0


def cmd_effects(args) -> int:
    """Print one row per milestone and group: counts before/after, rate ratio, interval, placebo, verdict."""
    from iraq_atlas.analysis.effects import EFFECTS_CAPTION, effect_table, milestone_effects
    from iraq_atlas.analysis.timeline import load_milestones

    _check_format(args)
    days = _positive_int(args.window_days, "--window-days")
    if days < 1:
        raise ParameterError(f"--window-days: at least 1, not {days}")
    placebo = _positive_int(args.placebo, "--placebo")
    incidents = _load(args)
    eff = milestone_effects(incidents, load_milestones(), [m.strip() for m in args.milestone.split(",") if m.strip()],
                            days, by=args.by, start=args.start, end=args.end, placebo=placebo,
                            seed=_positive_int(args.seed, "--seed"))
    print(EFFECTS_CAPTION, file=sys.stderr)
    _print_table(effect_table(eff), args.format)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``hotspots`` and ``effects`` to the ``iraq-atlas`` sub-commands."""
    h = sub.add_parser("hotspots", help="emerging hot spots: Gi* per cell and step, trends and categories")
    _source_args(h)
    h.add_argument("--cell", default="h3:5", help="h3:R (H3 resolution R), adm1, adm2 or adm3 (default h3:5)")
    h.add_argument("--step", default="month", help="week, month or quarter (default month)")
    h.add_argument("--neighbourhood", default="contiguity", help="contiguity or distance")
    h.add_argument("--order", default="1", help="rings (H3) or contiguity order (admin units)")
    h.add_argument("--distance-km", default=None, help="distance band in km (with --neighbourhood distance)")
    h.add_argument("--time-window", default="0", help="previous steps in each neighbourhood (default 0)")
    h.add_argument("--permutations", default="0", help="permutation p-values with this many shuffles (0: analytical)")
    h.add_argument("--jobs", default="1",
                   help="processes for the permutations (-1: every core); the p-values do not depend on it")
    h.add_argument("--seed", default="12345", help="random seed of the permutations (default 12345)")
    h.add_argument("--alpha", default="0.05", help="significance level after the FDR correction")
    h.add_argument("--min-events", default="1",
                   help="a hot spot needs at least this many incidents in its neighbourhood (default 1)")
    h.add_argument("--no-fdr", action="store_true", help="no Benjamini-Hochberg correction")
    h.set_defaults(func=cmd_hotspots)

    e = sub.add_parser("effects", help="incidents after vs before a milestone: rate ratio, exact interval, placebo")
    _source_args(e)
    e.add_argument("--milestone", required=True, help="milestone_id (comma-separated for several)")
    e.add_argument("--window-days", default="14", help="days in each window (default 14)")
    e.add_argument("--by", default="adm1", help="adm1, adm2, adm3, h3:R or all (default adm1)")
    e.add_argument("--placebo", default="999", help="number of placebo dates (0: none)")
    e.add_argument("--seed", default="12345", help="random seed of the placebo dates")
    e.set_defaults(func=cmd_effects)


__all__ = ["add_parsers", "cmd_hotspots", "cmd_effects"]
