"""Slow work belongs to tests marked ``slow``: an unmarked test that starts it fails.

A pytest plugin, loaded by tests/conftest.py, so that ``pytest -m "not slow"`` stays a quick
run. It watches the places where slow work starts:

* a Jupyter kernel: ``jupyter_client``'s ``KernelManager._async_launch_kernel``, which every
  kernel of papermill, nbclient and the report runner goes through;
* a dask cluster: ``distributed``'s ``SpecCluster.__init__`` (``LocalCluster``, and the cluster
  a bare ``Client()`` starts);
* headless Chromium: the ``chromium`` fixture of tests/browser.py calls :func:`require_slow`,
  and a ``subprocess.Popen`` of a Chromium program (the PDF printer) is checked too;
* a notebook run: ``run_notebook`` of tests/conftest.py calls :func:`require_slow`.

A test marked ``notebook`` or ``browser`` but not ``slow`` is an error at collection.

The kernel and dask wrappers are put in place when ``jupyter_client.manager`` and
``distributed.deploy.spec`` are first imported, so a quick run imports neither for them.

A start from an unmarked test raises :class:`SlowWithoutMarker` where it happens. The report
runner turns a kernel that cannot start into a failed notebook, and a test may catch errors
itself, so every refusal is also remembered and fails the test at the end of the phase
(setup, call or teardown) it happened in, whatever became of the exception.
"""

from __future__ import annotations

import importlib.abc
import os
import subprocess
import sys
from typing import Callable

import pytest

MARKER = "slow"
CHROMIUM_PROGRAMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

_current: dict = {"item": None}
_refused: dict[str, list[str]] = {}


class SlowWithoutMarker(Exception):
    """Slow work was started by a test not marked ``slow``."""


def _is_slow(item) -> bool:
    return item.get_closest_marker(MARKER) is not None


def require_slow(what: str, item=None) -> None:
    """Refuse ``what`` (e.g. "starts a Jupyter kernel") unless the running test is marked slow.

    ``item`` defaults to the test being set up, run or torn down; outside a test (collection,
    session teardown) nothing is refused.
    """
    item = item if item is not None else _current["item"]
    if item is None or _is_slow(item):
        return
    _refused.setdefault(item.nodeid, []).append(what)
    raise SlowWithoutMarker(f"{item.nodeid} {what} but is not marked slow: "
                            f"add @pytest.mark.{MARKER} (or pytestmark = pytest.mark.{MARKER})")


# -- where slow work starts --------------------------------------------------------------
def _patch_kernels(module) -> None:
    manager = module.KernelManager
    launch = manager._async_launch_kernel

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        require_slow("starts a Jupyter kernel")
        return await launch(self, kernel_cmd, **kw)

    manager._async_launch_kernel = _async_launch_kernel


def _patch_dask(module) -> None:
    cluster = module.SpecCluster
    init = cluster.__init__

    def __init__(self, *args, **kwargs):
        require_slow("starts a dask cluster")
        init(self, *args, **kwargs)

    cluster.__init__ = __init__


def _patch_popen() -> None:
    init = subprocess.Popen.__init__

    def __init__(self, args, *rest, **kwargs):
        program = args if isinstance(args, (str, bytes, os.PathLike)) else (args[0] if args else "")
        words = os.path.basename(os.fsdecode(program)).split()
        if words and words[0] in CHROMIUM_PROGRAMS:
            require_slow("starts Chromium")
        init(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = __init__


PATCHES: dict[str, Callable] = {"jupyter_client.manager": _patch_kernels,
                                "distributed.deploy.spec": _patch_dask}


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Applies :data:`PATCHES` to a module right after it is first executed."""

    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module):
            run(module)
            PATCHES[name](module)

        loader.exec_module = exec_module
        return spec


_installed: list[bool] = []


def install() -> None:
    """Put the wrappers in place (now for modules already imported, on import for the rest); once."""
    if _installed:
        return
    _installed.append(True)
    for name, patch in PATCHES.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, _PatchOnImport())
    _patch_popen()


# -- the hooks ---------------------------------------------------------------------------
def _guarded(item):
    outer, _current["item"] = _current["item"], item   # a test may run pytest itself (pytester)
    try:
        return (yield)
    finally:
        _current["item"] = outer
        refused = _refused.pop(item.nodeid, None)
        if refused:
            pytest.fail(f"{item.nodeid} is not marked slow but it {' and '.join(dict.fromkeys(refused))}: "
                        f"mark it @pytest.mark.{MARKER} so that `pytest -m \"not slow\"` leaves it out",
                        pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _guarded(item))


def pytest_configure(config):
    install()


def pytest_collection_modifyitems(config, items):
    """A ``notebook`` or ``browser`` test is a slow one: carrying either without ``slow`` is an error."""
    lone = [item.nodeid for item in items if not _is_slow(item)
            and any(item.get_closest_marker(name) for name in ("notebook", "browser"))]
    if lone:
        raise pytest.UsageError(f"marked notebook or browser but not {MARKER}: " + ", ".join(lone))
