"""The report runner: parameters, planning, cache, execution and publishing of the notebooks.

The names below are loaded on first use (``iraq_atlas.runner.read_params``;
:func:`~iraq_atlas.runner.report.run_report` makes a whole run); ``plan``,
``params``, ``cache``, ``execute``, ``publish`` and ``report`` are the modules.
"""

from __future__ import annotations

import importlib
from typing import Any

# each public name and the module that holds it
_HOMES = {
    **dict.fromkeys(("Job", "JobResult", "RunOptions", "discover", "default_notebooks_dir", "output_folders"),
                    "plan"),
    **dict.fromkeys(("Parameter", "NotebookParams", "read_params", "resolve", "describe"), "params"),
    "run_report": "report",
}
_MODULES = ("plan", "params", "cache", "execute", "publish", "report")


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_MODULES})


__all__ = ["Job", "JobResult", "RunOptions", "discover", "default_notebooks_dir", "output_folders",
           "Parameter", "NotebookParams", "read_params", "resolve", "describe", "run_report"]
