"""``iraq-atlas``: a thin command line over the library (each command calls one library function)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, IraqAtlasError, ParameterError


def _print_table(df: pd.DataFrame, fmt: str) -> None:
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
    from iraq_atlas.places.geocoding import Geocoder, OnlineGeocoder

    from iraq_atlas import settings

    _check_online_delay(args)
    online = None
    if args.online:
        cache = args.online_cache or settings.cache_dir() / "nominatim.json"
        online = OnlineGeocoder(cache_path=cache, domain=args.online_domain,
                                scheme=args.online_scheme, min_delay_seconds=args.online_delay,
                                deadline_seconds=args.online_deadline)
    res = Geocoder(online=online).geocode_names(args.names)
    cols = ["query", "place_id", "name", "lat", "lon", "governorate_iso", "confidence", "status"]
    _print_table(res[cols], args.format)
    return 0


def cmd_params(args) -> int:
    from iraq_atlas.runner.params import describe, read_params
    from iraq_atlas.runner.plan import default_notebooks_dir, discover

    path = Path(args.notebook)
    if not path.exists():
        found = discover(Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir(),
                         [args.notebook])
        path = found[0]
    rows = describe(read_params(path))
    _print_table(pd.DataFrame(rows, columns=["name", "type", "default", "help"]), args.format)
    return 0


def _parse_overrides(pairs: list[list[str]] | None, params_file: str | None) -> dict:
    import yaml

    values: dict = {}
    if params_file:
        if not Path(params_file).is_file():
            raise ParameterError(f"--params: {params_file} does not exist")
        with open(params_file, encoding="utf-8") as fh:
            loaded = yaml.safe_load(fh) or {}
        if not isinstance(loaded, dict):
            raise ParameterError(f"{params_file}: expected a mapping of parameter names to values")
        values.update(loaded)
    for name, value in pairs or []:
        values[name] = value  # text: converted with the declared type, never guessed
    return values


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the runner is (so it cleans up as for Ctrl-C)."""


def _on_sigterm(signum, frame):
    raise Terminated()


def cmd_report(args) -> int:
    from iraq_atlas.runner.plan import RunOptions, default_notebooks_dir, discover, plan, project_root
    from iraq_atlas.runner.report import run_report

    root = project_root()
    overrides = _parse_overrides(args.parameter, args.params)
    sweep = None
    if args.sweep:
        name, _, values = args.sweep.partition("=")
        if not values:
            raise ParameterError("--sweep takes NAME=V1,V2,...")
        sweep = (name.strip(), [v.strip() for v in values.split(",") if v.strip()])
    notebooks = discover(Path(args.notebooks_dir) if args.notebooks_dir else default_notebooks_dir(),
                         args.notebooks.split(",") if args.notebooks else None)
    jobs = plan(notebooks, overrides, sweep)  # validates everything before any kernel starts
    opts = RunOptions(out=Path(args.out) if args.out else root / "reports", jobs=args.jobs,
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
              + (f"  {r.error.splitlines()[0]}" if r.error else ""))
        if r.stray:
            print(f"    not published (outside maps/ figures/ tables/): {', '.join(r.stray)}")
    if args.pdf:
        from iraq_atlas.runner.publish import write_pdf

        print(f"pdf: {write_pdf(run_dir, results)}")
    return 1 if failed else 0


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
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
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
    except RuntimeError as exc:
        from iraq_atlas.runner.publish import RunLocked

        if isinstance(exc, RunLocked):
            print(f"iraq-atlas: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
