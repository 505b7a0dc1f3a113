"""Domain subcommands of ``iraq-atlas`` (elections, incidents, merge, map, geoparse).

Kept apart from cli.py so each domain adds its command in one place.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, print_table) -> None:
    """Add the domain commands to the CLI."""
    return None
