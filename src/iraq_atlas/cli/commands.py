"""Domain subcommands of ``iraq-atlas`` (elections, incidents, merge, map, geoparse).

Kept apart from cli.py so each domain adds its command in one place.
"""

from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction, print_table) -> None:
    """Add the domain commands to the CLI."""
    _register_elections(sub, print_table)
    _register_incidents(sub, print_table)
    _register_geoparse(sub, print_table)
    _register_merge(sub, print_table)
    return None


def _register_elections(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas elections --year YEAR --by list|bloc|governorate``: seats from the validated tables."""
    from iraq_atlas.elections.load import YEARS

    e = sub.add_parser("elections", help="seats won in the 2018, 2021 or 2025 election, by list, bloc or governorate")
    when = e.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", type=int, choices=list(YEARS))
    when.add_argument("--years", metavar="Y1,Y2,...", help="with --by bloc: seats in each year and the change")
    e.add_argument("--by", choices=["list", "bloc", "governorate"], default="list",
                   help="governorate counts every seat elected there, minority quota seats included")
    e.add_argument("--governorate", metavar="ISO", help="with --by list: the seats each list won in one governorate")
    e.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.elections.load import bloc_change_table, seats_table
        from iraq_atlas.errors import IraqAtlasError, ParameterError

        if args.years:
            if args.by != "bloc" or args.governorate:
                raise ParameterError("--years works with --by bloc (and no --governorate)")
            try:
                years = [int(y) for y in args.years.split(",") if y.strip()]
            except ValueError:
                raise ParameterError(f"--years: not a comma-separated list of years: {args.years!r}") from None
            try:
                table = bloc_change_table(years)
            except ValueError as exc:
                raise ParameterError(f"--years: {exc}") from None
            print_table(table, args.format)
            return 0
        if args.governorate and args.by != "list":
            raise ParameterError("--governorate works with --by list")
        try:
            table = seats_table(args.year, args.by, governorate=args.governorate)
        except IraqAtlasError:
            raise
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        print_table(table, args.format)
        return 0

    e.set_defaults(func=run)


def _incident_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", metavar="FILE", help="ACLED / UCDP GED export or curated-format CSV (default: curated set)")
    p.add_argument("--format-in", choices=["auto", *importlib.import_module("iraq_atlas.incidents.sources").FORMATS], default="auto",
                   help="input format (default: guessed from the columns)")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")


def _incident_sources_args(p: argparse.ArgumentParser) -> None:
    """The incidents command's inputs: one or more sources, their format and mapping, the date window."""
    from iraq_atlas.incidents.sources import FORMATS

    p.add_argument("--source", metavar="FILE", action="append",
                   help="ACLED / UCDP GED export, curated-format CSV, or your own table (CSV, Parquet, .xlsx, "
                        "GeoJSON); repeat for several (default: curated set)")
    p.add_argument("--format-in", choices=["auto", *FORMATS], default="auto",
                   help="input format (default: guessed from the columns)")
    p.add_argument("--columns", metavar="MAP",
                   help="generic/geojson: schema=file column pairs, e.g. date=Date,latitude=Lat,longitude=Lon,"
                        "event_type=Type, or a YAML/JSON file of them")
    p.add_argument("--event-types", metavar="MAP",
                   help="generic/geojson: your type values onto ACLED's, e.g. 'Airstrike=Explosions/Remote "
                        "violence|Air/drone strike', or a YAML/JSON file")
    p.add_argument("--month-first", action="store_true", help="generic: read numeric dates as MM/DD/YYYY")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")
    p.add_argument("--dedupe", action="store_true",
                   help="with two or more --source: one timeline, rows of the same event linked (none dropped)")
    p.add_argument("--distance-km", type=float, default=10.0, help="--dedupe: largest distance (default 10)")
    p.add_argument("--days", type=int, default=1, help="--dedupe: largest date difference (default 1)")
    p.add_argument("--pairs", metavar="FILE", help="--dedupe: write the candidate pairs for review here")


def _mapping_arg(value: str | None, what: str) -> dict | None:
    """``a=b,c=d`` or a YAML/JSON file of the same → dict; ParameterError when neither."""
    from pathlib import Path

    from iraq_atlas.errors import ParameterError

    if not value:
        return None
    if value.lower().endswith((".yaml", ".yml", ".json")):
        path = Path(value)
        if not path.exists():
            raise ParameterError(f"{what}: no file {value!r}")
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ParameterError(f"{what}: {value} does not hold a mapping")
        return {str(k): v for k, v in data.items()}
    out = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ParameterError(f"{what}: expected NAME=VALUE pairs separated by commas, not {part!r}")
        out[key.strip()] = val.strip()
    return out


def _source_options(args) -> dict:
    """Reader options from the command line (only those given, so curated/ACLED/UCDP take none)."""
    options = {"columns": _mapping_arg(args.columns, "--columns"),
               "event_types": _mapping_arg(args.event_types, "--event-types"),
               "dayfirst": False if args.month_first else None}
    return {k: v for k, v in options.items() if v is not None}


def _source_names(files: list[str]) -> list[str]:
    """One name per source for the timeline: the file's stem, numbered when two share it."""
    from pathlib import Path

    names = []
    for f in files:
        stem = Path(f).stem or "source"
        name, k = stem, 2
        while name in names:
            name, k = f"{stem}_{k}", k + 1
        names.append(name)
    return names


def _register_incidents(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas incidents`` (validated table) and ``iraq-atlas map`` (self-contained incident map)."""
    import sys

    i = sub.add_parser("incidents", help="validate curated, ACLED, UCDP or your own incidents; print accepted rows")
    _incident_sources_args(i)
    i.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    i.add_argument("--rejected", metavar="FILE", help="write rejected rows with reasons here (default: stderr)")

    def run_incidents(args) -> int:
        import pandas as pd

        from iraq_atlas.errors import ParameterError
        from iraq_atlas.incidents.load import as_table, load_incidents

        sources = args.source or [None]
        options = _source_options(args)
        if args.dedupe and len(sources) < 2:
            raise ParameterError("--dedupe needs two or more --source files")
        loaded = [load_incidents(src, args.format_in, args.start, args.end, **options) for src in sources]
        if args.dedupe:
            from iraq_atlas.incidents.dedupe import link_duplicates

            names = _source_names([s.file for s in loaded])
            linked = link_duplicates({n: s.accepted for n, s in zip(names, loaded)}, args.distance_km, args.days)
            table = linked.timeline
            out = as_table(table)
            out.insert(0, "origin", table["origin"].to_numpy())
            for col in ("uid", "duplicate_of", "match_score"):
                out[col] = table[col].to_numpy()
            print_table(out, args.format)
            if args.pairs:
                linked.pairs.to_csv(args.pairs, index=False, lineterminator="\n")
        else:
            accepted = pd.concat([s.accepted for s in loaded], ignore_index=True) if len(loaded) > 1 \
                else loaded[0].accepted
            print_table(as_table(accepted), args.format)
        rejected = pd.concat([s.rejected for s in loaded], ignore_index=True) if len(loaded) > 1 \
            else loaded[0].rejected
        if args.rejected:
            rejected.to_csv(args.rejected, index=False, lineterminator="\n")
        elif len(rejected):
            rejected.to_csv(sys.stderr, index=False, lineterminator="\n")
        for s in loaded:
            print((f"{s.file}: " if len(loaded) > 1 else "") + s.summary(), file=sys.stderr)
        if args.dedupe:
            print(linked.summary(), file=sys.stderr)
        return 0

    i.set_defaults(func=run_incidents)

    m = sub.add_parser("map", help="write the incident map as one self-contained HTML page")
    _incident_source_args(m)
    m.add_argument("--out", metavar="PATH.html", required=True)
    m.add_argument("--boundaries", metavar="PATH", help="governorate boundaries file or folder")
    m.add_argument("--cluster", choices=["auto", "yes", "no"], default="auto")

    def run_map(args) -> int:
        from iraq_atlas.incidents.load import load_incidents
        from iraq_atlas.places.boundaries import load_boundaries
        from iraq_atlas.viz.maps import save_incident_map

        loaded = load_incidents(args.source, args.format_in, args.start, args.end)
        cluster = {"auto": None, "yes": True, "no": False}[args.cluster]
        path = save_incident_map(loaded.accepted, args.out, boundaries=load_boundaries("ADM1", args.boundaries),
                                 cluster=cluster)
        print(f"{loaded.summary()}; map: {path}", file=sys.stderr)
        return 0

    m.set_defaults(func=run_map)


def _register_geoparse(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas geoparse FILE ... --published YYYY-MM-DD``: places, dates, casualties in article text."""
    g = sub.add_parser("geoparse", help="find places, dates, casualty figures and events in news text")
    g.add_argument("files", nargs="+", metavar="FILE", help="text files or folders of .txt files")
    g.add_argument("--published", required=True, metavar="YYYY-MM-DD", help="publication date (Asia/Baghdad)")
    g.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.geoparse import cli_table

        print_table(cli_table(args.files, args.published), args.format)
        return 0

    g.set_defaults(func=run)


def _register_merge(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas merge``: incidents per governorate with seats, one row per governorate (zeros kept)."""
    g = sub.add_parser("merge", help="incidents per governorate joined with 2018/2021 seats (all 18 governorates)")
    _incident_source_args(g)
    g.add_argument("--boundaries", metavar="PATH", help="governorate boundaries file or folder")
    g.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.analysis.merge import summary_table

        print_table(summary_table(args.source, args.format_in, args.start, args.end, args.boundaries), args.format)
        return 0

    g.set_defaults(func=run)
