"""The errors the library raises for problems a user can fix.

Every one derives from :class:`IraqAtlasError`; the command line catches only
these (exit status 2, one clear message), so a bug still shows its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


class IraqAtlasError(Exception):
    """Base class of every user-facing error of the library."""


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row): file, 1-based data row, column and why.

    Examples
    --------
    >>> str(Problem("acled.csv", 3, "fatalities", "not a whole number: 'two'"))
    "acled.csv, row 3, column 'fatalities': not a whole number: 'two'"
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}"


class DataError(IraqAtlasError, ValueError):
    """Input that fails validation; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        head = "\n".join(f"  {p}" for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in input:\n{head}{more}")


class ParameterError(IraqAtlasError, ValueError):
    """A notebook parameter, or a command-line value, that is unknown or invalid."""


class OfflineAssetError(IraqAtlasError, RuntimeError):
    """A page would load a script or stylesheet from the network."""


class ServiceError(IraqAtlasError, RuntimeError):
    """A remote service (ACLED, UCDP, geoBoundaries, Nominatim) failed or refused the request."""


class OutputError(IraqAtlasError, OSError):
    """An output cannot be written: a read-only or full disk, or a file or folder in the way."""


class RunLocked(IraqAtlasError, RuntimeError):
    """Another report run is writing into the same report folder."""


class ToolMissingError(IraqAtlasError, RuntimeError):
    """A program a command needs is not installed (Chromium for ``iraq-atlas report --pdf``)."""
