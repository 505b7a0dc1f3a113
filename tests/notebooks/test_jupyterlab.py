"""JupyterLab smoke test: a real server, the lab UI in headless Chromium, notebook 01 run to its map.

Way 1 of the three ways users come to the suite (design.md). The server gets a copy of the
notebooks folder (so the run writes nothing into the checkout), a random token and a free
port on 127.0.0.1; it is always shut down, whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, shared_geodata_dir

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.notebook]

JUPYTER = Path(sys.executable).with_name("jupyter")
SERVER_START_S = 90
RUN_ALL_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str) -> dict | list:
    req = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read().decode())


def _wait_for_status(proc: subprocess.Popen, base: str, token: str, log: Path) -> None:
    """Poll /api/status until the server answers (fails at once if the process exits)."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            _api(base, token, "/api/status")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.25)  # polling interval for a server that is still starting
    pytest.fail(f"jupyter lab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")


def _wait_for_idle_kernel(base: str, token: str, notebook: str, timeout_s: float = 120) -> None:
    """Wait until the server reports a session for the notebook whose kernel is idle (started, connected)."""
    deadline = time.monotonic() + timeout_s
    sessions: list = []
    while time.monotonic() < deadline:
        sessions = _api(base, token, "/api/sessions")
        if any(s.get("path", "").endswith(notebook) and (s.get("kernel") or {}).get("execution_state") == "idle"
               for s in sessions):
            return
        time.sleep(0.25)  # polling interval
    pytest.fail(f"no idle kernel for {notebook} after {timeout_s} s: {sessions}")


@pytest.fixture
def lab_server(tmp_path):
    """A JupyterLab server over a temp copy of notebooks/; yields (base URL, token, root)."""
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} not found: the venv should provide jupyter lab")
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns("outputs", ".ipynb_checkpoints"))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "IRAQ_ATLAS_OFFLINE": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    geodata = shared_geodata_dir()
    if geodata is not None:
        env["IRAQ_ATLAS_BOUNDARIES"] = str(geodata)
    log = tmp_path / "lab.log"
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--ServerApp.port_retries=0", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_status(proc, base, token, log)
        yield base, token, root
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (server and kernels it started), then SIGKILL if needed."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def test_lab_lists_runs_and_shows_the_map(chromium, lab_server):
    base, token, root = lab_server
    listing = _api(base, token, "/api/contents/")
    names = {item["name"] for item in listing["content"]}
    expected = {p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert "01_places.ipynb" in expected
    assert expected <= names, f"the server lists {sorted(names)}"

    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    # The lab talks to its own server only; anything else is refused. The pattern leaves the
    # server's own requests uninterrupted (a Python route handler would stall them while the
    # test waits outside Playwright, e.g. polling the REST API).
    context.route(re.compile(rf"^(?!{re.escape(base)}/|data:|blob:|about:)"), lambda r: r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{base}/lab/tree/01_places.ipynb?token={token}", wait_until="domcontentloaded",
                  timeout=60_000)
        # the notebook is open and its kernel is ready
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_function("""() => {
            const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
            const state = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
            return name && name.textContent.trim() !== 'No Kernel' && state && state.dataset.status === 'idle';
        }""", timeout=120_000)
        _wait_for_idle_kernel(base, token, "01_places.ipynb")
        # Run → Run All Cells, through the menu bar as a user would
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        iframe = page.wait_for_selector(".jp-OutputArea-output iframe.ia-map", state="attached",
                                        timeout=RUN_ALL_MS)
        frame = iframe.content_frame()
        frame.wait_for_selector(".leaflet-container", state="attached", timeout=30_000)
        assert frame.evaluate("typeof L") == "object"
        # both maps of the notebook end up displayed, and no cell raised
        page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output iframe.ia-map').length === 2",
                               timeout=RUN_ALL_MS)
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .jp-RenderedText",
                            has_text="Traceback").count() == 0
        assert page.locator(".jp-OutputArea-output .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
                            ).count() == 0
        assert (root / "outputs" / "maps" / "01_baghdad.html").exists()
    except BaseException:
        page.screenshot(path=str(root.parent / "lab-failure.png"), full_page=True)  # kept for diagnosis
        raise
    finally:
        context.close()
    assert errors == [], f"page errors in the lab UI: {errors}"
