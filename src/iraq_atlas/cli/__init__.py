"""``iraq-atlas``: a thin command line over the library (each command calls one library function).

Building the parser imports nothing heavy (no pandas, geopandas, matplotlib, folium or Jupyter):
each command imports what it needs when it runs, so ``--help`` and the quick commands start at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from iraq_atlas.errors import DataError, IraqAtlasError, ParameterError

if TYPE_CHECKING:
    import pandas as pd


def _print_table(df: pd.DataFrame, fmt: str) -> None:
    import pandas as pd

    if fmt == "csv":
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt == "json":
        sys.stdout.write(df.to_json(orient="records", force_ascii=False, date_format="iso") + "\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
            print(df.to_string(index=False))


def _check_online_delay(args) -> None:
    """``--online-delay``: a finite number of seconds ≥ 0 (ParameterError otherwise)."""
    import math

    if not math.isfinite(args.online_delay) or args.online_delay < 0:
        raise ParameterError(f"--online-delay: seconds between requests must be 0 or more, not {args.online_delay:g}")
    if not math.isfinite(args.online_deadline) or args.online_deadline <= 0:
        raise ParameterError(f"--online-deadline: must be a number of seconds above 0, not {args.online_deadline:g}")


def cmd_geocode(args) -> int:
    from iraq_atlas import settings
    from iraq_atlas.places.answer_index import CLI_COLUMNS, fast_answer

    _check_online_delay(args)
    if not args.online:  # names the answer index holds are answered without building the geocoder
        text = fast_answer(args.names, args.format)
        if text is not None:
            sys.stdout.write(text)
            return 0
    from iraq_atlas.places.geocoding import Geocoder, OnlineGeocoder

    online = None
    if args.online:
        cache = args.online_cache or settings.cache_dir() / "nominatim.json"
        online = OnlineGeocoder(cache_path=cache, domain=args.online_domain,
                                scheme=args.online_scheme, min_delay_seconds=args.online_delay,
                                deadline_seconds=args.online_deadline)
    res = Geocoder(online=online).geocode_names(args.names)[CLI_COLUMNS]
    _print_table(res, args.format)
    if online is None:  # the next run answers these names from the index too
        from iraq_atlas.places.answer_index import remember

        remember(res.astype(object).values.tolist())
    return 0


def _print_rows(rows: list[dict], columns: list[str], fmt: str) -> None:
    """A few rows of plain values as CSV, JSON records or an aligned table, without pandas."""
    import csv
    import json

    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if r[c] is None else r[c] for c in columns] for r in rows])
    elif fmt == "json":
        records = [{c: r[c] for c in columns} for r in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
    else:
        cells = [columns] + [[" ".join(str(r[c]).split()) for c in columns] for r in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        for line in cells:
            print("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())


def cmd_params(args) -> int:
    from iraq_atlas.runner.params import describe, read_params
    from iraq_atlas.runner.plan import default_notebooks_dir, discover

    path = Path(args.notebook)
    if not path.exists():
        found = discover(Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir(),
                         [args.notebook])
        path = found[0]
    _print_rows(describe(read_params(path)), ["name", "type", "default", "help"], args.format)
    return 0


def _parse_overrides(pairs: list[list[str]] | None, params_file: str | None) -> tuple[dict, dict]:
    """Values from ``--params FILE`` and ``-p NAME VALUE`` (the latter win), and where each came from.

    The second mapping gives, per name, the folder a relative path is read from: the
    parameter file's folder for its values, the current directory for ``-p``.
    """
    values: dict = {}
    bases: dict = {}
    if params_file:
        import yaml

        if not Path(params_file).is_file():
            raise ParameterError(f"--params: {params_file} does not exist")
        try:
            text = Path(params_file).read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParameterError(f"{params_file}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
        try:
            loaded = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            why = getattr(exc, "problem", None) or str(exc)
            raise ParameterError(f"{params_file}{where}: not valid YAML ({why})") from None
        if not isinstance(loaded, dict):
            raise ParameterError(f"{params_file}: expected a mapping of parameter names to values")
        values.update({str(k): v for k, v in loaded.items()})
        folder = Path(params_file).resolve().parent
        bases.update({str(k): (folder, str(params_file)) for k in loaded})
    for name, value in pairs or []:
        values[name] = value  # text: converted with the declared type, never guessed
        bases[name] = (Path.cwd(), "-p")
    return values, bases


def _jobs(value: int) -> int:
    """``--jobs``: notebooks at once, ``-1`` for one per core; 0 and below -1 are refused."""
    if value == -1:
        return os.cpu_count() or 1
    if value < 1:
        raise ParameterError(f"--jobs: the number of notebooks run at once must be 1 or more "
                             f"(or -1 for one per core), not {value}")
    return value


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the runner is (so it cleans up as for Ctrl-C)."""


def _on_sigterm(signum, frame):
    raise Terminated()


