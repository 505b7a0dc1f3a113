"""The report runner: parameters, planning, cache, execution and publishing of the notebooks.

The names below are loaded on first use (``iraq_atlas.runner.read_params``;
:func:`~iraq_atlas.runner.report.run_report` makes a whole run); ``plan``,
``params``, ``cache``, ``execute``, ``publish`` and ``report`` are the modules.
"""

from __future__ import annotations

import lazy_loader

# each public name and the module that holds it
_HOMES = {
    **dict.fromkeys(("Job", "JobResult", "RunOptions", "discover", "default_notebooks_dir", "output_folders"),
                    "plan"),
    **dict.fromkeys(("Parameter", "NotebookParams", "read_params", "resolve", "describe"), "params"),
    "run_report": "report",
}
_MODULES = ("plan", "params", "cache", "execute", "publish", "report")
# the names load from their modules on first use, so importing the package stays cheap
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__, submodules=_MODULES,
    submod_attrs={m: [n for n, home in _HOMES.items() if home == m] for m in set(_HOMES.values())})


__all__ = ["Job", "JobResult", "RunOptions", "discover", "default_notebooks_dir", "output_folders",
           "Parameter", "NotebookParams", "read_params", "resolve", "describe", "run_report"]
