"""Rules of the test suite itself: slow work only in tests marked slow, and no benchmark code in tests."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
BENCHMARKS = TESTS.parent / "benchmarks"

INI = """[pytest]
markers =
    slow: slow
    notebook: notebook
    browser: browser
"""

UNMARKED = '''
import subprocess

import pytest
from browser import chromium  # noqa: F401
from conftest import run_notebook
from jupyter_client.manager import KernelManager

import slowguard


def _start_and_stop_a_kernel():
    km = KernelManager(kernel_name="python3")
    try:
        km.start_kernel()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def test_unmarked_kernel():
    _start_and_stop_a_kernel()


def test_unmarked_kernel_whose_error_is_swallowed():
    try:
        _start_and_stop_a_kernel()
    except Exception:
        pass                      # as the report runner does: a kernel that fails is a failed notebook


def test_unmarked_notebook(tmp_path):
    run_notebook("01_places.ipynb", tmp_path)


def test_unmarked_browser(chromium):
    pass


def test_unmarked_pdf_printer():
    subprocess.run(["chromium", "--version"], capture_output=True)


def test_unmarked_dask():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None):
        pass


def test_unmarked_quick_work():
    assert sum(range(10)) == 45


@pytest.mark.slow
def test_marked_asks_for_slow_work():
    slowguard.require_slow("starts a Jupyter kernel")
'''


@pytest.fixture
def guarded(pytester, monkeypatch, tmp_path):
    """A pytester folder whose runs load the slowguard plugin; kernels would write under tmp_path.

    Its runs are separate processes (``runpytest_subprocess``): an inner run in this process
    would hand back a module table without what it imported, and packages imported again
    afterwards (h3 reading its own version) no longer found their metadata.
    """
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    pytester.makeini(INI)
    return pytester


def test_an_unmarked_test_starting_slow_work_fails_and_a_marked_one_passes(guarded):
    guarded.makepyfile(test_inner=UNMARKED)
    result = guarded.runpytest_subprocess("-p", "slowguard", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, failed=5, errors=1)
    out = result.stdout.str()
    for name, what in [("test_unmarked_kernel", "starts a Jupyter kernel"),
                       ("test_unmarked_kernel_whose_error_is_swallowed", "starts a Jupyter kernel"),
                       ("test_unmarked_notebook", "runs the notebook 01_places.ipynb"),
                       ("test_unmarked_browser", "uses headless Chromium"),
                       ("test_unmarked_pdf_printer", "starts Chromium"),
                       ("test_unmarked_dask", "starts a dask cluster")]:
        assert f"test_inner.py::{name} is not marked slow but it {what}" in out, (name, out)
    assert "test_unmarked_quick_work" not in out and "test_marked_asks_for_slow_work" not in out


def test_a_notebook_or_browser_mark_without_slow_is_an_error(guarded):
    guarded.makepyfile(test_inner=textwrap.dedent('''
        import pytest

        @pytest.mark.notebook
        def test_lone_notebook():
            pass

        @pytest.mark.slow
        @pytest.mark.browser
        def test_slow_browser():
            pass
    '''))
    result = guarded.runpytest_subprocess("-p", "slowguard", "-p", "no:cacheprovider", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*marked notebook or browser but not slow: test_inner.py::test_lone_notebook"])
    assert "test_slow_browser" not in result.stderr.str()


@pytest.mark.slow
@pytest.mark.notebook
def test_a_marked_test_starts_a_real_kernel(guarded):
    guarded.makepyfile(test_inner=textwrap.dedent('''
        import pytest
        from jupyter_client.manager import KernelManager

        @pytest.mark.slow
        def test_marked_kernel():
            km = KernelManager(kernel_name="python3")
            km.start_kernel()
            try:
                assert km.is_alive()
            finally:
                km.shutdown_kernel(now=True)
    '''))
    guarded.runpytest_subprocess("-p", "slowguard", "-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)


# -- tests import no benchmark code ----------------------------------------------------
def benchmark_imports(source: str, names: set[str]) -> list[str]:
    """The imports in ``source`` of ``benchmarks`` or of a module named in ``names``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        else:
            continue
        found += [m for m in modules if m.split(".")[0] in names | {"benchmarks"}]
    return found


def test_the_benchmark_import_check_sees_imports():
    names = {"maps_scale"}
    assert benchmark_imports("import benchmarks.run\nfrom maps_scale import x\nimport maps\n", names) == [
        "benchmarks.run", "maps_scale"]
    assert benchmark_imports("from iraq_atlas.viz import maps_scale\n", names) == []


def test_no_test_imports_benchmark_code():
    """Benchmarks may use tests/synthetic.py; tests never use the benchmarks."""
    names = {p.stem for p in BENCHMARKS.glob("*.py")}
    assert "maps_scale" in names
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        found = benchmark_imports(path.read_text(encoding="utf-8"), names)
        if found:
            offenders[str(path.relative_to(TESTS))] = found
    assert offenders == {}
