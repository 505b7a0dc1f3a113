"""Domain subcommands of ``iraq-atlas`` (elections, incidents, merge, map, geoparse).

Kept apart from cli.py so each domain adds its command in one place.
"""

from __future__ import annotations

import argparse


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
    p.add_argument("--format-in", choices=["auto", "curated", "acled", "ucdp"], default="auto",
                   help="input format (default: guessed from the columns)")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")


def _register_incidents(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas incidents`` (validated table) and ``iraq-atlas map`` (self-contained incident map)."""
    import sys

    i = sub.add_parser("incidents", help="validate curated, ACLED or UCDP incidents; print accepted rows")
    _incident_source_args(i)
    i.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    i.add_argument("--rejected", metavar="FILE", help="write rejected rows with reasons here (default: stderr)")

    def run_incidents(args) -> int:
        from iraq_atlas.incidents.load import as_table, load_incidents

        loaded = load_incidents(args.source, args.format_in, args.start, args.end)
        print_table(as_table(loaded.accepted), args.format)
        if args.rejected:
            loaded.rejected.to_csv(args.rejected, index=False, lineterminator="\n")
        elif len(loaded.rejected):
            loaded.rejected.to_csv(sys.stderr, index=False, lineterminator="\n")
        print(loaded.summary(), file=sys.stderr)
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