def cmd_report(args) -> int:
    from iraq_atlas.runner.plan import RunOptions, default_notebooks_dir, discover, plan, project_root
    from iraq_atlas.runner.report import run_report

    root = project_root()
    jobs_at_once = _jobs(args.jobs)
    overrides, bases = _parse_overrides(args.parameter, args.params)
    sweep = None
    if args.sweep:
        name, _, values = args.sweep.partition("=")
        if not values:
            raise ParameterError("--sweep takes NAME=V1,V2,...")
        sweep = (name.strip(), [v.strip() for v in values.split(",") if v.strip()])
    notebooks = discover(Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir(),
                         args.notebooks.split(",") if args.notebooks else None)
    jobs = plan(notebooks, overrides, sweep, bases)  # validates everything before any kernel starts
    opts = RunOptions(out=Path(args.out) if args.out else root / "reports", jobs=jobs_at_once,
                      force=args.force, no_input=args.no_input, executor=args.executor,
                      scheduler=args.scheduler, kernel_name=args.kernel, timeout=args.timeout,
                      progress=not args.quiet, kernel_pool=args.kernel_pool,
                      verbose=args.verbose)
    if args.pdf:  # before any notebook runs: say at once what is missing
        from iraq_atlas.runner.publish import require_chromium

        require_chromium()
    import signal

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        run_dir, results = run_report(jobs, opts)
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [r for r in results if r.status != "ok"]
    print(f"report: {run_dir / 'index.html'}")
    for r in results:
        print(f"  {r.slug:<44} {'reused' if r.cached else r.status:<7} {r.duration_s:6.1f}s"
              + (f"  {_first_problem(r.error)}" if r.error else ""))
        if r.stray:
            print(f"    not published (outside maps/ figures/ tables/): {', '.join(r.stray)}")
    if args.pdf:
        from iraq_atlas.runner.publish import write_pdf

        print(f"pdf: {write_pdf(run_dir, results)}")
    return 1 if failed else 0


def _first_problem(error: str) -> str:
    r"""The error's first line, and when that only counts problems, the first problem in full.

    >>> _first_problem("DataError: 2 problem(s) in input:\n  a.csv, row 3, column date: bad date\n  b")
    'DataError: 2 problem(s) in input: a.csv, row 3, column date: bad date'
    >>> _first_problem("KeyError: 'x'")
    "KeyError: 'x'"
    """
    lines = [line for line in error.splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1 and lines[0].rstrip().endswith(":"):
        return f"{lines[0].rstrip()} {lines[1].strip()}"
    return lines[0]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="iraq-atlas", description="Political geography of Iraq: places, elections, incidents, maps and reports.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("geocode", help="resolve place names with the offline gazetteer")
    g.add_argument("names", nargs="+")
    g.add_argument("--format", choices=["csv", "json", "table"], default="table")
    g.add_argument("--online", action="store_true", help="ask Nominatim for names the gazetteer lacks (off by default)")
    g.add_argument("--online-domain", default="nominatim.openstreetmap.org")
    g.add_argument("--online-scheme", default="https", choices=["http", "https"])
    g.add_argument("--online-delay", type=float, default=1.0, help="seconds between requests")
    g.add_argument("--online-cache", help="answers cache (default: nominatim.json in $IRAQ_ATLAS_CACHE or ~/.cache/iraq-atlas)")
    g.add_argument("--online-deadline", type=float, default=60.0, help="seconds for all online look-ups together")
    g.set_defaults(func=cmd_geocode)

    r = sub.add_parser("report", help="run the notebooks into a browsable HTML report")
    r.add_argument("--params", metavar="FILE.yaml", help="parameter values (YAML mapping)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    r.add_argument("--notebooks", help="comma-separated numbers or names, e.g. 01,03")
    r.add_argument("--notebooks-dir", metavar="DIR",
                   help="run the notebooks of this folder (default: those shipped with the package)")
    r.add_argument("--sweep", metavar="NAME=V1,V2,...", help="run each notebook declaring NAME once per value")
    r.add_argument("--jobs", type=int, default=-1, metavar="N",
                   help="notebooks run at once (default -1: one per core)")
    r.add_argument("--out", help="report folder (default: reports/)")
    r.add_argument("--force", action="store_true", help="re-run even notebooks whose inputs are unchanged")
    r.add_argument("--no-input", action="store_true", help="hide code cells in the HTML")
    r.add_argument("--executor", choices=["local", "dask"], default="local")
    r.add_argument("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler address")
    r.add_argument("--kernel", help="Jupyter kernel name (default: the notebook's own)")
    r.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--pdf", action="store_true",
                   help="also print the whole report into <run>/report.pdf with headless Chromium")
    r.add_argument("--kernel-pool", type=int, metavar="N",
                   help="kernels started ahead of their notebooks, booting while others run "
                        "(default: as many as --jobs; 0 starts each kernel when its notebook starts)")
    r.set_defaults(func=cmd_report)

    pa = sub.add_parser("params", help="list a notebook's parameters with defaults, types and help")
    pa.add_argument("notebook", help="path, number (01) or name")
    pa.add_argument("--notebooks-dir", metavar="DIR", help="folder to find a numbered notebook in")
    pa.add_argument("--format", choices=["csv", "json", "table"], default="table")
    pa.set_defaults(func=cmd_params)
    _register_optional(sub)
    return p


def _register_optional(sub) -> None:
    """Commands contributed by the domain modules (elections, incidents, merge, maps, geoparse)."""
    from iraq_atlas.cli import analysis_commands, commands, fetch_commands

    commands.register(sub, _print_table)
    fetch_commands.add_parsers(sub)
    analysis_commands.add_parsers(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s",
                        stream=sys.stderr)
    try:
        return args.func(args)
    except DataError as exc:  # one problem: one line; several: the count, then one line per problem
        if len(exc.problems) == 1:
            print(f"iraq-atlas: error: {' '.join(str(exc.problems[0]).split())}", file=sys.stderr)
        else:
            print(f"iraq-atlas: error: {exc}", file=sys.stderr)
        return 2
    except IraqAtlasError as exc:  # only the library's own errors: a bug keeps its traceback
        print(f"iraq-atlas: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Terminated:
        print("iraq-atlas: terminated; the previous report is untouched", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("iraq-atlas: interrupted; the previous report is untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
