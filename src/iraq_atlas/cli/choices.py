"""Choices of a command-line option read from the library only when a value is checked.

``argparse`` keeps an option's ``choices`` as given and only looks inside when it checks a
value or formats that command's help. A :class:`LazyChoices` loads the real list at that
moment, so building the parser (and ``iraq-atlas --help``) does not import the module that
holds the list (the incident source registry, the election tables) and all it depends on.
Give the option a ``metavar``: argparse would otherwise list the choices while adding it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


class LazyChoices:
    """A container of allowed values, loaded by ``load()`` the first time it is asked.

    Parameters
    ----------
    load : callable
        Returns the allowed values (an iterable); called at most once.

    Examples
    --------
    >>> calls = []
    >>> formats = LazyChoices(lambda: calls.append(1) or ("auto", "acled"))
    >>> calls
    []
    >>> "acled" in formats, "xlsx" in formats, list(formats), len(calls)
    (True, False, ['auto', 'acled'], 1)
    """

    def __init__(self, load: Callable[[], Iterable[Any]]):
        self._load = load
        self._values: tuple | None = None

    def _get(self) -> tuple:
        if self._values is None:
            self._values = tuple(self._load())
        return self._values

    def __contains__(self, value: object) -> bool:
        return value in self._get()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return f"LazyChoices({list(self._values) if self._values is not None else '…'})"
